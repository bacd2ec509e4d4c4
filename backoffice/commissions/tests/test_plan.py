"""The plan file: its values, the version chosen for a cycle, bad files refused.

No database: the plan is plain data.
"""

from __future__ import annotations

import copy
import tomllib
from datetime import date

import pytest

from backoffice.commissions.plan import (
    DEFAULT_PLAN,
    Package,
    PlanError,
    Rank,
    load_plan,
    parse_plan,
)


def plan_data() -> dict:
    with open(DEFAULT_PLAN, "rb") as handle:
        return tomllib.load(handle)


def refusal(data: dict) -> str:
    with pytest.raises(PlanError) as caught:
        parse_plan(data)
    return str(caught.value)


def test_the_default_plan_holds_the_documented_values():
    plan = load_plan()
    assert plan.name == "Gano Excel USA Wealth Plan"
    assert len(plan.versions) == 1
    version = plan.versions[0]
    assert version.version == "2026.1"
    assert version.effective_cycle == 613
    assert version.time_zone == "America/Los_Angeles"
    assert version.anchor_cycle == 613
    assert version.anchor_start == date(2020, 8, 31)
    assert version.pay_delay_days == 12
    assert version.min_pv30 == 5000
    assert version.activity_days == 30
    assert version.rebate_threshold == 10000
    assert version.rebate_share_bp == 5000
    assert version.match_unit == 10000
    assert version.min_match == 10000
    assert version.weekly_cap == 1_000_000
    assert version.unqualified_rank == "Affiliate"
    assert version.ranks == (
        Rank("Apprentice", 0, 1000),
        Rank("Elite", 50000, 1000),
        Rank("Bronze", 150000, 1100),
        Rank("Silver", 250000, 1200),
        Rank("Gold", 400000, 1300),
        Rank("Platinum", 800000, 1400),
        Rank("Diamond", 1200000, 1500),
    )
    assert version.packages == (
        Package(1, "ESP-1", 1500, 2, (2500, 500, 500, 500, 500), ""),
        Package(2, "ESP-2", 1600, 4, (7500, 1000, 1000, 1000, 1000), ""),
        Package(3, "ESP-3", 1700, 6, (15000, 2000, 2000, 2000, 2000), "Silver"),
    )
    assert version.gen5_double_month_pv == 10000
    assert version.gen5_double_multiplier == 2
    assert version.mvp_amount == 2500
    assert version.mvp_window_days == 90
    assert version.mvp_min_pv == 10000
    assert version.minimum_payout == 2500
    assert version.nec_thresholds == {2025: 60000, 2026: 200000}


def test_the_default_plan_derives_names_calendar_and_thresholds():
    version = load_plan().versions[0]
    assert version.rank_names == (
        "Affiliate",
        "Apprentice",
        "Elite",
        "Bronze",
        "Silver",
        "Gold",
        "Platinum",
        "Diamond",
    )
    assert version.generations == 5
    assert version.package_code(0) == ""
    assert version.package_code(3) == "ESP-3"
    assert version.cycle_start(613) == date(2020, 8, 31)
    assert version.cycle_end(613) == date(2020, 9, 6)
    assert version.cycle_start(909) == date(2026, 5, 4)
    assert version.cycle_end(909) == date(2026, 5, 10)
    assert version.pay_date(909) == date(2026, 5, 22)
    assert version.cycle_of(date(2026, 5, 4)) == 909
    assert version.cycle_of(date(2026, 5, 10)) == 909
    assert version.cycle_of(date(2026, 5, 11)) == 910
    assert version.cycle_of(date(2020, 8, 30)) == 612
    assert version.nec_threshold(2024) is None
    assert version.nec_threshold(2025) == 60000
    assert version.nec_threshold(2026) == 200000
    assert version.nec_threshold(2031) == 200000


def test_a_cycle_is_computed_by_the_latest_version_effective_by_then():
    data = plan_data()
    later = copy.deepcopy(data["versions"][0])
    later["version"] = "2027.1"
    later["effective_cycle"] = 950
    later["payout"]["minimum"] = "50.00"
    data["versions"].append(later)
    plan = parse_plan(data)
    assert plan.for_cycle(613).version == "2026.1"
    assert plan.for_cycle(949).version == "2026.1"
    assert plan.for_cycle(949).minimum_payout == 2500
    assert plan.for_cycle(950).version == "2027.1"
    assert plan.for_cycle(950).minimum_payout == 5000
    assert plan.for_cycle(2000).version == "2027.1"


def test_a_cycle_before_the_first_version_is_refused():
    with pytest.raises(PlanError, match="no plan version is effective in cycle 612"):
        load_plan().for_cycle(612)


def test_versions_out_of_order_are_refused():
    data = plan_data()
    earlier = copy.deepcopy(data["versions"][0])
    earlier["effective_cycle"] = 600
    data["versions"].append(earlier)
    assert refusal(data) == (
        "versions: effective_cycle must increase from one to the next"
    )


def test_a_plan_without_versions_is_refused():
    data = plan_data()
    data["versions"] = []
    assert refusal(data) == "versions: a plan needs at least one version"


def test_a_missing_key_is_named():
    data = plan_data()
    del data["versions"][0]["binary"]["weekly_cap"]
    assert refusal(data) == "versions[0].binary.weekly_cap: missing"


def test_a_missing_table_is_named():
    data = plan_data()
    del data["versions"][0]["mvp"]
    assert refusal(data) == "versions[0].mvp: missing"


