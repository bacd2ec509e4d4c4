import random

import pytest

from backoffice.accounts.tests.factories import StaffFactory
from backoffice.support import demo
from backoffice.support.models import Article, CannedReply, HelpCategory, Ticket

pytestmark = pytest.mark.django_db


def test_demo_help_center_and_tickets(team):
    StaffFactory(username="staff")
    rng = random.Random(7)
    state = rng.getstate()
    made = demo.seed(rng=rng, distributors=3, months=1)
    assert made == {"help articles": 12, "canned replies": 3, "support tickets": 3}
    # The shared generator is left as it was for the seeders after this one.
    assert rng.getstate() == state
    assert HelpCategory.objects.count() == 4
    assert Article.objects.published().count() == 12
    assert all(
        article.title_es and article.body_es for article in Article.objects.all()
    )
    assert CannedReply.objects.count() == 3
    assert sorted(Ticket.objects.values_list("status", flat=True)) == [
        "closed",
        "open",
        "waiting",
    ]
