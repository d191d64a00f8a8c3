"""Text the grader writes, made safe whatever a submission put in it.

A learner controls much of what ends up in the reports: exception messages, printed output,
folder names. Every such text goes through here before it is written:
* `clean`: characters that cannot be encoded (a lone surrogate from `raise ValueError("\\udcff")`
  or from a folder name that is not UTF-8) are written as escapes instead of stopping the
  writer with UnicodeEncodeError;
* `cut`: long text keeps its beginning and says how much was cut;
* `printable_name`: a folder name fit for a terminal line and a results folder;
* `visible`: every character that is not plainly visible (controls, zero-width and bidi
  characters, whitespace other than a space...) written as an escape, so that text cannot
  pass for other text (`honest` + U+200B shown as `honest\\u200b`, not as `honest`);
* `csv_cell`: a cell a spreadsheet will not run as a formula (OWASP "CSV injection"), with
  nothing hidden in it;
* `xml_text`: text XML 1.0 can hold (JUnit files).
"""

from __future__ import annotations

import os
import re
import unicodedata

# Characters kept of one test's message or output (the event log and results.json).
FIELD_LIMIT = 16_384
# The longest name a learner's results folder gets (a file name may hold 255 bytes; escapes
# make a name longer, and a suffix may be added to tell two learners apart).
NAME_LIMIT = 100

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean(text: str) -> str:
    """`text` with every character UTF-8 cannot encode (lone surrogates) written as an escape."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def cut(text: str, limit: int = FIELD_LIMIT) -> str:
    """The first `limit` characters of `text`, marked when more followed."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…[{len(text) - limit} more characters cut]"


# What `cut` may add to a text (the grader allows a field this much beyond its limit).
CUT_MARK_ROOM = len("…[ more characters cut]") + 20


# Unicode categories of characters that show nothing (or show as something else): format
# characters (zero-width, bidi controls), controls, private use, unassigned, line and
# paragraph separators; and any whitespace but a plain space.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Co", "Cn", "Cs", "Zl", "Zp"})


def _escape(char: str) -> str:
    if char <= "\x9f":
        return repr(char)[1:-1]  # `\t`, `\x00`, `\x85`: as Python writes them
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _is_invisible(char: str) -> bool:
    if char == " ":
        return False
    return char.isspace() or unicodedata.category(char) in _INVISIBLE_CATEGORIES


def visible(text: str) -> str:
    """`text` with every character that is not plainly visible written as an escape."""
    if text.isprintable():  # the common case, fast (isprintable is False for them all)
        return text
    return "".join(_escape(c) if _is_invisible(c) else c for c in text)


def printable_name(name: str) -> str:
    """A folder name as it can be shown and used as a folder: bytes that were not UTF-8 and
    characters not plainly visible escaped (`b"caf\\xe9"` -> `caf\\xe9`, a zero-width space
    -> `\\u200b`), at most NAME_LIMIT long."""
    raw = os.fsencode(name)  # undoes the surrogateescape decoding of a non-UTF-8 name
    text = visible(raw.decode("utf-8", "backslashreplace"))
    text = text.replace("/", "_")  # a name is one folder, never a path
    if len(text) > NAME_LIMIT:
        text = text[:NAME_LIMIT] + "…"
    return text if text.strip(". ") else f"_{text}"


def csv_cell(value):
    """A CSV cell a spreadsheet shows as text: characters not plainly visible escaped (they
    could hide or reorder text), then one starting with = + - @ tab or CR is prefixed with
    `'` (numbers are left alone: they are the grader's own)."""
    if not isinstance(value, str):
        return value
    value = visible(clean(value))
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold (shown as escapes instead)."""
    return _NOT_XML.sub(lambda m: repr(m.group())[1:-1], clean(text))


def printable_path(path) -> str:
    """A path as it can be shown: bytes that were not UTF-8 and characters not plainly
    visible escaped."""
    return visible(os.fsencode(os.fspath(path)).decode("utf-8", "backslashreplace"))
