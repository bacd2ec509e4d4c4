"""Where a distributor's orders go: their shipping address, else their mailing one."""

from __future__ import annotations

from dataclasses import dataclass

from backoffice.network.models import Distributor
from backoffice.profiles.models import Profile


@dataclass(frozen=True)
class Address:
    name: str
    line1: str
    line2: str
    city: str
    state: str
    postal_code: str
    phone: str


def mailing_address(distributor: Distributor) -> Address:
    return Address(
        name=distributor.user.get_full_name(),
        line1=distributor.address_line1,
        line2=distributor.address_line2,
        city=distributor.city,
        state=distributor.state.upper(),
        postal_code=distributor.postal_code,
        phone=distributor.phone,
    )


def shipping_address(distributor: Distributor) -> Address:
    """The shipping address the member set on their profile, else the mailing one."""
    profile = Profile.objects.for_distributor(distributor).first()
    if profile is None or not profile.has_shipping_address:
        return mailing_address(distributor)
    return Address(
        name=profile.ship_name or distributor.user.get_full_name(),
        line1=profile.ship_line1,
        line2=profile.ship_line2,
        city=profile.ship_city,
        state=profile.ship_state.upper(),
        postal_code=profile.ship_postal_code,
        phone=distributor.phone,
    )
