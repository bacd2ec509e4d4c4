"""The help center: published entries, language fallback, search, escaping."""

import pytest

from backoffice.support.models import Article, ArticleKind, HelpCategory

pytestmark = pytest.mark.django_db

HELP = "/support/"


@pytest.fixture
def entries(db):
    orders = HelpCategory.objects.create(
        slug="orders", name_en="Orders", name_es="Pedidos"
    )
    hidden = HelpCategory.objects.create(
        slug="hidden", name_en="Hidden", is_published=False
    )
    both = Article.objects.create(
        category=orders,
        slug="shipping",
        title_en="How orders ship",
        body_en="FedEx Ground from Chino.\n\nUSPS to PO boxes.",
        title_es="Cómo se envían los pedidos",
        body_es="FedEx Ground desde Chino.",
        is_published=True,
    )
    english_only = Article.objects.create(
        category=orders,
        kind=ArticleKind.FAQ,
        slug="returns",
        title_en="Can I return a product?",
        body_en="Yes, within 45 days.",
        is_published=True,
    )
    draft = Article.objects.create(
        category=orders, slug="draft", title_en="Draft shipping", body_en="x"
    )
    in_hidden = Article.objects.create(
        category=hidden,
        slug="in-hidden",
        title_en="Hidden shipping",
        body_en="x",
        is_published=True,
    )
    return {"both": both, "english": english_only, "draft": draft, "hidden": in_hidden}


def titles(response):
    return [entry["title"] for entry in response.context["results"]]


def test_signed_out_visitors_are_sent_to_sign_in(client, entries):
    response = client.get(HELP)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_help_center_lists_published_entries_and_the_contact_details(
    client, alice, entries
):
    client.force_login(alice)
    response = client.get(HELP)
    assert response.status_code == 200
    content = response.content.decode()
    assert "How orders ship" in content
    assert "Can I return a product?" in content
    assert "Draft shipping" not in content
    assert "Hidden shipping" not in content
    assert 'href="tel:+16263388081"' in content
    assert "mailto:support@ganoexcel.us" in content
    assert "Mon–Fri 6:00–17:00 Pacific" in content
    assert "980 Corporate Center Drive, Pomona, CA 91768" in content


def test_search_matches_title_and_body_of_published_entries(client, alice, entries):
    client.force_login(alice)
    assert titles(client.get(HELP, {"q": "shipping"})) == []
    assert titles(client.get(HELP, {"q": "SHIP"})) == ["How orders ship"]
    assert titles(client.get(HELP, {"q": "45 days"})) == ["Can I return a product?"]
    assert titles(client.get(HELP, {"q": "nothing like this"})) == []


def test_spanish_readers_see_and_search_spanish_with_english_fallback(
    client, alice, entries
):
    alice.language = "es"
    alice.save(update_fields=["language"])
    client.force_login(alice)
    # "envían" exists only in the Spanish text; "Chino" in both; "45 days" only in
    # the English entry that has no Spanish translation (so it is what they see).
    assert titles(client.get(HELP, {"q": "envían"})) == ["Cómo se envían los pedidos"]
    assert titles(client.get(HELP, {"q": "PO boxes"})) == []
    assert titles(client.get(HELP, {"q": "45 days"})) == ["Can I return a product?"]
    content = client.get(HELP).content.decode()
    assert "Pedidos" in content
    assert "Can I return a product?" in content


def test_language_fallback_on_the_model(entries):
    both, english = entries["both"], entries["english"]
    assert both.title_in("es") == "Cómo se envían los pedidos"
    assert both.body_in("es") == "FedEx Ground desde Chino."
    assert both.title_in("en") == "How orders ship"
    assert english.title_in("es") == "Can I return a product?"
    assert english.body_in("es") == "Yes, within 45 days."


def test_an_article_page_shows_paragraphs_and_escapes_markup(client, alice, entries):
    article = entries["both"]
    article.body_en = "First <script>alert(1)</script> part.\n\nSecond part."
    article.save()
    client.force_login(alice)
    content = client.get("/support/articles/shipping/").content.decode()
    assert "<p>First &lt;script&gt;alert(1)&lt;/script&gt; part.</p>" in content
    assert "<p>Second part.</p>" in content
    assert "<script>alert(1)" not in content


def test_drafts_and_unknown_articles_are_404(client, alice, entries):
    client.force_login(alice)
    assert client.get("/support/articles/draft/").status_code == 404
    assert client.get("/support/articles/in-hidden/").status_code == 404
    assert client.get("/support/articles/nope/").status_code == 404


def test_an_over_long_search_is_refused_without_results(client, alice, entries):
    client.force_login(alice)
    response = client.get(HELP, {"q": "ship" * 30})
    assert response.status_code == 200
    assert response.context["results"] is None
    assert "at most 100 characters" in response.content.decode()
