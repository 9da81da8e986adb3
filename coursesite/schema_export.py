"""The content schema exported as JSON Schema, for editors: completion and inline checks
while typing (`python build.py schema`), and the README's field reference. Derived from
schema.py's dataclasses and patterns, never written by hand.

The exported schema describes the file as an editor reads it: YAML 1.2 (VS Code's YAML
extension), where `16:00` and `2026-04-16` are strings, `2` is an integer and `true` a
boolean. coursesite reads every scalar as text and lets the field decide (convert.py), so a
field the validator reads from text must accept every YAML 1.2 type whose text it accepts:
`team_size: 2` (an integer) as well as `team_size: 1-3` (a string). The validator goes further
than a schema can (rooms exist, files exist, dates inside the term, February 30);
tests/test_editing_help.py holds the table of examples on which the two are compared.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import typing
from typing import Literal, Union

from . import schema as S
from .convert import FALSE_WORDS, MAX_TEXT, TRUE_WORDS
from .text import LANGUAGES

# The largest whole number the validator reads (schema.WHOLE_NUMBER: at most nine digits).
MAX_WHOLE = 999_999_999
SCHEMA_DIR = "schema"  # where the files are committed, at the repository's root


def portable(pattern: str) -> str:
    """A Python regular expression rewritten for JSON Schema's ECMA-262 dialect: scoped
    case-insensitive groups such as `(?i:https?)` become `(?:[Hh][Tt][Tt][Pp][Ss]?)`."""
    def spell(m: re.Match) -> str:
        return "(?:" + "".join(f"[{c.upper()}{c}]" if c.isalpha() else c
                               for c in m[1]) + ")"
    return re.sub(r"\(\?i:([a-z?|]+)\)", spell, pattern)


def _whole(pattern: str) -> str:
    """The pattern anchored for JSON Schema, which searches rather than matching whole."""
    return f"^(?:{portable(pattern)})$"


def _any_case(word: str) -> str:
    """A pattern matching `word` in any case (JSON Schema patterns have no flags)."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in word)


# What text fields refuse (convert.check_characters): control characters (surrogates and
# noncharacters cannot be written in portable patterns; the validator still refuses them)
# and, outside markdown, line breaks; a block scalar's final line breaks are allowed.
_CONTROLS = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"
_BREAKS = r"\n\r\u0085\u2028\u2029"
ONE_LINE = rf"^\n*[^{_CONTROLS}{_BREAKS}]*[^\s{_CONTROLS}][^{_CONTROLS}{_BREAKS}]*\n*$"
MULTI_LINE = rf"^[^{_CONTROLS}]*[^\s{_CONTROLS}][^{_CONTROLS}]*$"
WEEKDAY = "^(?:" + "|".join(f"{_any_case(code)}(?:{_any_case(name[3:])})?"
                             for code, name in zip(S.WEEKDAYS, S.WEEKDAY_NAMES, strict=True)) + ")$"
# A local path (convert.read_url): no scheme, no leading '/' or '\', no empty, '.' or '..'
# segment, no white space; an e-mail address written without mailto: is no path either.
_SEGMENT = r"(?!\.\.?(?:/|$))[^\s/]+"
LOCAL_PATH = rf"(?![^\s/@]+@[^\s/@]+$)(?!\\)(?!\.\.?(?:/|$))[^\s/:]+(?:/{_SEGMENT})*"
URL = rf"^(?:{portable(S.OUTSIDE_URL.pattern)}|{LOCAL_PATH})$"
LENGTH = rf"^\s*(?=\d)(?:{S.LENGTH.pattern})\s*$"


def _text(pattern: str) -> dict:
    """A text field: the string it must be, or a number or boolean (the validator reads the
    text YAML wrote, so `title: 2026` and `title: yes` are text to it too)."""
    return {"anyOf": [{"type": "string", "pattern": pattern, "maxLength": MAX_TEXT},
                      {"type": ["number", "boolean"]}]}


def _string(pattern: str, what: str) -> dict:
    """A string matching `pattern`, with `what` it is for the editor's hover."""
    return {"type": "string", "pattern": pattern, "$comment": what}


def _counted(pattern: str, what: str, least: int, most: int = MAX_WHOLE) -> dict:
    """A whole number from `least` to `most`, or a string matching `pattern`."""
    return {"anyOf": [{"type": "integer", "minimum": least, "maximum": most},
                      _string(pattern, what)]}


