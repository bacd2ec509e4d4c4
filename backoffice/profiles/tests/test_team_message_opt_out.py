"""Members who turned "messages from my upline" off get no team messages."""

from __future__ import annotations

import pytest
from django.core import mail

from backoffice.network.models import Distributor, TeamMessage
from backoffice.network.tests.test_message import (  # noqa: F401
    flashed,
    form_errors,
    network,
    outbox,
    post_message,
)
from backoffice.profiles.models import Profile


def opt_out(distributor_id: int) -> None:
    member = Distributor.objects.get(distributor_id=distributor_id)
    Profile.objects.create(distributor=member, team_messages=False)


@pytest.mark.usefixtures("network")
def test_members_who_opted_out_are_skipped(client, alice, post_message):  # noqa: F811
    opt_out(200010)  # dave
    # bob has a profile with team messages on: he still gets them.
    Profile.objects.create(
        distributor=Distributor.objects.get(distributor_id=100002), team_messages=True
    )
    client.force_login(alice)
    response = post_message([100002, 200010])
    assert flashed(response) == ["Your message was sent to 1 member."]
    assert outbox() == [["100002@example.com"]]
    assert TeamMessage.objects.get().recipient_count == 1


@pytest.mark.usefixtures("network")
def test_only_opted_out_members_is_refused(client, alice, post_message):  # noqa: F811
    opt_out(200010)
    client.force_login(alice)
    response = post_message([200010])
    assert form_errors(response) == {
        "to": ["The members you chose turned team messages off: choose someone else."]
    }
    assert mail.outbox == []
    assert TeamMessage.objects.count() == 0
