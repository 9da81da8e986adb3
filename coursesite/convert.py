"""YAML nodes -> schema dataclasses: every per-field check, one reader per scalar type.

`convert(node, cls, path, out)` reads a parsed file (model.read_file parses it) as its schema
class. Which reader each value gets follows from its field's type in schema.py, and the
patterns the readers match are schema.py's too. Problems are collected in a `Problems`, never
raised one by one: the maintainer sees all of them at once.
"""
from __future__ import annotations

import datetime as dt
import re
import typing
import zoneinfo
from dataclasses import is_dataclass
from difflib import get_close_matches
from functools import cache, partial
from pathlib import Path
from typing import Literal, Union

from . import schema as S
from .dates import holiday_calendar
from .errors import Problem, did_you_mean
from .load import Node

MAX_TEXT = 100_000  # no field is a book; a huge value is a paste accident
# Dates beyond these overflow date arithmetic (9999-12-31 + 1 day); no course is held then.
MIN_YEAR, MAX_YEAR = 1900, 2999


class Problems:
    """Collects problems and warnings while validating."""

    def __init__(self, root: Path | None = None):
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.root = root  # the content folder: files read must be inside it
        self.translated = 0  # text values written per language ({en: .., de: ..}) so far

    def error(self, file: str, line: int, path: str, message: str) -> None:
        """Record an error at file:line, about the value at `path`."""
        self.errors.append(Problem(file, line, path, message))

    def warn(self, file: str, line: int, path: str, message: str) -> None:
        """Record a warning at file:line, about the value at `path`."""
        self.warnings.append(Problem(file, line, path, message))

    def at(self, where: S.Where, key: str, message: str, warning: bool = False) -> None:
        """Report a problem about `key` of the mapping at `where`."""
        add = self.warn if warning else self.error
        add(where.file, where.line_of(key), where.path_of(key), message)


class Invalid(Exception):
    """A value that could not be read; the problem is already recorded."""


class Expected(Exception):
    """Raised by a scalar reader when the text is not of its type; the exception's text says
    what would be ('a whole number'), and the converter adds the value and the place."""


def _shown(node: Node) -> str:
    """The value as a problem quotes it: short text in quotes, else what kind of value it is."""
    if isinstance(node.value, str):
        text = node.value if len(node.value) <= 40 else node.value[:37] + "..."
        return repr(text)
    return {"null": "nothing", "list": "a list", "mapping": "a mapping"}[node.kind]


def _fail(node: Node, path: str, out: Problems, expected: str, why: str = ""):
    """Record 'expected X, got Y' (and why, when given) for the node and raise Invalid."""
    out.error(node.file, node.line, path, f"expected {expected}, got {_shown(node)}{why}")
    raise Invalid


# --- values by type ------------------------------------------------------------------------

def convert(node: Node, tp, path: str, out: Problems):
    """Read `node` as type `tp` of the schema; record problems and raise Invalid on failure."""
    return converter(tp)(node, path, out)


@cache
def converter(tp):
    """The reader of values of schema type `tp`, a function (node, path, out) -> value that
    records problems and raises Invalid. Made once per type: what a type's values need is
    decided here, not again for each of the thousands of values a large site has."""
    origin = typing.get_origin(tp)
    if origin is Union:
        return _optional_converter(tp)
    if origin is list:
        return partial(_convert_list, converter(typing.get_args(tp)[0]))
    if tp is dict:
        return _convert_dict
    if is_dataclass(tp):
        return _dataclass_converter(tp)
    if tp in TRANSLATABLE:
        return _translatable_converter(tp)
    return _scalar_converter(tp)


def _translatable_converter(tp):
    """A text field: a plain string, or a mapping per language read by localize.py (a
    localize.Translated). Imported here: localize.py builds on this module's readers."""
    from .localize import read_translations
    scalar = _scalar_converter(tp)

    def convert_text(node: Node, path: str, out: Problems):
        if type(node.value) is dict:  # a mapping (a Node's values are of exact types)
            return read_translations(scalar, Invalid, node, path, out)
        return scalar(node, path, out)
    return convert_text


def _optional_converter(tp):
    """An Optional value (None when empty); a DateOrTbd may also be TBD, and is required
    (left empty, it is an error: an exam or deadline needs a date or TBD)."""
    args = typing.get_args(tp)
    nullable = type(None) in args
    rest = [a for a in args if a is not type(None)]
    if rest == [dt.date, S.Tbd]:
        day = converter(dt.date)
        inner = lambda node, path, out: S.TBD if node.value == "TBD" else day(node, path, out)  # noqa: E731
    else:
        inner = converter(rest[0])

    def convert_optional(node: Node, path: str, out: Problems):
        if node.value is None:
            if nullable:
                return None
            _fail(node, path, out, "a date like 2026-07-20, or TBD")
        return inner(node, path, out)
    return convert_optional