def test_a_missing_plan_name_is_named():
    data = plan_data()
    del data["name"]
    assert refusal(data) == "name: missing"


def test_a_value_that_is_not_a_number_is_named():
    data = plan_data()
    data["versions"][0]["payout"]["minimum"] = "twenty-five"
    assert refusal(data) == (
        "versions[0].payout.minimum: 'twenty-five' is not a number"
    )


def test_a_float_amount_is_refused_for_a_string():
    data = plan_data()
    data["versions"][0]["payout"]["minimum"] = 25.0
    assert refusal(data) == (
        'versions[0].payout.minimum: must be a number written as a string, like "25.00"'
    )


def test_a_negative_amount_is_refused():
    data = plan_data()
    data["versions"][0]["mvp"]["amount"] = "-25.00"
    assert refusal(data) == "versions[0].mvp.amount: must be a number of 0 or more"


def test_a_non_integer_count_is_named():
    data = plan_data()
    data["versions"][0]["calendar"]["pay_delay_days"] = "12"
    assert refusal(data) == (
        "versions[0].calendar.pay_delay_days: must be a whole number of 0 or more"
    )


def test_an_amount_finer_than_a_cent_is_named():
    data = plan_data()
    data["versions"][0]["binary"]["weekly_cap"] = "10000.001"
    assert refusal(data) == (
        "versions[0].binary.weekly_cap: 10000.001 has more precision than a cent"
    )


def test_a_volume_finer_than_a_hundredth_is_named():
    data = plan_data()
    data["versions"][0]["activity"]["min_pv30"] = "49.995"
    assert refusal(data) == (
        "versions[0].activity.min_pv30: 49.995 has more precision than a hundredth"
    )


def test_a_rate_finer_than_a_basis_point_is_named():
    data = plan_data()
    data["versions"][0]["ranks"][2]["rate_percent"] = "11.005"
    assert refusal(data) == (
        "versions[0].ranks[2].rate_percent: 11.005 has more precision than a "
        "hundredth of a percent"
    )


def test_a_gen5_amount_finer_than_a_cent_is_named():
    data = plan_data()
    data["versions"][0]["packages"][1]["gen5"][3] = "10.005"
    assert refusal(data) == (
        "versions[0].packages[1].gen5[3]: 10.005 has more precision than a cent"
    )


def test_a_rate_that_gives_part_of_a_cent_per_unit_is_refused():
    data = plan_data()
    data["versions"][0]["binary"]["match_unit_cv"] = "0.01"
    assert refusal(data) == (
        "versions[0].ranks: a rate must give whole cents on one matching unit"
    )


def test_ranks_out_of_order_are_named():
    data = plan_data()
    data["versions"][0]["ranks"][3]["min_matched_cv"] = "1500"
    assert refusal(data) == (
        "versions[0].ranks[3].min_matched_cv: must be above the rank before it"
    )


def test_a_first_rank_above_zero_is_refused():
    data = plan_data()
    data["versions"][0]["ranks"][0]["min_matched_cv"] = "100"
    assert refusal(data) == (
        "versions[0].ranks[0].min_matched_cv: the first rank starts at 0"
    )


def test_an_unknown_recognition_rank_is_named():
    data = plan_data()
    data["versions"][0]["packages"][2]["recognition"] = "Emperor"
    assert refusal(data) == (
        "versions[0].packages[2].recognition: unknown rank 'Emperor'"
    )


def test_a_bad_time_zone_is_named():
    data = plan_data()
    data["versions"][0]["calendar"]["time_zone"] = "Pacific/Atlantis"
    assert refusal(data) == (
        "versions[0].calendar.time_zone: unknown time zone 'Pacific/Atlantis'"
    )


def test_an_anchor_that_is_not_a_monday_is_named():
    data = plan_data()
    data["versions"][0]["calendar"]["anchor_start"] = date(2020, 9, 1)
    assert refusal(data) == "versions[0].calendar.anchor_start: must be a Monday"


def test_an_anchor_that_is_not_a_date_is_named():
    data = plan_data()
    data["versions"][0]["calendar"]["anchor_start"] = "2020-08-31"
    assert refusal(data) == (
        "versions[0].calendar.anchor_start: must be a date like 2020-08-31"
    )


def test_gen5_lists_of_different_lengths_are_refused():
    data = plan_data()
    data["versions"][0]["packages"][1]["gen5"].append("10.00")
    assert refusal(data) == (
        "versions[0].packages: every package needs the same number of gen5 amounts"
    )


def test_a_gen5_amount_below_the_lower_package_is_named():
    data = plan_data()
    data["versions"][0]["packages"][1]["gen5"][0] = "20.00"
    assert refusal(data) == (
        "versions[0].packages[1].gen5[0]: must not be below the package before it"
    )


def test_a_tax_threshold_key_that_is_not_a_year_is_named():
    data = plan_data()
    data["versions"][0]["tax"]["nec_thresholds"]["soon"] = "600.00"
    assert refusal(data) == (
        "versions[0].tax.nec_thresholds.soon: the key must be a year"
    )


def test_a_file_that_is_not_toml_is_refused_naming_it(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('name = "unfinished\n')
    with pytest.raises(PlanError, match=r"broken\.toml: not valid TOML"):
        load_plan(path)


def test_the_default_file_parses_to_the_same_plan_as_its_data():
    assert parse_plan(plan_data()) == load_plan()
