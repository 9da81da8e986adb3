"""The content schema exported as JSON Schema, for editors: completion and inline checks
while typing (`python build.py schema`). Derived from schema.py's dataclasses and patterns,
never written by hand; coursesite's own validation goes further (rooms exist, dates in term).
"""
from __future__ import annotations

import datetime as dt
import re
import typing
from typing import Literal, Union

from .schema import (
    DATE,
    DATETIME,
    ID,
    OFFERING_FILES,
    TEAM_SIZE,
    TIME,
    WEEKDAYS,
    Id,
    RoomId,
    Rooms,
    SiteConfig,
    Tbd,
    TeamSize,
    Weekday,
    public_fields,
    required,
)


def _whole(pattern: re.Pattern) -> str:
    """The pattern anchored for JSON Schema, which searches rather than matching whole."""
    return f"^{pattern.pattern}$"


_PATTERNS = {
    dt.date: ("string", _whole(DATE), "a date like 2026-04-16"),
    dt.time: ("string", _whole(TIME), "a time like 16:00"),
    dt.datetime: ("string", _whole(DATETIME), "a local date and time like 2026-04-16T14:00"),
    Id: ("string", _whole(ID), "an id"),
    RoomId: ("string", _whole(ID), "a room id from rooms.yaml"),
    # Not anchored at the end: full names (Monday) are accepted too.
    Weekday: ("string", f"^({'|'.join(WEEKDAYS)})", "a weekday"),
    TeamSize: ("string", _whole(TEAM_SIZE), "a team size like 2 or 1-3"),
}


def json_schema(cls) -> dict:
    """A JSON Schema (draft 2020-12) of one content file's dataclass, generated from the
    dataclasses above so the two can never disagree. Editors (e.g. VS Code's YAML extension)
    use it for completion; coursesite itself validates with convert.py, and checks.py adds the
    cross-file rules a schema cannot express (rooms exist, dates inside the term)."""
    schema = _object_schema(cls)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = cls.__doc__.strip().splitlines()[0]
    return schema


def _object_schema(cls) -> dict:
    """The JSON Schema object of one dataclass: its public fields, which are required."""
    hints = typing.get_type_hints(cls)
    props = {}
    for fld in public_fields(cls):
        props[fld.name] = {**_type_schema(hints[fld.name]), "description": fld.metadata["doc"]}
    out = {"type": "object", "properties": props, "additionalProperties": False}
    names = [fld.name for fld in public_fields(cls) if required(fld)]
    if names:
        out["required"] = names
    return out


def _type_schema(tp) -> dict:
    """The JSON Schema of one field type (patterns from the table above)."""
    origin = typing.get_origin(tp)
    if origin is Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if args == [dt.date, Tbd]:
            return {"anyOf": [_type_schema(dt.date), {"const": "TBD"}]}
        return {"anyOf": [_type_schema(args[0]), {"type": "null"}]}
    if origin is list:
        return {"anyOf": [{"type": "array", "items": _type_schema(typing.get_args(tp)[0])},
                          {"type": "null"}]}
    if origin is Literal:
        return {"enum": list(typing.get_args(tp))}
    if tp is dict:
        return {"type": "object"}
    if isinstance(tp, type) and hasattr(tp, "__dataclass_fields__"):
        return _object_schema(tp)
    if tp is int:
        return {"type": "integer"}
    if tp is bool:
        return {"type": "boolean"}
    if tp in _PATTERNS:
        kind, pattern, what = _PATTERNS[tp]
        return {"type": kind, "pattern": pattern, "$comment": what}
    return {"type": "string"}


def json_schemas() -> dict[str, dict]:
    """Content file stem -> its JSON Schema (site, rooms, and each offering file)."""
    files = {"site": SiteConfig, "rooms": Rooms}
    files.update({name.removesuffix(".yaml"): cls for name, (cls, _) in OFFERING_FILES.items()})
    return {name: json_schema(cls) for name, cls in files.items()}