def _convert_list(item, node: Node, path: str, out: Problems) -> list:
    """A list read item by item with `item` (empty when nothing is written); every bad item
    is reported."""
    if node.value is None:
        return []
    if type(node.value) is not list:
        _fail(node, path, out, "a list (lines starting with '- ')")
    items, failed = [], False
    for i, value in enumerate(node.value):
        try:
            items.append(item(value, f"{path}[{i}]", out))
        except Invalid:
            failed = True
    if failed:
        raise Invalid
    return items


def _convert_dict(node: Node, path: str, out: Problems) -> dict:
    """A free-form mapping (`extra:`), as plain Python values."""
    if node.kind not in ("mapping", "null"):
        _fail(node, path, out, "a mapping of names to values")
    return plain(node)


def _expected_scalar(tp) -> str:
    """What a value of `tp` looks like, for one that is not even a scalar (a list, say)."""
    if typing.get_origin(tp) is Literal:
        return "one of " + ", ".join(typing.get_args(tp))
    return {
        int: "a whole number", dt.date: "a date like 2026-04-16", dt.time: "a time like 16:00",
        S.Weekday: "a weekday (mon, tue, wed, thu, fri, sat, sun)",
    }.get(tp, "text")


# Characters no text field may hold once YAML escapes are read ("\x01", "\0", "\uFFFE"):
# C0 and C1 controls but tab and line breaks, DEL, surrogates and the noncharacters. They
# would make the news feed malformed XML and the calendar unreadable.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
                      "\ufdd0-\ufdef\ufffe\uffff]")
# Line breaks: only markdown fields may span lines (a title or short name is one line in a
# calendar entry, a page title, a feed's summary).
_LINE_BREAK = re.compile("[\n\r\x85\u2028\u2029]")
# Either of the two: one search clears almost every single-line value at once.
_SUSPECT = re.compile(f"{_CONTROL.pattern}|{_LINE_BREAK.pattern}")
MARKDOWN_TYPES = (S.Markdown, S.MarkdownOrOff)
TRANSLATABLE = (S.Text, S.Name, *MARKDOWN_TYPES)  # may be written per language (localize.py)


def check_characters(node: Node, markdown: bool, path: str, out: Problems) -> None:
    """Refuse control characters in any value, and line breaks outside markdown fields."""
    text = node.value
    if not (_CONTROL if markdown else _SUSPECT).search(text):
        return
    found = _CONTROL.search(text)
    if found:
        out.error(node.file, node.line, path, f"control character U+{ord(found.group()):04X} "
                  "is not allowed; delete it (check escapes such as \\x01 in quoted text)")
        raise Invalid
    if not markdown and _LINE_BREAK.search(text.strip("\n")):
        out.error(node.file, node.line, path, "expected a single line of text, got a line "
                  "break; write it on one line (only description-like markdown fields span "
                  "lines)")
        raise Invalid


def _scalar_converter(tp):
    """The converter of a scalar type: every scalar, of any type, is first checked for size
    and characters, then read with its reader from READERS."""
    read, markdown, expected = reader_for(tp), tp in MARKDOWN_TYPES, _expected_scalar(tp)
    suspect = (_CONTROL if markdown else _SUSPECT).search  # what check_characters tests first

    def convert_scalar(node: Node, path: str, out: Problems):
        text = node.value
        if type(text) is not str:
            from .localize import untranslatable  # only on this failure: see convert_text
            _fail(node, path, out, expected, untranslatable(node))
        if len(text) > MAX_TEXT:
            _fail(node, path, out, f"at most {MAX_TEXT} characters")
        # Printable ASCII holds none of the characters refused (most values are; the test
        # is a quarter of the search's cost); check_characters then says which and why.
        if not (text.isascii() and text.isprintable()) and suspect(text):
            check_characters(node, markdown, path, out)
        try:  # a block scalar's final newline is not part of a title
            return read(text if markdown else text.strip("\n"))
        except Expected as exc:
            _fail(node, path, out, str(exc))
    return convert_scalar


def reader_for(tp):
    """The reader of scalar type `tp`: a function from text to value that raises Expected."""
    if typing.get_origin(tp) is Literal:
        return partial(read_choice, typing.get_args(tp))
    try:
        return READERS[tp]
    except KeyError:
        raise TypeError(f"schema type {tp!r} has no reader") from None  # our bug, not theirs


# --- the scalar readers: text -> value, or Expected ------------------------------------------

def read_choice(choices: tuple, text: str) -> str:
    """One of the choices of a Literal type, with a hint for a near miss."""
    if text not in choices:
        raise Expected("one of " + ", ".join(choices) + did_you_mean(text, choices))
    return text


