"""Validate content into a `Site`: per-field checks from the schema, then cross-checks.

`load_site(content_dir, assets_dir)` reads every file, collects every problem, and either
returns a complete `Site` (with warnings) or raises one ContentError listing them all.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import typing
import zoneinfo
from dataclasses import MISSING, dataclass, fields, is_dataclass
from difflib import get_close_matches
from functools import cache
from pathlib import Path
from typing import Literal, Union

import holidays as holidays_lib

from . import schema as S
from .errors import ContentError, Problem, closest, did_you_mean
from .load import Node, display_path, load_yaml, outside, read_bytes

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")
_TEAM = re.compile(r"[1-9]\d*(-[1-9]\d*)?")
_INT = re.compile(r"[+-]?\d{1,9}")  # int() refuses > 4300 digits; no count is that big
MAX_TEXT = 100_000  # no field is a book; a huge value is a paste accident
# Dates beyond these overflow date arithmetic (9999-12-31 + 1 day); no course is held then.
MIN_YEAR, MAX_YEAR = 1900, 2999


# --- the validated model ----------------------------------------------------------------

@dataclass(frozen=True)
class Session:
    """A lecture with its slot resolved: the actual local start, end and room (None if TBD)."""

    lecture: S.Lecture
    part: S.Part
    index: int          # position in the offering, for a stable order only
    start: dt.datetime | None
    end: dt.datetime | None
    room: str | None    # room id
    online: tuple       # Links of the slot it falls in
    differs_from_slot: bool

    @property
    def key(self) -> str:
        """Logical key for calendar UIDs: the number, or the title for unnumbered sessions."""
        n = self.lecture.number
        return f"lecture/{n:02d}" if n is not None else f"lecture/{slugify(self.lecture.title)}"


@dataclass(frozen=True)
class Offering:
    """One course offering (a folder under content/), validated and resolved."""

    slug: str
    course: S.Course
    lectures: S.Lectures
    projects: S.Projects
    organization: S.Organization
    news: S.News
    timezone: str
    holiday_region: str
    sessions: tuple          # Session, in the order written
    holidays: tuple          # (date, name) inside the term, sorted

    @property
    def term_label(self) -> str:
        """'Summer 2026' or 'Winter 2026/27'."""
        t = self.course.term
        if t.season == "summer":
            return f"Summer {t.year}"
        return f"Winter {t.year}/{(t.year + 1) % 100:02d}"

    @property
    def sort_key(self) -> tuple:
        """Newest first: by lecture-period start, then slug."""
        return (self.course.term.start, self.slug)


@dataclass(frozen=True)
class Site:
    """Everything the renderers need, validated."""

    config: S.SiteConfig
    rooms: dict              # id -> Room
    offerings: tuple         # Offering, newest first
    assets_dir: Path
    warnings: tuple          # Problem


# --- reading values by schema -------------------------------------------------------------

class Problems:
    """Collects problems and warnings while validating."""

    def __init__(self, root: Path | None = None):
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.root = root  # the content folder: files read must be inside it

    def error(self, file: str, line: int, path: str, message: str) -> None:
        self.errors.append(Problem(file, line, path, message))

    def warn(self, file: str, line: int, path: str, message: str) -> None:
        self.warnings.append(Problem(file, line, path, message))

    def at(self, where: S.Where, key: str, message: str, warning: bool = False) -> None:
        """Report a problem about `key` of the mapping at `where`."""
        add = self.warn if warning else self.error
        add(where.file, where.line_of(key), where.path_of(key), message)


class _Invalid(Exception):
    """A value that could not be read; the problem is already recorded."""


def _shown(node: Node) -> str:
    if isinstance(node.value, str):
        text = node.value if len(node.value) <= 40 else node.value[:37] + "..."
        return repr(text)
    return {"null": "nothing", "list": "a list", "mapping": "a mapping"}[node.kind]


def convert(node: Node, tp, path: str, out: Problems):
    """Read `node` as type `tp` of the schema; record problems and raise _Invalid on failure."""
    def bad(expected: str):
        out.error(node.file, node.line, path, f"expected {expected}, got {_shown(node)}")
        raise _Invalid

    origin = typing.get_origin(tp)
    if origin is Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if node.value is None:
            return None
        if args == [dt.date, S.Tbd]:
            if node.value == "TBD":
                return S.TBD
            return convert(node, dt.date, path, out)
        return convert(node, args[0], path, out)
    if origin is list:
        if node.value is None:
            return []
        if node.kind != "list":
            bad("a list (lines starting with '- ')")
        (item_tp,) = typing.get_args(tp)
        items, failed = [], False
        for i, item in enumerate(node.value):
            try:
                items.append(convert(item, item_tp, f"{path}[{i}]", out))
            except _Invalid:
                failed = True
        if failed:
            raise _Invalid
        return items
    if tp is dict:
        if node.kind not in ("mapping", "null"):
            bad("a mapping of names to values")
        return plain(node)
    if is_dataclass(tp):
        return convert_mapping(node, tp, path, out)
    if node.kind != "scalar":
        bad(_expected_scalar(tp))
    return convert_scalar(node, tp, path, out, bad)


def _expected_scalar(tp) -> str:
    if typing.get_origin(tp) is Literal:
        return "one of " + ", ".join(typing.get_args(tp))
    return {
        int: "a whole number", dt.date: "a date like 2026-04-16", dt.time: "a time like 16:00",
        S.Weekday: "a weekday (mon, tue, wed, thu, fri, sat, sun)",
    }.get(tp, "text")


# Characters no text field may hold once YAML escapes are read ("\x01", "\0", "\uFFFE"):
# C0 and C1 controls but tab and line breaks, DEL, surrogates and the noncharacters. They
# would make the news feed malformed XML and the calendar unreadable.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff"
                      "\ufdd0-\ufdef\ufffe\uffff]")
# Line breaks: only markdown fields may span lines (a title or short name is one line in a
# calendar entry, a page title, a feed's summary).
_LINE_BREAK = re.compile("[\n\r\x85\u2028\u2029]")


def check_characters(node: Node, tp, path: str, out: Problems) -> None:
    """Refuse control characters in any value, and line breaks outside markdown fields."""
    text = node.value
    found = _CONTROL.search(text)
    if found:
        out.error(node.file, node.line, path, f"control character U+{ord(found.group()):04X} "
                  "is not allowed; delete it (check escapes such as \\x01 in quoted text)")
        raise _Invalid
    if tp is not S.Markdown and _LINE_BREAK.search(text.strip("\n")):
        out.error(node.file, node.line, path, "expected a single line of text, got a line "
                  "break; write it on one line (only description-like markdown fields span "
                  "lines)")
        raise _Invalid


def convert_scalar(node: Node, tp, path: str, out: Problems, bad):
    """Read a scalar string as `tp`; `bad(expected)` records the problem and raises."""
    text: str = node.value
    if len(text) > MAX_TEXT:
        bad(f"at most {MAX_TEXT} characters")
    check_characters(node, tp, path, out)
    if tp is not S.Markdown:
        text = text.strip("\n")  # a block scalar's final newline is not part of a title
    if typing.get_origin(tp) is Literal:
        if text not in typing.get_args(tp):
            bad(_expected_scalar(tp) + did_you_mean(text, typing.get_args(tp)))
        return text
    if tp is int:
        if not _INT.fullmatch(text):
            bad("a whole number")
        return int(text)
    if tp is dt.date:
        day = read_date(text) or bad("a date like 2026-04-16")
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            bad(f"a date in the years {MIN_YEAR} to {MAX_YEAR}")
        return day
    if tp is dt.datetime:
        return read_datetime(text) or bad("a local date and time like 2026-04-16T14:00")
    if tp is bool:
        if text not in ("true", "false"):
            bad("true or false")
        return text == "true"
    if tp is dt.time:
        return read_time(text) or bad("a time like 16:00 (24-hour, hours:minutes)")
    if tp is S.Weekday:
        day = text.lower()[:3]
        if day not in WEEKDAYS or text.lower() not in (day, WEEKDAY_NAMES[WEEKDAYS.index(day)].lower()):
            bad(_expected_scalar(tp))
        return day
    if tp in (S.Id, S.RoomId):
        if not _ID.fullmatch(text):
            bad("an id of lower-case letters, digits, '-' and '_' (e.g. bh-n-243)")
        return text
    if tp is S.TeamSize:
        if not _TEAM.fullmatch(text):
            bad("a team size like 2 or 1-3")
        return text
    if tp is S.TimeZoneName:
        if not valid_timezone(text):
            bad("an IANA time zone like Europe/Berlin")
        return text
    if tp is S.Region:
        return read_region(text) or bad(
            "a holiday region like DE-BE, AT-6 or DK (country code, optional subdivision)")
    if tp is S.AbsoluteUrl:
        if not re.fullmatch(r"(?i:https?)://[^\s/]+(/[^\s]*)?/", text):
            bad("an absolute http(s) URL ending in '/', e.g. https://example.org/teaching/")
        return text
    if tp is S.Url:
        return read_url(text) or bad(
            "an http(s) or mailto URL, or a path of a file under assets/ (e.g. slides/01.pdf)")
    if tp in (str, S.Markdown):
        if not text.strip():
            bad("some text")
        return text
    raise TypeError(f"schema type {tp!r} has no reader")  # our bug, not the maintainer's


def read_date(text: str) -> dt.date | None:
    """A date from 'YYYY-MM-DD', or None."""
    if not _DATE.fullmatch(text):
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
    m = _TIME.fullmatch(text)
    return dt.time(int(m.group(1)), int(m.group(2))) if m else None


def read_url(text: str) -> str | None:
    """The URL if its scheme is allowed (http, https, mailto, or none: a relative path)."""
    if re.fullmatch(r"((?i:https?)://[^\s/]+[^\s]*|(?i:mailto):[^\s@]+@[^\s@]+)", text):
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
    if not re.fullmatch(r"[A-Za-z_]+(/[A-Za-z0-9_+-]+)+|UTC", name):
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
    if not re.fullmatch(r"[A-Z]{2}", country):
        return None
    try:  # asking for one country loads one module; listing all of them loads ~250
        holidays_lib.country_holidays(country, subdiv=subdiv or None)
    except NotImplementedError:
        return None
    return text


def plain(node: Node):
    """A Node as plain Python values (for `extra:`)."""
    if node.kind == "list":
        return [plain(n) for n in node.value]
    if node.kind == "mapping":
        return {k: plain(v) for k, v in node.value.items()}
    return node.value


def convert_mapping(node: Node, cls, path: str, out: Problems):
    """Read a mapping as dataclass `cls`: unknown keys, missing keys and each field checked."""
    if node.kind != "mapping":
        out.error(node.file, node.line, path,
                  f"expected a mapping of keys such as {', '.join(_public_fields(cls)[:3])}; "
                  f"got {_shown(node)}")
        raise _Invalid
    names = _public_fields(cls)
    values, failed = {}, False
    for key, child in node.value.items():
        if key not in names:
            out.error(node.file, node.key_lines[key], _join(path, key),
                      f"unknown key '{key}'{did_you_mean(key, names)}")
            failed = True
    hints = _hints(cls)
    # A misspelt required key is reported once, as the unknown key with its hint.
    misspelt = {close for key in node.value if key not in names
                for close in get_close_matches(key, names, n=1, cutoff=0.6)}
    for fld in fields(cls):
        if fld.name == "where":
            continue
        if fld.name not in node.value:
            if _required(fld) and fld.name not in misspelt:
                out.error(node.file, node.line, _join(path, fld.name),
                          f"missing required key '{fld.name}' ({fld.metadata['doc']})")
                failed = True
            continue
        try:
            values[fld.name] = convert(node.value[fld.name], hints[fld.name],
                                       _join(path, fld.name), out)
        except _Invalid:
            failed = True
    if failed:
        raise _Invalid
    where = S.Where(node.file, node.line, path, tuple(sorted(node.key_lines.items())))
    return cls(**values, where=where)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _required(fld) -> bool:
    return fld.default is MISSING and fld.default_factory is MISSING


@cache
def _hints(cls) -> dict:
    return typing.get_type_hints(cls)


@cache
def _public_fields(cls) -> list:
    return [f.name for f in fields(cls) if f.name != "where"]


def read_file(path: Path, cls, out: Problems, cache: dict | None = None):
    """Load one YAML file as `cls`; None (with problems recorded) when it cannot be read.

    With a `cache` (the live preview keeps one), a file whose bytes are unchanged is not
    parsed again: its earlier result and problems are reused. Comparing bytes, not mtimes,
    because two saves within one mtime tick must not be missed.
    """
    elsewhere = outside(path, out.root) if out.root is not None else None
    if elsewhere is not None:
        out.error(display_path(path), 0, "", f"a symbolic link to a file outside the content "
                  f"folder ({elsewhere}); copy the file into the content folder")
        return None
    try:
        data = read_bytes(path)
    except ContentError as exc:
        out.errors.extend(exc.problems)
        return None
    hit = cache.get(path) if cache is not None else None
    if hit is not None and hit[0] == data:
        out.errors.extend(hit[2])
        return hit[1]
    before = len(out.errors)
    result = _parse_file(path, data, cls, out)
    if cache is not None:
        cache[path] = (data, result, out.errors[before:])
    return result


def _parse_file(path: Path, data: bytes, cls, out: Problems):
    try:
        node = load_yaml(path, data)
    except ContentError as exc:
        out.errors.extend(exc.problems)
        return None
    if node.value is None:  # an empty file is an empty mapping
        node = Node({}, node.file, 1)
    try:
        return convert(node, cls, "", out)
    except _Invalid:
        return None


# --- the site ------------------------------------------------------------------------------

def load_site(content_dir: Path, assets_dir: Path | None, cache: dict | None = None) -> Site:
    """Read and validate all content; raise ContentError listing every problem.

    `assets_dir` None skips the check that local URLs name files (a past version of the
    content, replayed for the calendar's change record, has no assets folder of its own).

    `cache` (optional, kept by the live preview between builds) lets unchanged files and
    offerings be reused; the result is the same as without it.
    """
    content_dir = Path(content_dir)
    out = Problems(content_dir)
    if not content_dir.is_dir():
        raise ContentError(f"{display_path(content_dir)}: content folder not found; "
                           "pass --content DIR")
    config = read_file(content_dir / "site.yaml", S.SiteConfig, out, cache) \
        if present(content_dir / "site.yaml") else _missing(content_dir / "site.yaml", out)
    rooms_file = content_dir / "rooms.yaml"
    rooms = read_file(rooms_file, S.Rooms, out, cache) if present(rooms_file) else S.Rooms()
    rooms_by_id = index_rooms(rooms, out) if rooms else {}
    offerings = []
    for folder in offering_folders(content_dir, out):
        offering = load_offering(folder, config, out, cache)
        if offering is not None:
            offerings.append(offering)
    if config is not None and rooms is not None and assets_dir is not None:
        for item, key in url_references(config, rooms):
            check_local_url(item, key, Path(assets_dir), out)
    if config is not None and rooms is not None:
        for offering in offerings:
            check_offering(offering, rooms_by_id, assets_dir and Path(assets_dir), out)
        check_room_clashes(offerings, rooms_by_id, out)
    if out.errors:
        raise ContentError(out.errors)
    offerings.sort(key=lambda o: o.sort_key, reverse=True)
    return Site(config, rooms_by_id, tuple(offerings), assets_dir and Path(assets_dir),
                tuple(sorted(set(out.warnings))))


def present(path: Path) -> bool:
    """True when the content has an entry of this name: a file, or a symbolic link even if it
    points nowhere (reading it then says what is wrong, instead of silently skipping it)."""
    return path.exists() or path.is_symlink()


def _missing(path: Path, out: Problems):
    what = {"site.yaml": "the site's title and settings", "course.yaml": "title, short and term",
            "lectures.yaml": "parts and lectures"}.get(path.name, "")
    out.error(display_path(path), 0, "", f"file missing; create it ({what}; see README: "
              "Content)" if what else "file missing; create it (see README: Content)")
    return None


def offering_folders(content_dir: Path, out: Problems) -> list[Path]:
    """Offering folders in name order; folders starting with '.' or '_' are drafts, skipped."""
    folders = []
    for entry in sorted(content_dir.iterdir()):
        if not entry.is_dir() or entry.name.startswith((".", "_")):
            continue
        elsewhere = outside(entry, content_dir)
        if elsewhere is not None:
            out.error(display_path(entry), 0, "", f"a symbolic link to a folder outside the "
                      f"content folder ({elsewhere}); move the offering into the content folder")
            continue
        if not _SLUG.fullmatch(entry.name):
            out.error(display_path(entry), 0, "",
                      "offering folder names become URLs: use lower-case letters, digits, "
                      "'-' and '_' (e.g. ss26_amls)")
            continue
        folders.append(entry)
    return folders


@cache
def _empty(cls):
    """The one default instance of an optional file's class: the same object every build, so
    the offering cache (which compares inputs by identity) still hits."""
    return cls()


def load_offering(folder: Path, config, out: Problems, cache=None) -> Offering | None:
    """Read one offering folder; None when any of its files has problems."""
    for extra in sorted(folder.glob("*.y*ml")):
        if extra.name not in S.OFFERING_FILES:
            out.error(display_path(extra), 0, "", "unknown file" + did_you_mean(
                extra.name, S.OFFERING_FILES) + "; offering files are " +
                ", ".join(S.OFFERING_FILES))
    parts = {}
    for name, (cls, required) in S.OFFERING_FILES.items():
        path = folder / name
        if not present(path):
            parts[name] = _missing(path, out) if required else _empty(cls)
        else:
            parts[name] = read_file(path, cls, out, cache)
    if any(v is None for v in parts.values()) or config is None:
        return None
    key = ("offering", folder.name)
    inputs = (config, *parts.values())
    hit = cache.get(key) if cache is not None else None
    if hit is not None and all(a is b for a, b in zip(hit[0], inputs)):
        return hit[1]  # the same parsed objects resolve to the same offering
    offering = resolve_offering(folder.name, parts["course.yaml"], parts["lectures.yaml"],
                                parts["projects.yaml"], parts["organization.yaml"],
                                parts["news.yaml"], config)
    if cache is not None:
        cache[key] = (inputs, offering)
    return offering


def resolve_offering(slug, course, lectures, projects, organization, news, config) -> Offering:
    """Fill defaults from site.yaml and resolve each lecture's time and room from its slot."""
    tz = course.timezone or config.timezone
    region = course.holiday_region or config.holiday_region
    sessions = []
    for part in lectures.parts:
        for lecture in part.lectures:
            sessions.append(resolve_session(lecture, part, len(sessions), course.weekly.lectures))
    return Offering(slug, course, lectures, projects, organization, news, tz, region,
                    tuple(sessions),
                    tuple(holidays_in(region, course.term.start, course.term.end)))


def local_moment(o: Offering, moment: dt.datetime) -> dt.datetime:
    """A naive local time of the offering as an aware datetime in its zone."""
    return moment.replace(tzinfo=zoneinfo.ZoneInfo(o.timezone))


def pending_releases(o: Offering, now: dt.datetime) -> frozenset:
    """URLs of the offering's materials whose release time is still ahead of `now` (aware)."""
    return frozenset(m.url for s in o.sessions for m in s.lecture.materials
                     if m.release is not None and local_moment(o, m.release) > now)


def slot_for(date, slots):
    """The lecture slot on the date's weekday, else the first slot, else None."""
    if date is not S.TBD and date is not None:
        for slot in slots:
            if slot.weekday == WEEKDAYS[date.weekday()]:
                return slot
    return slots[0] if slots else None


def resolve_session(lecture: S.Lecture, part: S.Part, index: int, slots) -> Session:
    """A Session: the lecture's own start/end/room where given, else its slot's."""
    slot = slot_for(lecture.date, slots)
    start_t = lecture.start or (slot.start if slot else None)
    end_t = lecture.end or (slot.end if slot else None)
    room = lecture.room or (slot.room if slot else None)
    online = tuple(slot.online) if slot else ()
    differs = slot is None or (start_t, end_t) != (slot.start, slot.end)
    if lecture.date is S.TBD or start_t is None or end_t is None:
        return Session(lecture, part, index, None, None, room, online, differs)
    return Session(lecture, part, index, dt.datetime.combine(lecture.date, start_t),
                   dt.datetime.combine(lecture.date, end_t), room, online, differs)


@cache
def _holiday_table(region: str, year: int) -> dict:
    country, _, subdiv = region.partition("-")
    return dict(holidays_lib.country_holidays(country, subdiv=subdiv or None, years=year,
                                              language="en_US"))


def holidays_in(region: str, first: dt.date, last: dt.date) -> list[tuple]:
    """(date, English name) of the region's public holidays from first to last, sorted."""
    found = {}
    for year in range(first.year, last.year + 1):
        for day, name in _holiday_table(region, year).items():
            if first <= day <= last:
                found[day] = name
    return sorted(found.items())


def office_hour_dates(o: Offering, oh: S.OfficeHours) -> list[dt.date]:
    """Dates an office hour takes place: weekly on its weekday from its start date (default: the
    week of the first lecture) to the last lecture (default: the term's end), skipping public
    holidays of the region and the excluded dates."""
    dated = sorted(s.lecture.date for s in o.sessions if s.lecture.date is not S.TBD)
    first = oh.start_date or (monday_of(dated[0]) if dated else o.course.term.start)
    last = dated[-1] if dated else o.course.term.end
    skip = set(oh.exclude) | {day for day, _ in o.holidays}
    return [day for day in weekly(first, last, WEEKDAYS.index(oh.weekday)) if day not in skip]


def weekly(first: dt.date, last: dt.date, weekday: int) -> list[dt.date]:
    """Every date with the given weekday (0 = Monday) from first to last, inclusive."""
    day = first + dt.timedelta(days=(weekday - first.weekday()) % 7)
    days = []
    while day <= last:
        days.append(day)
        day += dt.timedelta(days=7)
    return days


def weekday_plural(code: str) -> str:
    """'thu' -> 'Thursdays'."""
    return WEEKDAY_NAMES[WEEKDAYS.index(code)] + "s"


def monday_of(day: dt.date) -> dt.date:
    """The Monday of the day's ISO week."""
    return day - dt.timedelta(days=day.weekday())


def index_rooms(rooms: S.Rooms, out: Problems) -> dict:
    """Rooms by id; duplicate ids are errors."""
    by_id = {}
    for i, room in enumerate(rooms.rooms):
        if room.id in by_id:
            out.at(room.where, "id", f"duplicate room id '{room.id}' (first on line "
                   f"{by_id[room.id].where.line_of('id')}); room ids must be unique")
        by_id.setdefault(room.id, room)
    return by_id


# --- cross-checks --------------------------------------------------------------------------

def check_offering(o: Offering, rooms: dict, assets_dir: Path | None, out: Problems) -> None:
    """Every check that needs more than one field: rooms, numbers, dates, URLs, clashes."""
    check_term(o.course.term, out)
    for item, key in room_references(o):
        if getattr(item, key) not in rooms:
            ref = getattr(item, key)
            near = closest(ref, rooms)
            hint = f" (closest: {', '.join(near)})" if near else ""
            out.at(item.where, key, f"unknown room '{ref}'{hint}; rooms are defined in "
                   "rooms.yaml")
    for item, key in url_references(o.course, o.lectures, o.projects, o.organization, o.news) \
            if assets_dir is not None else ():
        check_local_url(item, key, assets_dir, out)
    for slot in [*o.course.weekly.lectures, *o.course.weekly.office_hours]:
        check_order(slot, "start", "end", slot.start, slot.end, out)
    check_unique(o.sessions, lambda s: s.lecture.number, lambda s: s.lecture.where, "number",
                 "lecture number", out)
    check_session_keys(o, out)
    check_unique(o.projects.proposals, lambda p: p.id, lambda p: p.where, "id", "proposal id", out)
    check_unique(o.organization.exams, lambda e: e.id, lambda e: e.where, "id", "exam id", out)
    check_unique(o.organization.deadlines, lambda d: d.id, lambda d: d.where, "id",
                 "deadline id", out)
    holiday_names = dict(o.holidays)
    for session in o.sessions:
        check_session(o, session, holiday_names, out)
    for exam in o.organization.exams:
        if exam.start and exam.end:
            check_order(exam, "start", "end", exam.start, exam.end, out)
        if (exam.end is None) != (exam.start is None):
            missing = "end" if exam.end is None else "start"
            out.at(exam.where, "start" if missing == "end" else "end",
                   f"give both start: and end: (or neither, for an all-day entry); add {missing}:")
    for oh in o.course.weekly.office_hours:
        check_office_hours(o, oh, out)
    check_dates_near_term(o, out)
    check_release_per_file(o, out)


# Exams and deadlines may fall after the lecture period (resits), but not years away from it:
# that is a typo of the year, and the feed's time zone rules could not span it either.
NEAR_TERM = dt.timedelta(days=366)


def check_dates_near_term(o: Offering, out: Problems) -> None:
    """Every dated exam and deadline lies within a year of the lecture period."""
    term = o.course.term
    for item in [*o.organization.exams, *o.organization.deadlines]:
        if item.date is S.TBD or item.date is None:
            continue
        if not term.start - NEAR_TERM <= item.date <= term.end + NEAR_TERM:
            out.at(item.where, "date", f"{item.date} is more than a year from the term "
                   f"({term.start} to {term.end}); check the year")


def check_release_per_file(o: Offering, out: Problems) -> None:
    """A file listed twice must have one release time: else it is public (through the
    listing without one) before its release."""
    seen: dict = {}
    for s in o.sessions:
        for m in s.lecture.materials:
            first = seen.setdefault(m.url, m)
            if first is not m and first.release != m.release:
                out.at(m.where, "url", f"{m.url} is also listed at line "
                       f"{first.where.line_of('url')} with another release; give both the "
                       "same release: (or list the file once)")


def check_office_hours(o: Offering, oh: S.OfficeHours, out: Problems) -> None:
    """A start after the term is an error; an excluded date with no occurrence is a warning."""
    if oh.start_date and oh.start_date > o.course.term.end:
        out.at(oh.where, "start_date", f"starts {oh.start_date}, after the term ends "
               f"({o.course.term.end}); use a date inside the term")
        return
    without_exclusions = set(office_hour_dates(o, dataclasses.replace(oh, exclude=[])))
    for day in oh.exclude:
        if day not in without_exclusions:
            if WEEKDAYS[day.weekday()] != oh.weekday:
                why = (f"is a {WEEKDAY_NAMES[day.weekday()]}, but these office hours are on "
                       f"{weekday_plural(oh.weekday)}")
            elif day in dict(o.holidays):
                why = f"is a public holiday ({dict(o.holidays)[day]}), skipped anyway"
            else:
                why = "is outside the weeks of these office hours (start date to last lecture)"
            out.at(oh.where, "exclude", f"excluded date {day} {why}; remove it or fix the date",
                   warning=True)


def check_session_keys(o: Offering, out: Problems) -> None:
    """Unnumbered sessions are told apart in calendars by their title (the key of their UID)."""
    seen = {}
    for s in o.sessions:
        if s.lecture.number is not None:
            continue
        if s.key in seen:
            out.at(s.lecture.where, "title", "another unnumbered session has the same title "
                   f"(line {seen[s.key].line_of('title')}); calendars could not tell them apart: "
                   "give one a number or a different title")
        else:
            seen[s.key] = s.lecture.where


def check_term(term: S.Term, out: Problems) -> None:
    check_order(term, "start", "end", term.start, term.end, out, strict=False)
    if (term.end - term.start).days > 366:
        out.at(term.where, "end", f"the lecture period {term.start} to {term.end} is longer "
               "than a year; check the end date")
    if term.start.year not in (term.year, term.year + 1) and term.season == "winter" \
            or term.season == "summer" and term.start.year != term.year:
        out.at(term.where, "start", f"lecture period starts in {term.start.year}, but the term "
               f"is {term.season} {term.year}; check year and start")


def check_order(item, start_key, end_key, start, end, out: Problems, strict=True) -> None:
    """An end must come after its start."""
    if end < start or (strict and end == start):
        out.at(item.where, end_key, f"{end_key} {_value(end)} is not after {start_key} {_value(start)}; "
               "swap them or fix the typo")


def _value(v) -> str:
    """A date or time as the maintainer writes it (16:00, not 16:00:00)."""
    return v.strftime("%H:%M") if isinstance(v, dt.time) else str(v)


def check_session(o: Offering, s: Session, holiday_names: dict, out: Problems) -> None:
    lecture, term = s.lecture, o.course.term
    if lecture.start and lecture.end:
        check_order(lecture, "start", "end", lecture.start, lecture.end, out)
    if lecture.date is S.TBD:
        return
    if s.start is None:
        out.at(lecture.where, "date", "no time for this lecture: give start: and end:, or add "
               "a weekly lecture slot in course.yaml")
        return
    if (lecture.start is None) != (lecture.end is None):  # one side from the slot, one overridden
        check_order(lecture, "start", "end", s.start.time(), s.end.time(), out)
    if not term.start <= lecture.date <= term.end:
        out.at(lecture.where, "date", f"{lecture.date} is outside the term "
               f"({term.start} to {term.end}); fix the date or the term in course.yaml")
        return
    slots = o.course.weekly.lectures
    weekday = WEEKDAYS[lecture.date.weekday()]
    if slots and weekday not in {sl.weekday for sl in slots} and lecture.start is None:
        days = " and ".join(weekday_plural(sl.weekday) for sl in slots)
        out.at(lecture.where, "date", f"{lecture.date} is a {WEEKDAY_NAMES[lecture.date.weekday()]}"
               f", but the weekly lecture slot is on {days}; check the date, or give start: and "
               "end: for an extra session", warning=True)
    if lecture.date in holiday_names and lecture.status != "cancelled":
        out.at(lecture.where, "date", f"{lecture.date} is a public holiday in "
               f"{o.holiday_region} ({holiday_names[lecture.date]}); move or cancel it",
               warning=True)


def check_unique(items, key, where, field_name, what, out: Problems) -> None:
    seen = {}
    for item in items:
        k = key(item)
        if k is None:
            continue
        if k in seen:
            out.at(where(item), field_name, f"duplicate {what} {k!r} (also on line "
                   f"{seen[k].line_of(field_name)}); each must be unique")
        else:
            seen[k] = where(item)


def room_references(o: Offering):
    """(item, key) for every field of the offering that names a room."""
    items = [*o.course.weekly.lectures, *o.course.weekly.office_hours,
             *(s.lecture for s in o.sessions), *o.organization.exams]
    return [(item, "room") for item in items if item.room is not None]


def url_references(*roots):
    """(item, key) for every URL field set anywhere under the given schema objects: which
    fields are URLs is read from the schema's types (S.Url), never listed by hand."""
    refs = []
    stack = list(roots)
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif is_dataclass(item) and not isinstance(item, (type, S.Where)):
            for name in _url_fields(type(item)):
                if getattr(item, name) is not None:
                    refs.append((item, name))
            stack.extend(getattr(item, f.name) for f in fields(item))
    return refs


@cache
def _url_fields(cls) -> tuple[str, ...]:
    """The fields of a schema class typed Url (or Optional[Url])."""
    return tuple(name for name, tp in typing.get_type_hints(cls).items()
                 if tp is S.Url or S.Url in typing.get_args(tp))


def is_local(url: str) -> bool:
    """True for a relative path into assets/ (not http, https or mailto)."""
    return not re.match(r"(?i:https?|mailto):", url)


def check_local_url(item, key, assets_dir: Path, out: Problems) -> None:
    url = getattr(item, key)
    if is_local(url) and not _is_file(assets_dir / url):
        out.at(item.where, key, f"no file assets/{url}; relative URLs name files under "
               "assets/ (add the file or fix the path)")


def _is_file(path: Path) -> bool:
    """path.is_file(), and False for names the system refuses (too long, NUL): they name no file."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def check_room_clashes(offerings, rooms: dict, out: Problems) -> None:
    """Warn when two timed events use one room at overlapping times (any offerings)."""
    booked = []
    for o in offerings:
        for s in o.sessions:
            if s.start and s.room and s.lecture.status != "cancelled":
                booked.append((s.room, s.start, s.end, o.slug, s.lecture))
    booked.sort(key=lambda b: (b[0], b[1], b[3], b[4].where.line))
    latest = {}  # room -> the booking that ends last among those started so far
    for b in booked:
        a = latest.get(b[0])
        if a is None or b[2] > a[2]:
            latest[b[0]] = b
        if a is not None and b[1] < a[2]:
            out.at(b[4].where, "date", f"room {rooms[b[0]].name if b[0] in rooms else b[0]} is "
                   f"also booked by {a[3]} '{a[4].title}' at {a[1]:%Y-%m-%d %H:%M}", warning=True)


def slugify(text: str) -> str:
    """A lower-case ASCII word for ids and anchors."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "item"
