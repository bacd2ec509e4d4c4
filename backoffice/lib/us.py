"""US states and ZIP codes: what checkout and profile forms accept."""

from __future__ import annotations

import re

STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas",
    "CA": "California", "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware",
    "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia", "HI": "Hawaii",
    "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi",
    "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island",
    "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas",
    "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
}  # fmt: skip

STATE_CHOICES = sorted(STATES.items(), key=lambda item: item[1])

# The first three digits of the ZIP codes each state uses (USPS prefixes).
_ZIP3: dict[str, list[tuple[int, int]]] = {
    "AL": [(350, 369)], "AK": [(995, 999)], "AZ": [(850, 865)],
    "AR": [(716, 729)], "CA": [(900, 961)], "CO": [(800, 816)],
    "CT": [(60, 69)], "DE": [(197, 199)], "DC": [(200, 200), (202, 205), (569, 569)],
    "FL": [(320, 349)], "GA": [(300, 319), (398, 399)], "HI": [(967, 968)],
    "ID": [(832, 838)], "IL": [(600, 629)], "IN": [(460, 479)], "IA": [(500, 528)],
    "KS": [(660, 679)], "KY": [(400, 427)], "LA": [(700, 714)],
    "ME": [(39, 49)], "MD": [(206, 219)], "MA": [(10, 27), (55, 55)],
    "MI": [(480, 499)], "MN": [(550, 567)], "MS": [(386, 397)],
    "MO": [(630, 658)], "MT": [(590, 599)], "NE": [(680, 693)],
    "NV": [(889, 898)], "NH": [(30, 38)], "NJ": [(70, 89)], "NM": [(870, 884)],
    "NY": [(5, 5), (100, 149), (63, 63)], "NC": [(270, 289)], "ND": [(580, 588)],
    "OH": [(430, 459)], "OK": [(730, 731), (734, 749)], "OR": [(970, 979)],
    "PA": [(150, 196)], "RI": [(28, 29)], "SC": [(290, 299)], "SD": [(570, 577)],
    "TN": [(370, 385)], "TX": [(733, 733), (750, 799), (885, 885)],
    "UT": [(840, 847)], "VT": [(50, 59)], "VA": [(201, 201), (220, 246)],
    "WA": [(980, 994)], "WV": [(247, 268)], "WI": [(530, 549)],
    "WY": [(820, 831)],
}  # fmt: skip

ZIP_RE = re.compile(r"^\d{5}(-\d{4})?$")


def is_state(code: str) -> bool:
    return code.upper() in STATES


def is_zip(value: str) -> bool:
    return bool(ZIP_RE.match(value.strip()))


def zip_matches_state(postal_code: str, state: str) -> bool:
    """Whether the ZIP code's prefix belongs to the state."""
    if not is_zip(postal_code):
        return False
    prefix = int(postal_code.strip()[:3])
    return any(low <= prefix <= high for low, high in _ZIP3.get(state.upper(), []))


def is_routing_number(value: str) -> bool:
    """Nine digits whose ABA checksum holds: 3·(d1+d4+d7) + 7·(d2+d5+d8) + …"""
    if len(value) != 9 or not value.isascii() or not value.isdigit():
        return False
    d = [int(c) for c in value]
    total = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])
    return total % 10 == 0