def read_int(text: str) -> int:
    """A whole number of at most nine digits."""
    if not S.WHOLE_NUMBER.fullmatch(text):
        raise Expected("a whole number")
    return int(text)


def read_day(text: str) -> dt.date:
    """A date written YYYY-MM-DD, in the years a course can be held."""
    day = read_date(text)
    if day is None:
        raise Expected("a date like 2026-04-16")
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise Expected(f"a date in the years {MIN_YEAR} to {MAX_YEAR}")
    return day


# YAML 1.2's spellings of the booleans (what an editor reads as true and false).
TRUE_WORDS, FALSE_WORDS = ("true", "True", "TRUE"), ("false", "False", "FALSE")


def read_bool(text: str) -> bool:
    """true or false (also True, TRUE, False, FALSE: YAML 1.2's booleans)."""
    if text not in TRUE_WORDS + FALSE_WORDS:
        raise Expected("true or false")
    return text in TRUE_WORDS


def read_minutes(text: str) -> int:
    """A length of at most a day: '90', '90min', '1h', '1h30' or '1h 30min', in minutes."""
    m = S.LENGTH.fullmatch(text.strip())
    if not m or not (m[1] or m[2]):
        raise Expected("a length like 90min, 1h or 1h30")
    minutes = int(m[1] or 0) * 60 + int(m[2] or 0)
    if not 0 < minutes <= 24 * 60:
        raise Expected("a length of more than 0 and at most 24 hours")
    return minutes


def read_markdown_or_off(text: str):
    """Markdown text, or False for 'false' (the generated text left out); 'true' is refused:
    it would be shown as the text "true", and an editor reads it as a boolean."""
    if text in FALSE_WORDS:
        return False
    if text in TRUE_WORDS:
        raise Expected("markdown text, or false to leave it out")
    return _NONBLANK(text)


def read_weekday(text: str) -> str:
    """A weekday code from the code or the English name, in any case ('Thu' -> 'thu')."""
    day = text.lower()[:3]
    if day not in S.WEEKDAYS or \
            text.lower() not in (day, S.WEEKDAY_NAMES[S.WEEKDAYS.index(day)].lower()):
        raise Expected(_expected_scalar(S.Weekday))
    return day


# Parsers: the value, or None when the text does not parse (the reader table builds on them).

def read_date(text: str) -> dt.date | None:
    """A date from 'YYYY-MM-DD', or None."""
    if not S.DATE.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def read_datetime(text: str) -> dt.datetime | None:
    """A naive local date-time from 'YYYY-MM-DDTHH:MM' (or with a space), or None."""
    day, sep, clock = text.replace(" ", "T", 1).partition("T")
    date, time_ = read_date(day), read_time(clock) if sep else None
    return dt.datetime.combine(date, time_) if date and time_ else None


def read_time(text: str) -> dt.time | None:
    """A time from 'H:MM' or 'HH:MM' (24-hour), or None."""
    if not S.TIME.fullmatch(text):
        return None
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def read_url(text: str) -> str | None:
    """The URL if its scheme is allowed (http, https, mailto, or none: a relative path)."""
    if S.OUTSIDE_URL.fullmatch(text):
        return text
    if ":" in text.split("/")[0] or text.startswith(("/", "\\")) or re.search(r"\s", text):
        return None
    parts = text.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return None
    return text


@cache
def valid_timezone(name: str) -> bool:
    """True for an IANA zone name that zoneinfo knows."""
    if not S.TIME_ZONE.fullmatch(name):
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: name too long
        return False
    return True


@cache
def read_region(text: str) -> str | None:
    """The region if the holidays library knows it ('DE-BE', 'AT-6', 'DK'), else None."""
    country, _, subdiv = text.partition("-")
    if not S.COUNTRY.fullmatch(country):
        return None
    try:  # asking for one country loads one module; listing all of them loads ~280
        holiday_calendar(country, subdiv or None)
    except NotImplementedError:
        return None
    return text


def text_if(accepts, expected: str):
    """A reader whose value is the text itself, when `accepts(text)` is true."""
    def read(text: str) -> str:
        if not accepts(text):
            raise Expected(expected)
        return text
    return read


def parsed_by(parse, expected: str):
    """A reader whose value is `parse(text)`, when that is not None."""
    def read(text: str):
        value = parse(text)
        if value is None:
            raise Expected(expected)
        return value
    return read


_ID = text_if(S.ID.fullmatch, "an id of lower-case letters, digits, '-' and '_' (e.g. bh-n-243)")
_NONBLANK = text_if(str.strip, "some text")  # plain or markdown, not only white space

