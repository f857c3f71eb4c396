"""Text as people paste it from Word, Excel and PDFs: invisible characters never change what a value
means, in numbers, amounts, identifiers, dates and word counts (grants_app.normalise)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants_app.dates import parse_date_parts
from grants_app.money import parse_pounds
from grants_app.normalise import clean, compact, parse_id, word_count
from grants_app.uk_identifiers import normalise_charity_number, normalise_company_number

# What Word, Excel, PDFs and web pages put into copied text without anyone seeing it.
INVISIBLE = [
    "\u00a0",  # no-break space (Excel's thousands separator in some locales)
    "\u202f",  # narrow no-break space
    "\u2009",  # thin space
    "\u2007",  # figure space
    "\u200b",  # zero-width space
    "\u00ad",  # soft hyphen
    "\ufeff",  # byte-order mark / zero-width no-break space
    "\u2060",  # word joiner
    "\u200e",  # left-to-right mark
    "\u200d",  # zero-width joiner
]
ZERO_WIDTH = [c for c in INVISIBLE if c not in "\u00a0\u202f\u2009\u2007"]


def sprinkled(value: str, chars: list[str] = INVISIBLE):
    """`value` with invisible characters inserted at random places (including both ends)."""
    insertions = st.lists(
        st.tuples(st.integers(0, len(value)), st.sampled_from(chars)), min_size=1, max_size=6
    )

    def insert(pairs):
        chars = list(value)
        for position, char in sorted(pairs, reverse=True):
            chars.insert(position, char)
        return "".join(chars)

    return insertions.map(insert)


def test_word_line_break_becomes_a_new_line_and_spaces_become_spaces():
    assert clean("First line\x0bsecond line") == "First line\nsecond line"
    assert clean("a\r\nb\rc\u2028d") == "a\nb\nc\nd"
    assert clean("£1\u00a0500 and\u202fmore") == "£1 500 and more"
    assert clean("soft\u00adhyphen\u200b and \ufeffBOM") == "softhyphen and BOM"


def test_joiners_stay_in_text_because_scripts_and_emoji_need_them():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert clean(family) == family
    assert clean("e\u0301") == "\u00e9"  # one code point for é, however it was typed


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [
        ("\u200c", ""),  # zero-width non-joiner alone
        ("\u200d\u200d", ""),  # joiners alone
        ("\u034f\u2800\u115f", ""),  # combining grapheme joiner, braille blank, Hangul filler
        ("\u3164\ufe0f", ""),  # Hangul filler, variation selector
        (" \u200d ", "  "),  # the spaces stay for the field to strip
    ],
)
def test_text_that_draws_nothing_is_no_text(typed, cleaned):
    """QA raised a recovery whose reason was a lone zero-width non-joiner: the reason column was empty
    and the group was emailed it. Characters that draw nothing go when nothing else is there."""
    assert clean(typed) == cleaned


def test_characters_that_draw_nothing_stay_beside_visible_text():
    assert clean("\u2800 Braille page") == "\u2800 Braille page"
    assert clean("\u0645\u200c\u06cc") == "\u0645\u200c\u06cc"  # Persian: the non-joiner matters


def test_compact_drops_every_space_and_maps_look_alike_digits_and_dashes():
    assert compact(" １\u00a0500 ") == "1500"
    assert compact("1087654\u20111") == "1087654-1"  # non-breaking hyphen
    assert compact("1087654 \u2013 1") == "1087654-1"  # en dash
    assert parse_id("\u200b12") == 12 and parse_id("１２") == 12
    assert parse_id("²") is None and parse_id("٣٤") is None and parse_id("1" * 12) is None


def test_word_counts_see_no_break_spaces_as_spaces_and_ignore_invisible_characters():
    assert word_count("one\u00a0two\u202fthree") == 3
    assert word_count("in\u00adcredible \u200b") == 1
    assert word_count("one \u200d two") == 2  # a joiner on its own is not a word
    assert word_count(None) == 0


@given(
    pounds=st.integers(1, 9_999_999),
    pence=st.integers(0, 99),
    data=st.data(),
)
def test_amounts_mean_the_same_with_invisible_characters(pounds, pence, data):
    typed = f"{pounds:,}.{pence:02d}"
    assert parse_pounds(data.draw(sprinkled(typed))) == pounds * 100 + pence
    assert parse_pounds(data.draw(sprinkled(f"£{pounds}"))) == pounds * 100


@given(
    number=st.sampled_from(
        ["1087654", "1087654-1", "202918", "SC012345", "NIC100234", "sc012345", "NI100234"]
    ),
    data=st.data(),
)
def test_charity_numbers_mean_the_same_with_invisible_characters(number, data):
    assert normalise_charity_number(data.draw(sprinkled(number))) == normalise_charity_number(number)


@given(
    number=st.sampled_from(
        ["05123456", "5123456", "SC123456", "NI012345", "OC301234", "CE012345", "CS000123"]
    ),
    data=st.data(),
)
def test_company_numbers_mean_the_same_with_invisible_characters(number, data):
    assert normalise_company_number(data.draw(sprinkled(number))) == normalise_company_number(number)


@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), data=st.data())
def test_dates_mean_the_same_with_invisible_characters(day, data):
    month = data.draw(st.sampled_from([str(day.month), f"{day:%b}", f"{day:%B}"]))
    parts = [data.draw(sprinkled(p)) for p in (str(day.day), month, str(day.year))]
    assert parse_date_parts(*parts, label="Start date") == day


@given(words=st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=8), max_size=30), data=st.data())
def test_word_counts_do_not_change_with_invisible_characters(words, data):
    assert word_count(data.draw(sprinkled(" ".join(words), ZERO_WIDTH))) == len(words)
    # Spaces of any kind separate words; zero-width characters never split one.
    spaced = data.draw(st.sampled_from([" ", "\u00a0", "\u202f", "\u2009"])).join(words)
    assert word_count(spaced) == len(words)


@pytest.mark.parametrize("value", ["", None])
def test_empty_values_stay_empty(value):
    assert clean(value) == "" and compact(value) == ""


def test_every_form_post_and_query_string_is_cleaned_once_for_every_form(app):
    from flask import request

    body = {
        "amount": "1\u00a0500",
        "note": "line\x0bbreak",
        "password": "pass\u00a0word",
        "csrf_token": "a\u200bb",
    }
    with app.test_request_context("/?search=Bed\u200bwell&page=\ufeff2", method="POST", data=body):
        assert request.form["amount"] == "1 500" and request.form["note"] == "line\nbreak"
        assert request.args["search"] == "Bedwell" and request.args["page"] == "2"
        # A password is as typed: changing it would lock out someone whose password was set elsewhere.
        assert request.form["password"] == "pass\u00a0word" and request.form["csrf_token"] == "a\u200bb"


@pytest.mark.parametrize("typed", ["-5", "-£5.00", "£-5", "\u22125", "\u2012 5"])
def test_a_minus_amount_is_told_amounts_are_more_than_nothing(typed):
    """QA: "-5" was "more than £0" on one money form and "numbers only" on another."""
    with pytest.raises(ValueError, match="Enter an amount more than £0"):
        parse_pounds(typed)
