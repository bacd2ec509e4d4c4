import pytest

from backoffice.lib.us import STATES, is_zip, zip_matches_state


@pytest.mark.parametrize(
    ("zip_code", "state"),
    [
        ("91768", "CA"),
        ("10001", "NY"),
        ("99501", "AK"),
        ("96813", "HI"),
        ("73301", "TX"),
        ("73102", "OK"),
        ("02108", "MA"),
        ("20500", "DC"),
        ("91768-1234", "CA"),
    ],
)
def test_real_zip_codes_match_their_state(zip_code, state):
    assert zip_matches_state(zip_code, state)


@pytest.mark.parametrize(
    ("zip_code", "state"),
    [
        ("91768", "NY"),
        ("10001", "CA"),
        ("73301", "OK"),
        ("9176", "CA"),
        ("abcde", "CA"),
    ],
)
def test_mismatched_or_malformed_zip_codes_are_refused(zip_code, state):
    assert not zip_matches_state(zip_code, state)


def test_every_state_has_zip_prefixes():
    assert len(STATES) == 51
    assert all(
        any(zip_matches_state(f"{p:03d}01", code) for p in range(1000))
        for code in STATES
    )
    assert is_zip("12345")
    assert not is_zip("123456")