# The reader of each scalar type of the schema (a Literal's is read_choice, see reader_for).
READERS = {
    str: _NONBLANK,
    S.Text: _NONBLANK,
    S.Name: _NONBLANK,
    S.Markdown: _NONBLANK,
    int: read_int,
    bool: read_bool,
    dt.date: read_day,
    dt.time: parsed_by(read_time, "a time like 16:00 (24-hour, hours:minutes)"),
    dt.datetime: parsed_by(read_datetime, "a local date and time like 2026-04-16T14:00"),
    S.Weekday: read_weekday,
    S.Id: _ID,
    S.RoomId: _ID,
    S.Minutes: read_minutes,
    S.MarkdownOrOff: read_markdown_or_off,
    S.TeamSize: text_if(S.TEAM_SIZE.fullmatch, "a team size like 2 or 1-3"),
    S.TimeZoneName: text_if(valid_timezone, "an IANA time zone like Europe/Berlin"),
    S.Region: parsed_by(read_region, "a holiday region like DE-BE, AT-6 or DK (country code, "
                        "optional subdivision)"),
    S.AbsoluteUrl: text_if(S.ABSOLUTE_URL.fullmatch, "an absolute http(s) URL ending in '/', "
                           "e.g. https://example.org/teaching/"),
    S.Url: parsed_by(read_url, "an http(s) or mailto URL, or a path of a file under assets/ "
                     "(e.g. slides/01.pdf)"),
}


# --- mappings ------------------------------------------------------------------------------

def plain(node: Node):
    """A Node as plain Python values (for `extra:`)."""
    if node.kind == "list":
        return [plain(n) for n in node.value]
    if node.kind == "mapping":
        return {k: plain(v) for k, v in node.value.items()}
    return node.value


def _dataclass_converter(cls):
    """The reader of a mapping as dataclass `cls` (see `_convert_dataclass`). Its plan is
    looked up once, at its first value: the field types may name classes whose own readers
    are still being made."""
    shape: list = []

    def convert_dataclass(node: Node, path: str, out: Problems):
        if not shape:
            shape.extend((_names(cls), _known(cls), _plan(cls)))
        names, known, plan = shape
        return _convert_dataclass(cls, names, known, plan, node, path, out)
    return convert_dataclass


def _convert_dataclass(cls, names: list, known: frozenset, plan: tuple, node: Node, path: str,
                       out: Problems):
    """Read a mapping as dataclass `cls` (`names`, `known`, `plan`: its keys and fields, see
    `_plan`): unknown keys, missing keys and each field checked; every problem of the mapping
    is recorded before Invalid is raised."""
    given = node.value
    if type(given) is not dict:
        out.error(node.file, node.line, path, f"expected a mapping of keys such as "
                  f"{', '.join(names[:3])}; got {_shown(node)}")
        raise Invalid
    unknown = _unknown_keys(node, cls, path, out) if not given.keys() <= known else ()
    # A misspelt required key is reported once, as the unknown key with its hint.
    misspelt = {close for key in unknown
                for close in get_close_matches(key, names, n=1, cutoff=0.6)} if unknown else ()
    prefix = f"{path}." if path else ""  # S.join_path's spelling, made once per mapping
    failed, values = bool(unknown), {}
    for name, read, required, doc in plan:
        value = given.get(name)
        if value is None:
            if required and name not in misspelt:
                out.error(node.file, node.line, prefix + name,
                          f"missing required key '{name}' ({doc})")
                failed = True
            continue
        try:
            values[name] = read(value, prefix + name, out)
        except Invalid:
            failed = True
    if failed:
        raise Invalid
    values["where"] = S.Where(node.file, node.line, path, tuple(sorted(node.key_lines.items())))
    return cls(**values)


def _unknown_keys(node: Node, cls, path: str, out: Problems) -> list:
    """Record each key the class does not have, with a hint; those keys."""
    known, names = _known(cls), _names(cls)
    unknown = [key for key in node.value if key not in known]
    for key in unknown:
        out.error(node.file, node.key_lines[key], S.join_path(path, key),
                  f"unknown key '{key}'{unknown_key_hint(key, names)}")
    return unknown


def unknown_key_hint(key: str, names: list) -> str:
    """' (did you mean X?)' for a near miss, else the keys allowed here, in schema order."""
    return did_you_mean(key, names) or f"; allowed keys here: {', '.join(names)}"


@cache
def _plan(cls) -> tuple:
    """(key, converter, required, doc) of each field YAML may set in a `cls`, in schema
    order; the field types are resolved once (schema.py's annotations are strings)."""
    hints = typing.get_type_hints(cls)
    return tuple((fld.name, converter(hints[fld.name]), S.required(fld), fld.metadata["doc"])
                 for fld in S.public_fields(cls))


@cache
def _names(cls) -> list:
    """The keys YAML may set in a mapping of class `cls`, in schema order."""
    return [fld.name for fld in S.public_fields(cls)]


@cache
def _known(cls) -> frozenset:
    """The keys of `cls`, for looking one up."""
    return frozenset(_names(cls))
