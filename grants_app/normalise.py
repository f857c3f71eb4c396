"""Text as people type and paste it, made plain in one place.

Word, Excel and PDFs put characters into copied text that look like nothing or like a space: no-break
spaces as thousands separators (`1 500`), narrow no-break and thin spaces, zero-width spaces, soft
hyphens, byte-order marks, and Word's vertical tab (U+000B) for a line break (Shift+Enter). People
cannot see them, so a form must never refuse a value because of them.

- `clean()` runs on every submitted form value (grants_app.form_input applies it to each request's
  form data, so every portal and admin form, and every route that reads request.form, sees clean text).
  It keeps the text's meaning: line breaks become "\n", every kind of space becomes " ", invisible
  format characters go, and the text is in Unicode NFC (one code point for "é", however it was typed).
  Text with nothing a reader can see loses every character that draws nothing (joiners, fillers, the
  braille blank), so a required answer made of them is missing, not stored.
- `compact()` is for numbers and identifiers (amounts, counts, percentages, scores, charity and company
  numbers, date parts): it also drops every space and maps look-alike digits and dashes to ASCII.
- `word_count()` counts words the same way everywhere (the browser's counter is only a help).

Unicode categories come from the standard library's `unicodedata` (the Unicode Character Database):
Zs is "space separator", Cf is "format" (invisible), Pd is "dash punctuation". The
Default_Ignorable_Code_Point property, which `unicodedata` lacks, comes from the `regex` package.
"""

from __future__ import annotations

import re
import unicodedata

import regex

from grants_app import params

# Characters that end a line, from Windows (CRLF), old Macs (CR), Word (VT: a manual line break in a
# table cell or from Shift+Enter), form feed, NEL, and Unicode's line and paragraph separators.
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# Joiners are invisible but change how letters join in Arabic, Persian and Indic scripts and in emoji
# sequences, so free text keeps them; compact() drops them (numbers and codes never need them).
_KEEP_IN_TEXT = frozenset({"\u200c", "\u200d"})
# A character a reader can see: not white space, not a control or format character, not one of
# Unicode's Default_Ignorable_Code_Points (joiners, the combining grapheme joiner, Hangul fillers,
# variation selectors: they draw nothing), and not the braille blank U+2800, a pattern of no dots.
_VISIBLE = regex.compile(r"[^\p{White_Space}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]")
_DRAWS_NOTHING = regex.compile(r"[\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]")
# Minus sign and hyphen look-alikes that are not in category Pd.
_DASHES = frozenset({"\u2212", "\ufe63", "\uff0d"})


def is_invisible(char: str) -> bool:
    """A format character (Unicode category Cf): zero-width spaces and joiners, soft hyphen, byte-order
    mark, word joiner, direction marks and embeddings."""
    return unicodedata.category(char) == "Cf"


def is_space(char: str) -> bool:
    """Any space separator (category Zs): no-break, narrow no-break, thin, figure, em, ideographic..."""
    return unicodedata.category(char) == "Zs"


def clean(text: str | None) -> str:
    """`text` with the same meaning and none of the invisible differences: "\n" for every line break,
    " " for every space separator, no format characters (except joiners), Unicode NFC. Does not strip
    leading or trailing spaces: fields do that, and a password field must not."""
    if not text:
        return ""
    text = _LINE_BREAKS.sub("\n", unicodedata.normalize("NFC", text))
    if text.isascii():
        return text
    text = "".join(" " if is_space(c) else c for c in text if c in _KEEP_IN_TEXT or not is_invisible(c))
    if _VISIBLE.search(text) is None:
        # Nothing a reader can see: a joiner (kept above for the scripts that need one), a filler or
        # the braille blank alone passed every "is it blank?" check and was stored as an answer.
        text = _DRAWS_NOTHING.sub("", text)
    return text


def compact(text: str | None) -> str:
    """A number or identifier as typed, with nothing a person cannot see and no spaces at all:
    '１ 500' (fullwidth one, no-break space) -> '1500'; '1087654‑1' (non-breaking hyphen) -> '1087654-1'.

    Fullwidth letters and digits (what a Japanese or Chinese keyboard types) become ASCII; dashes
    (category Pd and the minus signs) become '-'. Other look-alikes (superscript ², Arabic-Indic
    digits) are left for the caller's format check to refuse: they are not what a UK form asks for."""
    out = []
    for c in clean(text):
        if c.isspace() or is_space(c) or is_invisible(c):
            continue
        if c in _DASHES or unicodedata.category(c) == "Pd":
            c = "-"
        elif "\uff01" <= c <= "\uff5e":  # the Fullwidth Forms block: NFKC gives the ASCII character
            c = unicodedata.normalize("NFKC", c)
        out.append(c)
    return "".join(out)


def word_count(text: str | None) -> int:
    """Words separated by any whitespace, after clean(): 'one\u00a0two' is two words, a zero-width
    space or soft hyphen inside a word does not split it, and a joiner on its own is not a word."""
    return sum(1 for word in clean(text).split() if not all(is_invisible(c) for c in word))


def parse_id(value: object) -> int | None:
    """A row id or small whole number from a form or URL ('12', ' 12', '１２'), or None for anything
    else (including values too long to be an id)."""
    return params.parse_id(compact(str(value if value is not None else "")))
