"""Reads: publication windows, search on each database, filters and sort."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from backoffice.library.actions import record_visit
from backoffice.library.models import Kind, Language, Material, Sort
from backoffice.library.reads import new_materials_summary
from backoffice.library.tests.factories import (
    CategoryFactory,
    MaterialFactory,
    TagFactory,
)
from backoffice.shop.models import Category as ShopCategory
from backoffice.shop.models import Product

NOW = datetime(2026, 6, 1, 17, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def titles(queryset) -> list[str]:
    return sorted(material.title for material in queryset)


def test_visible_means_published_and_not_expired():
    MaterialFactory(title="live", publish_at=NOW - timedelta(days=1))
    MaterialFactory(title="open-ended", publish_at=NOW, expires_at=None)
    MaterialFactory(title="draft", publish_at=None)
    MaterialFactory(title="scheduled", publish_at=NOW + timedelta(seconds=1))
    MaterialFactory(
        title="expired",
        publish_at=NOW - timedelta(days=9),
        expires_at=NOW,
    )
    MaterialFactory(
        title="expiring",
        publish_at=NOW - timedelta(days=9),
        expires_at=NOW + timedelta(seconds=1),
    )
    assert titles(Material.objects.visible(NOW)) == ["expiring", "live", "open-ended"]
    with time_machine.travel(NOW + timedelta(seconds=2), tick=False):
        assert titles(Material.objects.visible()) == [
            "live",
            "open-ended",
            "scheduled",
        ]


def test_is_visible_agrees_with_the_queryset():
    materials = [
        MaterialFactory(publish_at=NOW - timedelta(days=1)),
        MaterialFactory(publish_at=None),
        MaterialFactory(publish_at=NOW + timedelta(hours=1)),
        MaterialFactory(publish_at=NOW - timedelta(days=2), expires_at=NOW),
    ]
    visible = set(Material.objects.visible(NOW).values_list("pk", flat=True))
    assert {m.pk for m in materials if m.is_visible(NOW)} == visible
    assert len(visible) == 1


def test_search_finds_words_in_title_description_and_tags():
    coffee = MaterialFactory(
        title="Morning coffee flyer", description="Share a cup with neighbours."
    )
    soap = MaterialFactory(title="Sense Soap brochure", description="Daily care.")
    tagged = MaterialFactory(title="Autumn promotion", description="Seasonal.")
    tagged.tags.add(TagFactory(name="recipes"))
    MaterialFactory(title="Compensation plan deck", description="How the plan pays.")

    assert titles(Material.objects.search("coffee")) == [coffee.title]
    assert titles(Material.objects.search("SOAP")) == [soap.title]
    assert titles(Material.objects.search("neighbours")) == [coffee.title]
    assert titles(Material.objects.search("recipes")) == [tagged.title]
    # Every word must match.
    assert titles(Material.objects.search("coffee brochure")) == []
    assert titles(Material.objects.search("nothing-like-this")) == []
    assert Material.objects.search("   ").count() == 4


def test_search_matches_each_item_once_with_several_tags():
    material = MaterialFactory(title="Coffee tasting kit")
    material.tags.add(TagFactory(name="coffee"), TagFactory(name="events"))
    assert list(Material.objects.search("coffee")) == [material]


def test_filters_by_category_family_kind_language_and_product():
    parent = CategoryFactory(name="Products")
    child = CategoryFactory(name="Coffee", parent=parent)
    other = CategoryFactory(name="Events")
    in_parent = MaterialFactory(title="in parent", category=parent)
    in_child = MaterialFactory(
        title="in child", category=child, kind=Kind.BROCHURE, language=Language.SPANISH
    )
    MaterialFactory(title="elsewhere", category=other)
    product = Product.objects.create(
        sku="505",
        name_en="Ganocafé Classic",
        category=ShopCategory.objects.create(name_en="Coffee", slug="coffee"),
        distributor_price="25.00",
        retail_price="33.00",
        pv="17",
        cv="19.2",
    )
    in_child.products.add(product)

    assert titles(Material.objects.in_category(parent)) == ["in child", "in parent"]
    assert titles(Material.objects.in_category(child)) == ["in child"]
    assert titles(Material.objects.of_kind(Kind.BROCHURE)) == ["in child"]
    assert titles(Material.objects.in_language(Language.SPANISH)) == ["in child"]
    assert titles(Material.objects.for_product(product.pk)) == ["in child"]
    assert in_parent.pk not in Material.objects.of_kind(Kind.BROCHURE).values_list(
        "pk", flat=True
    )


def test_sort_newest_and_most_downloaded():
    old = MaterialFactory(title="old", publish_at=NOW - timedelta(days=5))
    new = MaterialFactory(title="new", publish_at=NOW - timedelta(days=1))
    Material.objects.filter(pk=old.pk).update(download_count=7)
    Material.objects.filter(pk=new.pk).update(download_count=2)
    newest = [m.title for m in Material.objects.sorted_by(Sort.NEWEST)]
    popular = [m.title for m in Material.objects.sorted_by(Sort.DOWNLOADS)]
    assert newest == ["new", "old"]
    assert popular == ["old", "new"]


def test_new_since_last_visit(alice):
    MaterialFactory(title="before", publish_at=NOW - timedelta(days=3))
    with time_machine.travel(NOW - timedelta(days=2), tick=False):
        assert record_visit(user=alice) is None
    MaterialFactory(title="after", publish_at=NOW - timedelta(days=1))
    summary = new_materials_summary(alice, now=NOW)
    assert summary.count == 1
    assert [m.title for m in summary.latest] == ["after"]
    with time_machine.travel(NOW, tick=False):
        previous = record_visit(user=alice)
    assert previous == NOW - timedelta(days=2)
    assert titles(Material.objects.visible(NOW).published_since(previous)) == ["after"]
    assert new_materials_summary(alice, now=NOW).count == 0


def test_visits_close_together_are_one_visit(alice):
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        record_visit(user=alice)
    with time_machine.travel(NOW, tick=False):
        first = record_visit(user=alice)
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        again = record_visit(user=alice)
    assert first == again == NOW - timedelta(days=1)


def test_best_match_puts_title_matches_first():
    in_description = MaterialFactory(
        title="Morning routine",
        description="A cup of coffee with friends.",
        publish_at=NOW - timedelta(days=1),
    )
    in_title = MaterialFactory(
        title="Coffee tasting flyer",
        description="Invite your neighbours.",
        publish_at=NOW - timedelta(days=5),
    )
    found = Material.objects.search("coffee")
    assert list(found.sorted_by(Sort.RELEVANCE)) == [in_title, in_description]
    assert list(found.sorted_by(Sort.NEWEST)) == [in_description, in_title]
    # Without a search there is nothing to rank: newest first.
    assert list(Material.objects.sorted_by(Sort.RELEVANCE)) == [
        in_description,
        in_title,
    ]
