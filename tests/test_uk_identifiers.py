"""Charity and company numbers as the UK registers write them (grants_app.uk_identifiers)."""

from __future__ import annotations

import pytest

from grants_app.uk_identifiers import normalise_charity_number, normalise_company_number


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1087654", "1087654"),
        ("202918", "202918"),  # an older, 6-digit England and Wales number
        ("1087654-1", "1087654-1"),  # a linked charity, as the Charity Commission shows it
        ("1087654 - 01", "1087654-1"),
        ("1087654/1", "1087654-1"),
        ("SC012345", "SC012345"),
        ("sc 012345", "SC012345"),
        ("SCO12345", "SC012345"),  # the letter O typed for the zero
        ("NIC100234", "NIC100234"),
        ("NI100234", "NIC100234"),
        ("nic 100234", "NIC100234"),
        ("", ""),
    ],
)
def test_charity_numbers_from_all_three_registers_are_accepted_and_stored_one_way(typed, stored):
    assert normalise_charity_number(typed) == stored


@pytest.mark.parametrize(
    "typed", ["12AB", "12345", "12345678", "SC12345", "NIC10023", "GB-CHC-1087654", "1087654-1234"]
)
def test_numbers_no_charity_register_uses_are_refused_with_examples(typed):
    with pytest.raises(ValueError, match="like 1087654, SC012345 or NIC100234"):
        normalise_charity_number(typed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("05123456", "05123456"),
        ("5123456", "05123456"),  # the leading zero left out
        ("123", "00000123"),
        ("SC123456", "SC123456"),
        ("sc123456", "SC123456"),
        ("NI012345", "NI012345"),
        ("OC301234", "OC301234"),
        ("SO301234", "SO301234"),
        ("NC001234", "NC001234"),
        ("CE012345", "CE012345"),  # charitable incorporated organisation
        ("CS12345", "CS012345"),  # Scottish CIO, zero left out
        ("IP12345R", None),
        ("R0000123", "R0000123"),
        ("", ""),
    ],
)
def test_company_numbers_are_stored_as_companies_house_shows_them(typed, stored):
    if stored is None:
        with pytest.raises(ValueError):
            normalise_company_number(typed)
    else:
        assert normalise_company_number(typed) == stored


@pytest.mark.parametrize("typed", ["123456789", "XX123456", "SC1234567", "00000000", "SC000000", "1087654-1"])
def test_company_numbers_companies_house_does_not_use_are_refused(typed):
    with pytest.raises(ValueError, match="(?i)company number"):
        normalise_company_number(typed)