# The JSON Schema of each scalar type of schema.py (Literal, list, Optional, dict and the
# dataclasses are built by _type_schema). Every entry mirrors the reader in convert.READERS.
SCALARS = {
    str: _text(ONE_LINE),
    S.Markdown: _text(MULTI_LINE),
    S.MarkdownOrOff: {"anyOf": [
        {"const": False},
        {"type": "string", "pattern": MULTI_LINE, "maxLength": MAX_TEXT,
         "not": {"enum": list(TRUE_WORDS)}},
        {"type": "number"}]},
    int: {"anyOf": [{"type": "integer", "minimum": -MAX_WHOLE, "maximum": MAX_WHOLE},
                    _string(_whole(S.WHOLE_NUMBER.pattern), "a whole number")]},
    bool: {"anyOf": [{"type": "boolean"}, {"enum": [*TRUE_WORDS, *FALSE_WORDS]}]},
    dt.date: _string(_whole(S.DATE.pattern), "a date like 2026-04-16"),
    dt.time: _string(_whole(S.TIME.pattern), "a time like 16:00"),
    dt.datetime: _string(_whole(S.DATETIME.pattern),
                         "a local date and time like 2026-04-16T14:00"),
    S.Weekday: {"anyOf": [{"enum": list(S.WEEKDAYS)},
                          _string(WEEKDAY, "a weekday: mon .. sun, or its English name")]},
    S.Id: _counted(_whole(S.ID.pattern), "an id", 0),
    S.RoomId: _counted(_whole(S.ID.pattern), "a room id from rooms.yaml", 0),
    S.TeamSize: _counted(_whole(S.TEAM_SIZE.pattern), "a team size like 2 or 1-3", 1),
    S.Minutes: _counted(LENGTH, "a length like 90min, 1h or 1h30", 1, 24 * 60),
    S.TimeZoneName: _string(_whole(S.TIME_ZONE.pattern), "an IANA time zone, e.g. Europe/Berlin"),
    S.Region: _string(_whole(S.COUNTRY.pattern + "(-[A-Za-z0-9]+)?"),
                      "a holiday region like DE-BE, AT-6 or DK"),
    S.AbsoluteUrl: _string(_whole(S.ABSOLUTE_URL.pattern), "an absolute URL ending in '/'"),
    S.Url: _string(URL, "an http(s) or mailto: URL, or a path of a file under assets/"),
}


def per_language(text: dict) -> dict:
    """A text field (localize.py): the text, or a mapping of language to text."""
    return {"anyOf": [text, {"type": "object", "minProperties": 1, "additionalProperties": False,
                             "properties": {lang: text for lang in LANGUAGES},
                             "$comment": "the text in each language, e.g. {en: ..., de: ...}"}]}


SCALARS[S.Text] = SCALARS[S.Name] = per_language(SCALARS[str])
SCALARS[S.Markdown] = per_language(SCALARS[S.Markdown])
# in a mapping per language each text is markdown (false leaves it out in every language)
SCALARS[S.MarkdownOrOff] = {"anyOf": [*SCALARS[S.MarkdownOrOff]["anyOf"],
                                      per_language(SCALARS[S.Markdown])["anyOf"][1]]}


