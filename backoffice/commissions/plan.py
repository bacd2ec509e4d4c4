"""The compensation plan as data: load, validate and pick the version for a cycle.

No Django here: the engine and its benchmark use it alone. Every amount is
kept in integer cents (volumes in hundredths of PV/CV) and every rate in basis
points, so the engine's arithmetic is exact; a value the plan file gives with
more precision than that is refused, naming its key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_PLAN = Path(__file__).resolve().parents[2] / "plans" / "gano-us.toml"


class PlanError(ValueError):
    """A plan file that cannot be used; the message names the offending key."""


@dataclass(frozen=True)
class Rank:
    name: str
    min_matched: int  # hundredths of CV
    rate_bp: int  # basis points


@dataclass(frozen=True)
class Package:
    level: int  # 1 for the first pack listed
    code: str
    rate_bp: int
    rate_months: int
    gen5: tuple[int, ...]  # cents, generation 1 first
    recognition: str


@dataclass(frozen=True)
class PlanVersion:
    version: str
    effective_cycle: int
    time_zone: str
    anchor_cycle: int
    anchor_start: date
    pay_delay_days: int
    min_pv30: int
    activity_days: int
    rebate_threshold: int
    rebate_share_bp: int
    match_unit: int
    min_match: int
    weekly_cap: int
    unqualified_rank: str
    ranks: tuple[Rank, ...]
    packages: tuple[Package, ...]
    gen5_double_month_pv: int
    gen5_double_multiplier: int
    mvp_amount: int
    mvp_window_days: int
    mvp_min_pv: int
    minimum_payout: int
    nec_thresholds: dict[int, int]

    # The calendar (compensation plan §1).
    def cycle_start(self, n: int) -> date:
        return self.anchor_start + timedelta(days=7 * (n - self.anchor_cycle))

    def cycle_end(self, n: int) -> date:
        return self.cycle_start(n) + timedelta(days=6)

    def cycle_of(self, day: date) -> int:
        return self.anchor_cycle + (day - self.anchor_start).days // 7

    def pay_date(self, n: int) -> date:
        return self.cycle_end(n) + timedelta(days=self.pay_delay_days)

    @property
    def rank_names(self) -> tuple[str, ...]:
        """Rank codes as the engine numbers them: 0 is the unqualified rank."""
        return (self.unqualified_rank, *(rank.name for rank in self.ranks))

    @property
    def generations(self) -> int:
        return len(self.packages[0].gen5) if self.packages else 0

    def package_code(self, level: int) -> str:
        return self.packages[level - 1].code if level else ""

    def nec_threshold(self, year: int) -> int | None:
        earlier = [y for y in self.nec_thresholds if y <= year]
        return self.nec_thresholds[max(earlier)] if earlier else None


@dataclass(frozen=True)
class Plan:
    name: str
    versions: tuple[PlanVersion, ...]  # by effective cycle

    def for_cycle(self, n: int) -> PlanVersion:
        chosen = None
        for version in self.versions:
            if version.effective_cycle <= n:
                chosen = version
        if chosen is None:
            raise PlanError(
                f"no plan version is effective in cycle {n} (the first starts in "
                f"cycle {self.versions[0].effective_cycle})"
            )
        return chosen


def load_plan(path: str | Path = DEFAULT_PLAN) -> Plan:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise PlanError(f"{path}: not valid TOML: {error}") from None
    return parse_plan(data)


def parse_plan(data: dict[str, Any]) -> Plan:
    reader = _Reader(data, "")
    versions = [
        _parse_version(_Reader(item, f"versions[{index}]"))
        for index, item in enumerate(reader.list("versions"))
    ]
    if not versions:
        raise PlanError("versions: a plan needs at least one version")
    cycles = [version.effective_cycle for version in versions]
    if cycles != sorted(set(cycles)):
        raise PlanError("versions: effective_cycle must increase from one to the next")
    return Plan(name=reader.text("name"), versions=tuple(versions))


def _parse_version(r: _Reader) -> PlanVersion:
    calendar = r.table("calendar")
    anchor_start = calendar.date("anchor_start")
    if anchor_start.weekday() != 0:
        raise PlanError(f"{calendar.key('anchor_start')}: must be a Monday")
    time_zone = calendar.text("time_zone")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise PlanError(
            f"{calendar.key('time_zone')}: unknown time zone {time_zone!r}"
        ) from None
    activity = r.table("activity")
    binary = r.table("binary")
    ranks = tuple(
        Rank(
            name=item.text("name"),
            min_matched=item.hundredths("min_matched_cv"),
            rate_bp=item.basis_points("rate_percent"),
        )
        for item in r.tables("ranks")
    )
    if not ranks:
        raise PlanError(f"{r.key('ranks')}: at least one rank is needed")
    if ranks[0].min_matched != 0:
        raise PlanError(
            f"{r.key('ranks')}[0].min_matched_cv: the first rank starts at 0"
        )
    for index in range(1, len(ranks)):
        if ranks[index].min_matched <= ranks[index - 1].min_matched:
            raise PlanError(
                f"{r.key('ranks')}[{index}].min_matched_cv: must be above the rank "
                "before it"
            )
    rank_names = {rank.name for rank in ranks}
    packages = []
    tables = r.tables("packages")
    for level, item in enumerate(tables, start=1):
        gen5 = tuple(
            _cents(value, f"{item.key('gen5')}[{g}]")
            for g, value in enumerate(item.list("gen5"))
        )
        recognition = item.optional_text("recognition")
        if recognition and recognition not in rank_names:
            raise PlanError(f"{item.key('recognition')}: unknown rank {recognition!r}")
        packages.append(
            Package(
                level=level,
                code=item.text("code"),
                rate_bp=item.basis_points("rate_percent"),
                rate_months=item.integer("rate_months", minimum=0),
                gen5=gen5,
                recognition=recognition,
            )
        )
    if not packages:
        raise PlanError(f"{r.key('packages')}: at least one package is needed")
    lengths = {len(package.gen5) for package in packages}
    if len(lengths) != 1 or 0 in lengths:
        raise PlanError(
            f"{r.key('packages')}: every package needs the same number of gen5 amounts"
        )
    for index in range(1, len(packages)):
        for g, (low, high) in enumerate(
            zip(packages[index - 1].gen5, packages[index].gen5, strict=True)
        ):
            if high < low:
                raise PlanError(
                    f"{tables[index].key('gen5')}[{g}]: must not be below the "
                    "package before it"
                )
    gen5 = r.table("gen5")
    mvp = r.table("mvp")
    payout = r.table("payout")
    tax = r.table("tax")
    thresholds = tax.table("nec_thresholds")
    nec: dict[int, int] = {}
    for year, value in thresholds.data.items():
        if not str(year).isdigit():
            raise PlanError(f"{thresholds.key(year)}: the key must be a year")
        nec[int(year)] = _cents(value, thresholds.key(year))
    match_unit = binary.hundredths("match_unit_cv")
    if match_unit <= 0:
        raise PlanError(f"{binary.key('match_unit_cv')}: must be above 0")
    for rank in ranks:
        _check_whole_cents(match_unit, rank.rate_bp, r.key("ranks"))
    for package in packages:
        _check_whole_cents(match_unit, package.rate_bp, r.key("packages"))
    return PlanVersion(
        version=r.text("version"),
        effective_cycle=r.integer("effective_cycle", minimum=0),
        time_zone=time_zone,
        anchor_cycle=calendar.integer("anchor_cycle", minimum=0),
        anchor_start=anchor_start,
        pay_delay_days=calendar.integer("pay_delay_days", minimum=0),
        min_pv30=activity.hundredths("min_pv30"),
        activity_days=activity.integer("window_days", minimum=1),
        rebate_threshold=binary.hundredths("rebate_threshold_cv"),
        rebate_share_bp=binary.basis_points("rebate_share", scale=10_000),
        match_unit=match_unit,
        min_match=binary.hundredths("min_match_cv"),
        weekly_cap=binary.cents("weekly_cap"),
        unqualified_rank=binary.text("unqualified_rank"),
        ranks=ranks,
        packages=tuple(packages),
        gen5_double_month_pv=gen5.hundredths("double_month_pv"),
        gen5_double_multiplier=gen5.integer("double_multiplier", minimum=1),
        mvp_amount=mvp.cents("amount"),
        mvp_window_days=mvp.integer("window_days", minimum=0),
        mvp_min_pv=mvp.hundredths("min_pv"),
        minimum_payout=payout.cents("minimum"),
        nec_thresholds=nec,
    )


def _check_whole_cents(match_unit: int, rate_bp: int, key: str) -> None:
    # Matched volume is a whole number of units; a unit times the rate must be
    # whole cents so that no binary commission ever needs rounding.
    if (match_unit * rate_bp) % 10_000:
        raise PlanError(f"{key}: a rate must give whole cents on one matching unit")


def _decimal(value: Any, key: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PlanError(f'{key}: must be a number written as a string, like "25.00"')
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise PlanError(f"{key}: {value!r} is not a number") from None
    if not number.is_finite() or number < 0:
        raise PlanError(f"{key}: must be a number of 0 or more")
    return number


def _scaled(value: Any, key: str, scale: int, what: str) -> int:
    number = _decimal(value, key) * scale
    if number != number.to_integral_value():
        raise PlanError(f"{key}: {value} has more precision than {what}")
    return int(number)


def _cents(value: Any, key: str) -> int:
    return _scaled(value, key, 100, "a cent")


class _Reader:
    def __init__(self, data: Any, prefix: str) -> None:
        if not isinstance(data, dict):
            raise PlanError(f"{prefix or 'plan'}: must be a table")
        self.data = data
        self.prefix = prefix

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else str(name)

    def _get(self, name: str) -> Any:
        if name not in self.data:
            raise PlanError(f"{self.key(name)}: missing")
        return self.data[name]

    def text(self, name: str) -> str:
        value = self._get(name)
        if not isinstance(value, str) or not value.strip():
            raise PlanError(f"{self.key(name)}: must be a non-empty string")
        return value

    def optional_text(self, name: str) -> str:
        return self.text(name) if name in self.data else ""

    def integer(self, name: str, *, minimum: int) -> int:
        value = self._get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise PlanError(
                f"{self.key(name)}: must be a whole number of {minimum} or more"
            )
        return value

    def date(self, name: str) -> date:
        value = self._get(name)
        if not isinstance(value, date):
            raise PlanError(f"{self.key(name)}: must be a date like 2020-08-31")
        return value

    def cents(self, name: str) -> int:
        return _cents(self._get(name), self.key(name))

    def hundredths(self, name: str) -> int:
        return _scaled(self._get(name), self.key(name), 100, "a hundredth")

    def basis_points(self, name: str, scale: int = 100) -> int:
        return _scaled(
            self._get(name), self.key(name), scale, "a hundredth of a percent"
        )

    def list(self, name: str) -> list[Any]:
        value = self._get(name)
        if not isinstance(value, list):
            raise PlanError(f"{self.key(name)}: must be a list")
        return value

    def table(self, name: str) -> _Reader:
        return _Reader(self._get(name), self.key(name))

    def tables(self, name: str) -> list[_Reader]:
        return [
            _Reader(item, f"{self.key(name)}[{index}]")
            for index, item in enumerate(self.list(name))
        ]
