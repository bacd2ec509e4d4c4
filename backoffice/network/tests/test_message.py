"""Messages to the team: the page, the action's rules, the emails, over HTTP."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection

from backoffice.network.actions import (
    NetworkError,
    next_send_time,
    send_team_message,
)
from backoffice.network.models import Distributor, TeamMessage
from backoffice.network.tests.test_pages import NOW, build_network

pytestmark = pytest.mark.django_db

MESSAGE = "/team/message/"
# NOW is 10:00 in Los Angeles: a message sent then counts until 10:00 tomorrow.
AGAIN = "March 3, 2026, 10 a.m."
EMAILS = [
    "100002@example.com",  # bob
    "dave@example.com",
    "erin@example.com",
    "frank@example.com",
    "gina@example.com",
    "hank@example.com",
]


@pytest.fixture
def network(team):
    with time_machine.travel(NOW, tick=False):
        yield build_network(team)


@pytest.fixture
def post_message(client, django_capture_on_commit_callbacks):
    """Post the form and let the transaction commit (the emails go out)."""

    def _post(
        to, subject="Team call on Friday", body="Join us at 7 pm.\nBring a friend."
    ):
        data = {"to": [str(number) for number in to], "subject": subject, "body": body}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(MESSAGE, data)

    return _post


def recipient_ids(response) -> list[int]:
    return [member.distributor_id for member in response.context["recipients"]]


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def form_errors(response) -> dict[str, list[str]]:
    return response.context["form"].errors


def outbox() -> list[list[str]]:
    return sorted(message.to for message in mail.outbox)


# --- the page -------------------------------------------------------------------


def test_page_lists_the_active_members_the_filters_match(client, alice, network):
    client.force_login(alice)
    response = client.get(MESSAGE)
    assert response.status_code == 200
    # Newest first, as the list; gina (terminated) is left out.
    assert recipient_ids(response) == [200014, 200012, 200011, 200010, 100002]
    assert b'name="to" value="200012" id="to-200012" checked' in response.content
    response = client.get(MESSAGE, {"leg": "R", "page": "2"})
    assert recipient_ids(response) == [200010]
    assert response.context["query"] == "leg=R"
    response = client.get(MESSAGE, {"status": "inactive"})
    assert recipient_ids(response) == []
    assert b"No active member of your team matches." in response.content


def test_page_never_shows_email_addresses(client, alice, network, post_message):
    client.force_login(alice)
    pages = [
        client.get(MESSAGE),
        post_message([100002, 200010], subject=""),
        post_message([100002, 200010, 100003]),
        client.get("/team/", {"sort": "id"}),
    ]
    for response in pages:
        assert response.status_code == 200
        for email in [*EMAILS, "100003@example.com", "jack@example.com"]:
            assert email.encode() not in response.content
    assert mail.outbox == []


def test_list_links_to_the_message_page_with_its_filters(client, alice, network):
    client.force_login(alice)
    response = client.get("/team/", {"leg": "R", "sort": "id"})
    assert (
        b'href="/team/message/?leg=R&amp;sort=id">Message these members</a>'
        in response.content
    )
    response = client.get("/team/", {"status": "inactive", "leg": "L"})
    assert b"Message these members" not in response.content


def test_too_many_matches_show_no_form(client, alice, network, monkeypatch):
    monkeypatch.setattr("backoffice.network.actions.TEAM_MESSAGE_MAX_RECIPIENTS", 4)
    client.force_login(alice)
    response = client.get(MESSAGE, {"q": "a"})
    assert response.context["too_many"] is True
    assert recipient_ids(response) == []
    assert b"More than 4 active members match these filters." in response.content
    assert b'action="/team/message/"' not in response.content


def test_staff_and_anonymous(client, staff, network):
    assert client.get(MESSAGE)["Location"] == "/accounts/login/?next=/team/message/"
    client.force_login(staff)
    assert client.get(MESSAGE).status_code == 404
    assert client.post(MESSAGE, {"to": ["100002"]}).status_code == 404
    assert TeamMessage.objects.count() == 0


def test_charlie_sees_only_his_team_and_cannot_message_alices(
    client, charlie, network, post_message
):
    client.force_login(charlie)
    response = client.get(MESSAGE)
    assert recipient_ids(response) == [200016]
    assert b"Bob" not in response.content
    response = post_message([100002, 200010])
    assert response.status_code == 200
    assert form_errors(response) == {
        "to": ["You can only message members of your own team."]
    }
    # The refused IDs are not echoed back as names either.
    assert recipient_ids(response) == []
    assert b"Bob Baker" not in response.content
    assert mail.outbox == []
    assert TeamMessage.objects.count() == 0


# --- sending --------------------------------------------------------------------


def test_message_reaches_exactly_the_chosen_members(
    client, alice, network, post_message
):
    client.force_login(alice)
    response = post_message([200014, 100002])
    assert response.status_code == 302
    assert response["Location"] == "/team/"
    assert flashed(response) == ["Your message was sent to 2 members."]
    assert outbox() == [["100002@example.com"], ["hank@example.com"]]
    sent = TeamMessage.objects.get()
    assert (
        sent.sender,
        sent.subject,
        sent.body,
        sent.recipient_count,
        sent.created_at,
    ) == (
        network["alice"],
        "Team call on Friday",
        "Join us at 7 pm.\nBring a friend.",
        2,
        NOW,
    )
    email = next(m for m in mail.outbox if m.to == ["hank@example.com"])
    assert email.subject == "Team call on Friday (from Alice Archer)"
    assert email.from_email == settings.DEFAULT_FROM_EMAIL
    assert email.reply_to == []
    assert email.cc == email.bcc == []
    assert email.body == (
        "Hello Hank,\n"
        "\n"
        "Alice Archer (distributor ID 100001) sent you this message:\n"
        "\n"
        "Team call on Friday\n"
        "\n"
        "Join us at 7 pm.\n"
        "Bring a friend.\n"
        "\n"
        "--\n"
        "Alice Archer, your upline, sent this message to members of their team "
        "through the Gano Excel USA Back Office. Your email address was not shown "
        "to them.\n"
        "Alice Archer does not share their email address: replies to this email "
        "do not reach them.\n"
        "\n"
        f"{settings.COMPANY_NAME} · {settings.COMPANY_SUPPORT_PHONE} · "
        f"{settings.COMPANY_SUPPORT_EMAIL}\n\n"
    )


def test_subject_and_body_are_stripped_and_not_escaped(
    client, alice, network, post_message
):
    client.force_login(alice)
    response = post_message([200010], subject="  Q&A <today>  ", body="  Tom's tips\n")
    assert response.status_code == 302
    sent = TeamMessage.objects.get()
    assert (sent.subject, sent.body) == ("Q&A <today>", "Tom's tips")
    assert mail.outbox[0].subject == "Q&A <today> (from Alice Archer)"
    assert "\nTom's tips\n" in mail.outbox[0].body


def test_reply_to_is_the_sender_only_when_shared(client, alice, network, post_message):
    network["alice"].share_email_downline = True
    network["alice"].save(update_fields=["share_email_downline"])
    client.force_login(alice)
    response = client.get(MESSAGE)
    assert b"so their replies come to you." in response.content
    post_message([200010])
    assert [m.reply_to for m in mail.outbox] == [["100001@example.com"]]
    assert "Replying to this email reaches Alice Archer.\n" in mail.outbox[0].body
    assert "does not share" not in mail.outbox[0].body


def test_outsiders_are_refused_and_nothing_is_sent(
    client, alice, network, post_message
):
    client.force_login(alice)
    # charlie (beside alice), jack (charlie's), ivy (bob's holding tank), unknown.
    for outsider in (100003, 200016, 200015, 999999):
        response = post_message([100002, outsider])
        assert response.status_code == 200
        assert form_errors(response) == {
            "to": ["You can only message members of your own team."]
        }
        assert recipient_ids(response) == [100002]
    assert mail.outbox == []
    assert TeamMessage.objects.count() == 0


def test_ids_that_are_not_numbers_are_refused(client, alice, network, post_message):
    client.force_login(alice)
    response = post_message(["100002", "abc"])
    assert form_errors(response) == {"to": ["Choose members from the list."]}
    response = post_message([])
    assert form_errors(response) == {"to": ["Choose at least one member."]}
    assert mail.outbox == []
    assert TeamMessage.objects.count() == 0


def test_terminated_members_are_skipped(client, alice, network, post_message):
    client.force_login(alice)
    response = post_message([200013, 100002])
    assert flashed(response) == ["Your message was sent to 1 member."]
    assert outbox() == [["100002@example.com"]]
    assert TeamMessage.objects.get().recipient_count == 1
    response = post_message([200013])
    assert form_errors(response) == {
        "to": ["Terminated members get no messages: choose someone else."]
    }
    assert len(mail.outbox) == 1
    assert TeamMessage.objects.count() == 1


def test_empty_subject_or_body_is_refused(client, alice, network, post_message):
    client.force_login(alice)
    response = post_message([100002], subject="   ")
    assert form_errors(response) == {"subject": ["This field is required."]}
    response = post_message([100002], body="\n \n")
    assert form_errors(response) == {"body": ["This field is required."]}
    response = post_message([100002], subject="x" * 151)
    assert form_errors(response) == {
        "subject": ["Ensure this value has at most 150 characters (it has 151)."]
    }
    assert mail.outbox == []
    assert TeamMessage.objects.count() == 0


def test_the_action_checks_the_text_itself(network):
    alice = network["alice"]
    cases = [
        ({"subject": " "}, "Enter a subject.", "subject"),
        ({"body": " \n"}, "Write a message.", "body"),
        ({"subject": "s" * 151}, "Keep the subject to 150 characters.", "subject"),
        ({"body": "b" * 5001}, "Keep the message to 5000 characters.", "body"),
        ({"recipient_ids": []}, "Choose at least one member.", "to"),
    ]
    for changes, message, field in cases:
        arguments = {"recipient_ids": [100002], "subject": "Hi", "body": "Hello"}
        with pytest.raises(NetworkError) as refused:
            send_team_message(sender=alice, **{**arguments, **changes})
        assert (refused.value.message, refused.value.field) == (message, field)
    sent = send_team_message(
        sender=alice, recipient_ids=[100002], subject="s" * 150, body="b" * 5000
    )
    assert (len(sent.subject), len(sent.body)) == (150, 5000)


def test_at_most_500_members_a_message(client, alice, network, post_message):
    client.force_login(alice)
    response = post_message(range(300000, 300501))
    assert form_errors(response) == {
        "to": ["You can message at most 500 members at a time."]
    }
    assert mail.outbox == []
    assert TeamMessage.objects.count() == 0


# --- daily limits ---------------------------------------------------------------


def test_sixth_message_in_a_day_is_refused(client, alice, network, post_message):
    client.force_login(alice)
    for _n in range(5):
        assert post_message([100002]).status_code == 302
    response = post_message([100002, 200010])
    assert response.status_code == 200
    assert form_errors(response) == {
        "__all__": [
            f"You can send 5 team messages a day. You can send again after {AGAIN}."
        ]
    }
    assert len(mail.outbox) == 5
    assert TeamMessage.objects.count() == 5
    with time_machine.travel(NOW + timedelta(hours=23, minutes=59), tick=False):
        client.force_login(alice)  # the session has idled out meanwhile
        assert post_message([100002]).status_code == 200
    with time_machine.travel(NOW + timedelta(hours=24, seconds=1), tick=False):
        client.force_login(alice)
        assert post_message([100002]).status_code == 302
    assert len(mail.outbox) == 6


def test_recipients_a_day_are_capped(client, alice, network, post_message, settings):
    settings.TEAM_RECIPIENTS_PER_DAY = 3
    client.force_login(alice)
    assert post_message([100002, 200010]).status_code == 302
    response = post_message([200011, 200012])
    assert form_errors(response) == {
        "__all__": [
            "You can message 3 members a day and have 1 left: choose fewer "
            f"members, or send to all of them after {AGAIN}."
        ]
    }
    assert len(mail.outbox) == 2
    assert TeamMessage.objects.count() == 1
    # The terminated member does not count against the allowance.
    assert post_message([200011, 200013]).status_code == 302
    assert outbox() == [
        ["100002@example.com"],
        ["dave@example.com"],
        ["erin@example.com"],
    ]
    response = post_message([200012, 200014, 100002, 200010])
    assert form_errors(response) == {"to": ["You can message at most 3 members a day."]}


def test_limits_count_each_sender_alone(client, bob, network, post_message):
    sent_at = NOW - timedelta(hours=1)
    for _n in range(5):
        TeamMessage.objects.create(
            sender=network["alice"],
            subject="s",
            body="b",
            recipient_count=1,
            created_at=sent_at,
        )
    client.force_login(bob)
    assert post_message([200011]).status_code == 302
    assert outbox() == [["erin@example.com"]]


def test_next_send_time():
    t = [datetime(2026, 3, 1, hour, tzinfo=UTC) for hour in range(24)]
    day = timedelta(hours=24)
    limits = {"max_messages": 3, "max_recipients": 10}
    assert next_send_time([], 10, **limits) is None
    assert next_send_time([(t[1], 4), (t[2], 4)], 2, **limits) is None
    assert next_send_time([(t[1], 4), (t[2], 4)], 3, **limits) == t[1] + day
    assert next_send_time([(t[1], 4), (t[2], 4)], 7, **limits) == t[2] + day
    assert next_send_time([(t[1], 1), (t[2], 1), (t[3], 1)], 1, **limits) == (
        t[1] + day
    )
    assert next_send_time(
        [(t[1], 1), (t[2], 1), (t[3], 1), (t[4], 1)], 1, **limits
    ) == (t[2] + day)


@pytest.mark.django_db(transaction=True)
def test_quick_submissions_cannot_both_pass_the_limit(team, settings):
    settings.TEAM_MESSAGES_PER_DAY = 1
    alice = team["alice"]
    results: list[str] = []
    barrier = threading.Barrier(3)

    def attempt() -> None:
        try:
            barrier.wait()
            send_team_message(
                sender=Distributor.objects.select_related("user").get(pk=alice.pk),
                recipient_ids=[100002],
                subject="Hi",
                body="Hello",
            )
            results.append("sent")
        except NetworkError as error:
            results.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results.count("sent") == 1, results
    assert all(
        r.startswith("You can send 1 team message a day.")
        for r in results
        if r != "sent"
    )
    assert TeamMessage.objects.count() == 1