def json_schema(cls) -> dict:
    """A JSON Schema (draft 2020-12) of one content file's dataclass. Editors (e.g. VS Code's
    YAML extension) use it for completion; coursesite itself validates with convert.py, and
    checks.py adds the cross-file rules a schema cannot express."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": cls.__doc__.strip().splitlines()[0], **_object_schema(cls)}


def _object_schema(cls) -> dict:
    """The JSON Schema object of one dataclass: its public fields, which are required, and
    their defaults."""
    hints = typing.get_type_hints(cls)
    props = {}
    for fld in S.public_fields(cls):
        props[fld.name] = {**_type_schema(hints[fld.name]), "description": fld.metadata["doc"]}
        if isinstance(fld.default, (str, bool, int)):
            props[fld.name]["default"] = fld.default
    out = {"type": "object", "properties": props, "additionalProperties": False}
    names = [fld.name for fld in S.public_fields(cls) if S.required(fld)]
    if names:
        out["required"] = names
    return out


def _type_schema(tp) -> dict:
    """The JSON Schema of one field type, as the validator reads it (convert.convert)."""
    origin = typing.get_origin(tp)
    if origin is Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if args == [dt.date, S.Tbd]:
            return {"anyOf": [_type_schema(dt.date), {"const": "TBD"}]}
        return {"anyOf": [_type_schema(args[0]), {"type": "null"}]}
    if origin is list:  # nothing written is an empty list
        return {"anyOf": [{"type": "array", "items": _type_schema(typing.get_args(tp)[0])},
                          {"type": "null"}]}
    if origin is Literal:
        return {"enum": list(typing.get_args(tp))}
    if tp is dict:  # `extra:`, free-form; nothing written is an empty mapping
        return {"type": ["object", "null"]}
    if dataclasses.is_dataclass(tp):
        return _object_schema(tp)
    return json.loads(json.dumps(SCALARS[tp]))  # a copy: callers add a description


def content_classes() -> dict[str, type]:
    """Content file stem -> its dataclass (site, rooms, and each offering file)."""
    files = {"site": S.SiteConfig, "rooms": S.Rooms}
    files.update({name.removesuffix(".yaml"): cls
                  for name, (cls, _) in S.OFFERING_FILES.items()})
    return files


def json_schemas() -> dict[str, dict]:
    """Content file stem -> its JSON Schema (site, rooms, and each offering file)."""
    return {name: json_schema(cls) for name, cls in content_classes().items()}


def schema_files() -> dict[str, str]:
    """File name -> text of each committed schema file (schema/<stem>.schema.json), exactly
    as `python build.py schema` writes it."""
    return {f"{name}.schema.json": json.dumps(schema, indent=1, ensure_ascii=False) + "\n"
            for name, schema in json_schemas().items()}


# --- the README's field reference ------------------------------------------------------------

FIELDS_START, FIELDS_END = "<!-- fields:start -->", "<!-- fields:end -->"

_WHAT = {
    str: "text", S.Text: "text¹", S.Name: "name¹", S.Markdown: "markdown¹",
    S.MarkdownOrOff: "markdown¹, or `false`",
    int: "whole number", bool: "`true` or `false`", dt.date: "date `2026-04-16`",
    dt.time: "time `16:00`", dt.datetime: "date and time `2026-04-16T14:00`",
    S.Weekday: "weekday `mon` .. `sun`", S.Id: "id", S.RoomId: "room id",
    S.TeamSize: "`2` or `1-3`", S.Minutes: "length `90min`, `1h30`",
    S.TimeZoneName: "IANA time zone", S.Region: "holiday region `DE-BE`",
    S.AbsoluteUrl: "absolute URL ending in `/`", S.Url: "URL or file under assets/",
    dict: "free-form mapping",
}


def describe(tp) -> str:
    """What a value of type `tp` is, in a few words of markdown (for the field reference)."""
    origin = typing.get_origin(tp)
    if origin is Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return "date `2026-04-16` or `TBD`" if args == [dt.date, S.Tbd] else describe(args[0])
    if origin is list:
        item = describe(typing.get_args(tp)[0])
        return "list of mappings (below)" if item == "mapping (below)" else f"list of {item}"
    if origin is Literal:
        return " \\| ".join(f"`{choice}`" for choice in typing.get_args(tp))
    if dataclasses.is_dataclass(tp):
        return "mapping (below)"
    return _WHAT[tp]


def _rows(cls, prefix: str) -> list[str]:
    """The table rows of a dataclass's fields, nested mappings after their own row."""
    hints, rows = typing.get_type_hints(cls), []
    for fld in S.public_fields(cls):
        tp = hints[fld.name]
        key = f"{prefix}{fld.name}"
        need = "required" if S.required(fld) else _default(fld.default)
        doc = fld.metadata["doc"].replace("|", "\\|")
        rows.append(f"| `{key}` | {describe(tp)} | {need} | {doc} |")
        inner = _nested_class(tp)
        if inner is not None:
            many = typing.get_origin(tp) is list
            rows += _rows(inner, f"{key}[]." if many else f"{key}.")
    return rows


def _default(value) -> str:
    """A field's default as the table shows it: `en`, `false`, or 'optional' (nothing)."""
    if isinstance(value, bool):
        return f"default `{str(value).lower()}`"
    return f"default `{value}`" if isinstance(value, (str, int)) else "optional"


def _nested_class(tp):
    """The dataclass a field holds (itself, in a list, or Optional), else None."""
    if dataclasses.is_dataclass(tp):
        return tp
    for arg in typing.get_args(tp):
        inner = _nested_class(arg)
        if inner is not None:
            return inner
    return None


def field_reference_markdown() -> str:
    """The README's field reference: one table per content file, every key with what it
    takes, whether it is required (or its default) and its documentation from schema.py."""
    out = ["<!-- generated from coursesite/schema.py by `make schema`; do not edit -->", "",
           "¹ a plain string, or one per language: `{en: ..., de: ...}` (see German and "
           "English from one data file)"]
    for stem, cls in content_classes().items():
        where = "content/" if stem in ("site", "rooms") else "content/<offering>/"
        out += ["", f"#### {where}{stem}.yaml", "",
                "| key | value | required / default | meaning |", "|---|---|---|---|",
                *_rows(cls, "")]
    return "\n".join(out) + "\n"


def with_field_reference(readme: str) -> str:
    """The README text with the part between the field markers replaced by the generated
    reference; a ValueError when the markers are missing or out of order."""
    start, end = readme.find(FIELDS_START), readme.find(FIELDS_END)
    if start < 0 or end < start:
        raise ValueError(f"the README has no {FIELDS_START} ... {FIELDS_END} markers")
    head = readme[: start + len(FIELDS_START)]
    return f"{head}\n{field_reference_markdown()}{readme[end:]}"
