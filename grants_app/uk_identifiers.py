"""UK charity and company numbers, accepted as the registers write them and stored one way.

There is no standard library for these formats, so the rules are written here with their sources.
Each function takes what a person typed (spaces, lower case, invisible characters from a copied web
page are all fine) and returns the normalised number, or raises ValueError with a GOV.UK-style message.
The stored forms are the ones the registers publish, which is also what 360Giving identifiers are built
from (GB-CHC-1087654, GB-SC-SC012345, GB-NIC-100234, GB-COH-05123456).
"""

from __future__ import annotations

import re

from grants_app.normalise import compact

CHARITY_NUMBER_EXAMPLES = "like 1087654, SC012345 or NIC100234"
COMPANY_NUMBER_EXAMPLES = "like 05123456 or SC123456"

# Charity Commission for England and Wales, Register of Charities
# (https://register-of-charities.charitycommission.gov.uk): a registered charity number has 6 digits
# (older charities, such as 202918) or 7 (1000000 onwards). A charity linked to a main charity (a
# subsidiary or special trust) is shown with its own number after a hyphen: 1087654-1.
_ENGLAND_AND_WALES = re.compile(r"^(?P<main>\d{6,7})(?:[-/.](?P<linked>\d{1,3}))?$")
# Office of the Scottish Charity Regulator, Scottish Charity Register (https://www.oscr.org.uk): "SC"
# and 6 digits, such as SC012345. People often type the letter O for the zero that follows SC.
_SCOTLAND = re.compile(r"^SC(?P<digits>[0O]\d{5}|\d{6})$")
# Charity Commission for Northern Ireland, Register of Charities
# (https://www.charitycommissionni.org.uk): a 6-digit number from 100001, written with the prefix
# "NIC" (NIC100234); some write "NI" (NI100234). Stored as NIC and the 6 digits.
_NORTHERN_IRELAND = re.compile(r"^NIC?(?P<digits>\d{6})$")


def normalise_charity_number(raw: str | None) -> str:
    """A registered charity number from any of the three UK registers, normalised:
    '1087654', '1087654-1' (linked charity), 'SC012345', 'NIC100234'; '' for an empty box.

    Raises ValueError ("Charity number must be ...") for anything else."""
    value = compact(raw).upper()
    if not value:
        return ""
    if match := _ENGLAND_AND_WALES.match(value):
        linked = match.group("linked")
        return match.group("main") + (f"-{int(linked)}" if linked is not None else "")
    if match := _SCOTLAND.match(value):
        return "SC" + match.group("digits").replace("O", "0")
    if match := _NORTHERN_IRELAND.match(value):
        return "NIC" + match.group("digits")
    raise ValueError(
        f"Charity number must be the number on the register of charities, {CHARITY_NUMBER_EXAMPLES}"
    )


# Companies House, "Uniform Resource Identifiers customer guide" and company number prefixes: a
# company number is 8 characters, either 8 digits (England and Wales) or 2 letters and 6 digits, where
# the letters say where and what it is registered as. Companies House shows England and Wales numbers
# with their leading zeros (05123456); people often leave them out, so a shorter number is padded.
COMPANY_PREFIXES = {
    "SC": "Scottish company",
    "NI": "Northern Ireland company",
    "R0": "Northern Ireland company registered before partition",
    "OC": "limited liability partnership (England and Wales)",
    "SO": "limited liability partnership (Scotland)",
    "NC": "limited liability partnership (Northern Ireland)",
    "CE": "charitable incorporated organisation (England and Wales)",
    "CS": "Scottish charitable incorporated organisation",
    "IP": "industrial and provident society",
    "SP": "industrial and provident society (Scotland)",
    "NP": "industrial and provident society or credit union (Northern Ireland)",
    "RS": "registered society",
    "RC": "royal charter body",
    "SR": "royal charter body (Scotland)",
    "NR": "royal charter body (Northern Ireland)",
    "LP": "limited partnership (England and Wales)",
    "SL": "limited partnership (Scotland)",
    "NL": "limited partnership (Northern Ireland)",
    "FC": "overseas company",
    "SF": "overseas company (Scotland)",
    "NF": "overseas company (Northern Ireland)",
}
_COMPANY_DIGITS = re.compile(r"^\d{1,8}$")
_COMPANY_PREFIXED = re.compile(r"^(?P<prefix>[A-Z][A-Z0])(?P<digits>\d{1,6})$")


def normalise_company_number(raw: str | None) -> str:
    """A Companies House number, normalised to its 8 characters: '5123456' -> '05123456',
    'sc 123456' -> 'SC123456', 'CE12345' -> 'CE012345'; '' for an empty box.

    Raises ValueError ("Company number must be ...") for anything else, or for a number of all zeros."""
    value = compact(raw).upper()
    if not value:
        return ""
    if _COMPANY_DIGITS.match(value):
        prefix, digits = "", value.zfill(8)
    elif (match := _COMPANY_PREFIXED.match(value)) and match.group("prefix") in COMPANY_PREFIXES:
        prefix, digits = match.group("prefix"), match.group("digits").zfill(6)
    else:
        raise ValueError(
            f"Company number must be 8 characters, {COMPANY_NUMBER_EXAMPLES}, as Companies House shows it"
        )
    if int(digits) == 0:  # 00000000 or SC000000 is nobody's number
        raise ValueError(f"Enter your company number, {COMPANY_NUMBER_EXAMPLES}")
    return prefix + digits
