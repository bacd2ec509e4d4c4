"""The staff support inbox: who may use it, filters, assignment, replies, notes."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from backoffice.accounts.tests.factories import StaffFactory
from backoffice.support import actions
from backoffice.support.models import CannedReply, Ticket, TicketStatus
from backoffice.support.tests.conftest import open_for

pytestmark = pytest.mark.django_db

INBOX = "/staff/support/"
START = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)


def codes(response):
    return [ticket.code for ticket in response.context["page"].object_list]


@pytest.fixture
def tickets(team, helper, colleague):
    alice, charlie = team["alice"], team["charlie"]
    with time_machine.travel(START, tick=False):
        mine = open_for(alice, subject="Autoship date")
        theirs = open_for(charlie, subject="Binary legs")
        loose = open_for(alice, subject="Shipping box damaged")
        done = open_for(charlie, subject="Old question")
    actions.assign_ticket(ticket=mine, assignee=helper, by=helper)
    actions.assign_ticket(ticket=theirs, assignee=colleague, by=colleague)
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        actions.reply_to_ticket(ticket=theirs, author=colleague, body="Left leg.")
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        actions.reply_to_ticket(ticket=done, author=helper, body="Done.")
    with time_machine.travel(START + timedelta(hours=5), tick=False):
        actions.close_ticket(ticket=done, by=helper)
    return {"mine": mine, "theirs": theirs, "loose": loose, "done": done}


def test_distributors_and_other_staff_cannot_use_the_inbox(
    client, team, tickets, staff
):
    code = tickets["mine"].code
    pages = [
        ("get", INBOX),
        ("get", f"{INBOX}{code}/"),
        ("post", f"{INBOX}{code}/reply/"),
        ("post", f"{INBOX}{code}/note/"),
        ("post", f"{INBOX}{code}/assign/"),
        ("post", f"{INBOX}{code}/status/"),
    ]
    for user in (team["alice"].user, team["charlie"].user, staff):
        client.force_login(user)
        for method, path in pages:
            response = getattr(client, method)(path, {"body": "x", "note": "x"})
            assert response.status_code == 403, (user, path)
    client.logout()
    assert client.get(INBOX).status_code == 302
    assert Ticket.objects.get(pk=tickets["mine"].pk).messages.count() == 1


def test_support_staff_without_two_factor_are_sent_to_set_it_up(client):
    from django.contrib.auth.models import Group

    user = StaffFactory()
    user.groups.add(Group.objects.get(name="support"))
    client.force_login(user)
    response = client.get(INBOX)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:two-factor-setup")


def test_the_inbox_filters(client, helper, tickets):
    client.force_login(helper)
    t = tickets
    assert set(codes(client.get(INBOX))) == {
        t["mine"].code,
        t["theirs"].code,
        t["loose"].code,
    }
    assert codes(client.get(INBOX, {"status": "closed"})) == [t["done"].code]
    assert codes(client.get(INBOX, {"status": "waiting"})) == [t["theirs"].code]
    assert len(codes(client.get(INBOX, {"status": "all"}))) == 4
    assert codes(client.get(INBOX, {"assigned": "me"})) == [t["mine"].code]
    assert codes(client.get(INBOX, {"assigned": "unassigned"})) == [t["loose"].code]
    assert codes(client.get(INBOX, {"q": "binary"})) == [t["theirs"].code]
    assert codes(client.get(INBOX, {"q": t["loose"].code.lower()})) == [t["loose"].code]
    assert set(codes(client.get(INBOX, {"q": "100001"}))) == {
        t["mine"].code,
        t["loose"].code,
    }
    assert codes(client.get(INBOX, {"category": "autoship"})) == []
    assert len(codes(client.get(INBOX, {"category": "orders"}))) == 3


def test_the_inbox_shows_exact_response_figures(client, helper, tickets):
    client.force_login(helper)
    response = client.get(INBOX, {"status": "all"})
    assert response.context["figures"] == {
        "responded": 2,
        "resolved": 1,
        "average_first_response": timedelta(hours=1, minutes=30),
        "average_resolution": timedelta(hours=5),
    }
    content = response.content.decode()
    assert "1 h 30 min" in content
    assert "5 h 0 min" in content
    # Figures follow the filter.
    waiting = client.get(INBOX, {"status": "waiting"})
    assert waiting.context["figures"]["average_first_response"] == timedelta(hours=2)


def test_the_htmx_filter_returns_only_the_results(client, helper, tickets):
    client.force_login(helper)
    response = client.get(INBOX, {"status": "closed"}, headers={"HX-Request": "true"})
    content = response.content.decode()
    assert content.lstrip().startswith('<section class="card" id="inbox-results"')
    assert tickets["done"].code in content


def test_assigning_to_self_and_to_a_colleague(client, helper, colleague, tickets):
    loose = tickets["loose"]
    client.force_login(helper)
    client.post(f"{INBOX}{loose.code}/assign/", {"assignee": helper.pk})
    loose.refresh_from_db()
    assert loose.assigned_to == helper
    client.post(f"{INBOX}{loose.code}/assign/", {"assignee": colleague.pk})
    loose.refresh_from_db()
    assert loose.assigned_to == colleague
    client.post(f"{INBOX}{loose.code}/assign/", {"assignee": ""})
    loose.refresh_from_db()
    assert loose.assigned_to is None


def test_tickets_go_only_to_support_staff(client, helper, tickets, staff, team):
    loose = tickets["loose"]
    client.force_login(helper)
    for outsider in (staff, team["alice"].user):
        client.post(f"{INBOX}{loose.code}/assign/", {"assignee": outsider.pk})
        loose.refresh_from_db()
        assert loose.assigned_to is None


def test_replying_and_noting_from_the_inbox(
    client, helper, tickets, mailoutbox, django_capture_on_commit_callbacks
):
    loose = tickets["loose"]
    client.force_login(helper)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{INBOX}{loose.code}/note/", {"note": "Check with the warehouse"})
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{INBOX}{loose.code}/reply/", {"body": "Sending new"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    loose.refresh_from_db()
    assert loose.status == TicketStatus.WAITING
    page = client.get(f"{INBOX}{loose.code}/").content.decode()
    assert "Check with the warehouse" in page
    assert "Sending new" in page


def test_over_long_staff_text_is_refused(client, helper, tickets, mailoutbox):
    loose = tickets["loose"]
    client.force_login(helper)
    response = client.post(f"{INBOX}{loose.code}/reply/", {"body": "x" * 5001})
    assert response.status_code == 400
    response = client.post(f"{INBOX}{loose.code}/note/", {"note": "x" * 5001})
    assert response.status_code == 400
    assert loose.messages.count() == 1
    loose.refresh_from_db()
    assert loose.status == TicketStatus.OPEN
    assert mailoutbox == []


def test_status_changes_from_the_inbox(client, helper, tickets):
    done = tickets["done"]
    client.force_login(helper)
    client.post(f"{INBOX}{done.code}/status/", {"status": "waiting"})
    done.refresh_from_db()
    assert done.status == TicketStatus.CLOSED
    client.post(f"{INBOX}{done.code}/status/", {"status": "open"})
    done.refresh_from_db()
    assert done.status == TicketStatus.OPEN


def test_a_canned_reply_fills_the_reply_box(client, helper, tickets, team):
    canned = CannedReply.objects.create(
        title="Need order", body_en="Send the order number.", body_es="Envía el número."
    )
    client.force_login(helper)
    code = tickets["loose"].code
    response = client.get(f"{INBOX}{code}/", {"canned": canned.pk})
    assert response.context["reply_form"].initial == {"body": "Send the order number."}
    alice = team["alice"].user
    alice.language = "es"
    alice.save(update_fields=["language"])
    response = client.get(f"{INBOX}{code}/", {"canned": canned.pk})
    assert response.context["reply_form"].initial == {"body": "Envía el número."}
    assert 'data-text="Envía el número."' in response.content.decode()


def test_script_is_escaped_in_the_inbox_and_the_admin(client, team, helper):
    from django.contrib.auth.models import Group

    ticket = open_for(
        team["alice"], subject="<script>alert(1)</script>", body="<b>bold</b>"
    )
    client.force_login(helper)
    for path in (INBOX, f"{INBOX}{ticket.code}/"):
        content = client.get(path).content.decode()
        assert "<script>alert(1)</script>" not in content
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    admin = StaffFactory(is_superuser=True)
    from backoffice.accounts.tests.factories import add_totp_device

    add_totp_device(admin)
    admin.groups.add(Group.objects.get(name="support"))
    client.force_login(admin)
    for path in (
        "/admin/support/ticket/",
        f"/admin/support/ticket/{ticket.pk}/change/",
    ):
        response = client.get(path)
        assert response.status_code == 200
        content = response.content.decode()
        assert "<script>alert(1)</script>" not in content
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_help_articles_are_escaped_in_the_admin(client, db):
    from django.contrib.auth.models import Group

    from backoffice.accounts.tests.factories import add_totp_device
    from backoffice.support.models import Article, HelpCategory

    category = HelpCategory.objects.create(slug="c", name_en="<i>Cat</i>")
    article = Article.objects.create(
        category=category,
        slug="a",
        title_en="<script>alert(1)</script>",
        body_en="<script>alert(2)</script>",
    )
    writer = StaffFactory()
    add_totp_device(writer)
    writer.groups.add(Group.objects.get(name="content"))
    client.force_login(writer)
    for path in (
        "/admin/support/article/",
        f"/admin/support/article/{article.pk}/change/",
    ):
        response = client.get(path)
        assert response.status_code == 200
        content = response.content.decode()
        assert "<script>alert(" not in content
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    # Content staff write the help center but never see tickets.
    assert client.get("/admin/support/ticket/").status_code == 403
    assert client.get(INBOX).status_code == 403
