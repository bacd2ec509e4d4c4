"""Sharing: a public preview page by token, only for shareable visible items."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from backoffice.library import actions
from backoffice.library.tests.factories import MaterialFactory

NOTE = "These statements have not been evaluated by the FDA."


@pytest.fixture
def shareable(members):
    material = MaterialFactory(
        title="Coffee moments", description="Share a cup.", is_shareable=True
    )
    actions.generate_thumbnail(material_id=material.pk)
    material.refresh_from_db()
    return material


def test_public_page_needs_no_sign_in(client, shareable):
    response = client.get(f"/m/{shareable.share_token}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Coffee moments" in html
    assert NOTE in html
    assert f"/m/{shareable.share_token}/thumbnail/" in html
    # The file itself stays behind the sign-in.
    assert f"/library/{shareable.pk}/" not in html
    assert response["X-Robots-Tag"] == "noindex"


def test_public_thumbnail(client, shareable):
    response = client.get(f"/m/{shareable.share_token}/thumbnail/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"


def test_not_shareable_has_no_public_page(client, alice, members):
    material = MaterialFactory(is_shareable=False)
    assert client.get(f"/m/{material.share_token}/").status_code == 404
    client.force_login(alice)
    html = client.get(f"/library/{material.pk}/").content.decode()
    assert 'id="share"' not in html
    assert material.share_token not in html


def test_expired_shared_item_disappears(client, members):
    now = timezone.now()
    material = MaterialFactory(
        is_shareable=True,
        publish_at=now - timedelta(days=3),
        expires_at=now - timedelta(seconds=1),
    )
    assert client.get(f"/m/{material.share_token}/").status_code == 404
    assert client.get(f"/m/{material.share_token}/thumbnail/").status_code == 404


def test_wrong_token_is_404(client, shareable):
    assert client.get("/m/not-a-token/").status_code == 404
    assert client.get(f"/m/{shareable.share_token[:-1]}/").status_code == 404


def test_tokens_are_long_and_distinct(members):
    first, second = MaterialFactory(), MaterialFactory()
    assert len(first.share_token) >= 24
    assert first.share_token != second.share_token


def test_caption_includes_link_and_compliance_text(client, alice, shareable):
    client.force_login(alice)
    html = client.get(f"/library/{shareable.pk}/").content.decode()
    link = f"http://testserver/m/{shareable.share_token}/"
    caption = shareable.share_caption(link)
    assert caption == f"Coffee moments\n\nShare a cup.\n\n{link}\n\n{NOTE}"
    assert '<textarea id="share-caption"' in html
    assert f"{link}\n\n{NOTE}</textarea>" in html
