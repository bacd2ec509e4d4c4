"""The shared previous / next links (templates/_pagination.html)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.template.loader import render_to_string


def render(page, **context) -> str:
    return render_to_string(
        "_pagination.html", {"page": page, "url": "/orders/", **context}
    )


def test_links_keep_the_filters_and_work_with_and_without_htmx():
    page = Paginator(range(60), 25).get_page(2)
    html = render(page, query="status=paid&q=ann")
    for page_number, rel in ((1, "prev"), (3, "next")):
        link = f"/orders/?status=paid&amp;q=ann&amp;page={page_number}"
        assert f'href="{link}" hx-get="{link}" rel="{rel}"' in html
    assert "Page 2 of 3" in html


def test_first_page_without_filters_has_only_next():
    html = render(Paginator(range(30), 25).get_page(1), query="")
    assert 'href="/orders/?page=2"' in html
    assert 'rel="prev"' not in html


def test_a_capped_paginator_shows_the_page_number_alone():
    page = Paginator(range(60), 25).get_page(2)
    page.paginator.is_capped = True
    html = render(page, query="")
    assert "Page 2</span>" in html
    assert " of " not in html


def test_a_single_page_has_no_links():
    assert render(Paginator(range(3), 25).get_page(1), query="").strip() == ""


def test_large_page_numbers_are_never_localised(settings):
    settings.USE_THOUSAND_SEPARATOR = True
    page = Paginator(range(30_000), 25).get_page(1001)
    html = render(page, query="")
    assert 'href="/orders/?page=1002"' in html
