"""Payout details in the admin: view only, masked, no search on the numbers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission

from backoffice.accounts.tests.factories import StaffFactory, add_totp_device
from backoffice.network.tests.conftest import root, team  # noqa: F401
from backoffice.profiles.models import BankAccount, TaxProfile

ACCOUNT = "4433221100556789"
TIN = "531447890"
BANKS = "/admin/profiles/bankaccount/"
TAXES = "/admin/profiles/taxprofile/"


@pytest.fixture
def members(team):  # noqa: F811
    """root -> alice (L), charlie (R); alice -> bob (L)."""
    return team


@pytest.fixture
def stored(members):
    account = BankAccount(
        distributor=members["alice"],
        holder_name="<script>alert('bank')</script>",
        routing_number="011000015",
        account_type="checking",
        payout_method="bank",
    )
    account.set_account_number(ACCOUNT)
    account.save()
    profile = TaxProfile(
        distributor=members["alice"],
        legal_name="<script>alert('tax')</script>",
        classification="individual",
        tin_kind="ssn",
        address_line1="1 Orange Grove Ave",
        city="Pasadena",
        state="CA",
        postal_code="91105",
        signature_name="Alice Archer",
        signed_at=datetime(2026, 6, 1, 17, 0, tzinfo=UTC),
    )
    profile.set_tin(TIN)
    profile.save()
    return account, profile


def staff_client(client, *, superuser: bool = False, permissions=()):
    user = StaffFactory(is_superuser=superuser)
    add_totp_device(user)
    for codename in permissions:
        user.user_permissions.add(
            Permission.objects.get(
                content_type__app_label="profiles", codename=codename
            )
        )
    client.force_login(user)
    return user


def get(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def assert_no_secret(html: str, account: BankAccount, profile: TaxProfile) -> None:
    for secret in (
        ACCOUNT,
        ACCOUNT[:-4],
        TIN,
        account.account_number_encrypted,
        profile.tin_encrypted,
    ):
        assert secret not in html


def test_the_list_shows_the_distributor_and_the_masked_account(client, stored):
    account, profile = stored
    staff_client(client, superuser=True)
    html = get(client, BANKS)
    assert '<td class="field-account_mask">•••• 6789</td>' in html
    assert "100001" in html
    assert_no_secret(html, account, profile)


def test_the_detail_page_is_masked_and_view_only(client, stored):
    account, profile = stored
    staff_client(client, superuser=True)
    html = get(client, f"{BANKS}{account.pk}/change/")
    assert "•••• 6789" in html
    assert "011000015" in html
    assert 'name="holder_name"' not in html
    assert "account_number_encrypted" not in html
    assert_no_secret(html, account, profile)


def test_tax_profiles_are_masked_too(client, stored):
    account, profile = stored
    staff_client(client, superuser=True)
    listing = get(client, TAXES)
    assert '<td class="field-tin_mask">•••• 7890</td>' in listing
    detail = get(client, f"{TAXES}{profile.pk}/change/")
    assert "•••• 7890" in detail
    assert "tin_encrypted" not in detail
    for html in (listing, detail):
        assert_no_secret(html, account, profile)


def test_script_in_names_is_escaped_in_the_admin(client, stored):
    account, profile = stored
    staff_client(client, superuser=True)
    pages = [
        get(client, BANKS),
        get(client, f"{BANKS}{account.pk}/change/"),
        get(client, TAXES),
        get(client, f"{TAXES}{profile.pk}/change/"),
    ]
    for html in pages:
        assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(&#x27;bank&#x27;)&lt;/script&gt;" in pages[0]
    assert "&lt;script&gt;alert(&#x27;tax&#x27;)&lt;/script&gt;" in pages[3]


def test_searching_finds_by_distributor_id_only(client, stored):
    account, profile = stored
    staff_client(client, superuser=True)
    by_id = get(client, f"{BANKS}?q=100001")
    assert "•••• 6789" in by_id
    for term in (ACCOUNT, ACCOUNT[-4:], "011000015"):
        found = get(client, f"{BANKS}?q={term}")
        assert "•••• 6789" not in found, term
        assert "0 bank accounts" in found
    assert "•••• 7890" not in get(client, f"{TAXES}?q={TIN}")


def test_nobody_adds_changes_or_deletes_here(client, stored):
    account, profile = stored
    staff_client(client, superuser=True)
    assert client.get(f"{BANKS}add/").status_code == 403
    response = client.post(f"{BANKS}{account.pk}/change/", {"holder_name": "Mallory"})
    assert response.status_code == 403
    assert (
        client.post(f"{BANKS}{account.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert (
        client.post(f"{TAXES}{profile.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    account.refresh_from_db()
    assert account.holder_name == "<script>alert('bank')</script>"
    assert BankAccount.objects.count() == 1
    assert TaxProfile.objects.count() == 1


def test_the_view_permission_is_needed(client, stored):
    staff_client(client)
    assert client.get(BANKS).status_code == 403
    assert client.get(TAXES).status_code == 403
    client.logout()
    staff_client(client, permissions=["view_bankaccount"])
    assert client.get(BANKS).status_code == 200
    assert client.get(TAXES).status_code == 403


def test_a_value_that_does_not_decrypt_is_reported_not_crashed(client, stored, members):
    account, profile = stored
    other = BankAccount(
        distributor=members["charlie"],
        holder_name="Charlie Cruz",
        routing_number="011000015",
        account_type="savings",
        payout_method="bank",
        # Alice's ciphertext: bound to her row, it does not decrypt for charlie's.
        account_number_encrypted=account.account_number_encrypted,
    )
    other.save()
    staff_client(client, superuser=True)
    html = get(client, BANKS)
    assert '<td class="field-account_mask">cannot be decrypted</td>' in html
    assert get(client, f"{BANKS}{other.pk}/change/").count("cannot be decrypted") == 1


def test_profiles_are_listed_read_only_with_escaped_names(client, members):
    from backoffice.profiles.models import Profile

    Profile.objects.create(
        distributor=members["alice"],
        ship_to_mailing=False,
        ship_name="<script>alert('ship')</script>",
        ship_line1="500 Main Street",
        ship_city="Austin",
        ship_state="TX",
        ship_postal_code="78701",
    )
    staff_client(client, superuser=True)
    assert "100001" in get(client, "/admin/profiles/profile/")
    profile = Profile.objects.get()
    html = get(client, f"/admin/profiles/profile/{profile.pk}/change/")
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(&#x27;ship&#x27;)&lt;/script&gt;" in html
    response = client.post(f"/admin/profiles/profile/{profile.pk}/delete/")
    assert response.status_code == 403
    assert Profile.objects.count() == 1
