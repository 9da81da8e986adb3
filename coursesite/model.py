"""The resolved model: `Site`, `Offering`, `Session`, the facts pages and feeds share.

`load_site(content_dir, assets_dir)` reads every file (convert.py), resolves each offering
(its lectures' times and rooms from the weekly slots, its holidays) and runs the cross-checks
(checks.py); it collects every problem and either returns a complete `Site` (with warnings)
or raises one ContentError listing them all.
"""
from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import holidays as holidays_lib

from . import schema as S
from .convert import (
    Invalid,
    Problems,
    convert,
    valid_timezone,  # noqa: F401 - re-exported: tests import it from here
)
from .errors import ContentError, did_you_mean
from .load import Node, display_path, load_yaml, outside, read_bytes
from .schema import WEEKDAYS

# --- the resolved model --------------------------------------------------------------------

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


# --- the site ------------------------------------------------------------------------------

def load_site(content_dir: Path, assets_dir: Path | None, cache: dict | None = None) -> Site:
    """Read and validate all content; raise ContentError listing every problem.

    `assets_dir` None skips the check that local URLs name files (a past version of the
    content, replayed for the calendar's change record, has no assets folder of its own).

    `cache` (optional, kept by the live preview between builds) lets unchanged files and
    offerings be reused; the result is the same as without it.
    """
    # checks.py reads the resolved model defined here, so it imports this module; imported
    # late, in the one function that runs the checks, so that neither import is circular.
    # (Once the pipeline runs the checks itself, after loading, this import goes.)
    from .checks import check_site  # noqa: PLC0415

    content_dir = Path(content_dir)
    out = Problems(content_dir)
    if not content_dir.is_dir():
        raise ContentError(f"{display_path(content_dir)}: content folder not found; "
                           "pass --content DIR")
    config = read_file(content_dir / "site.yaml", S.SiteConfig, out, cache) \
        if present(content_dir / "site.yaml") else _missing(content_dir / "site.yaml", out)
    rooms_file = content_dir / "rooms.yaml"
    rooms = read_file(rooms_file, S.Rooms, out, cache) if present(rooms_file) else S.Rooms()
    rooms_by_id = index_rooms(rooms) if rooms is not None else {}
    offerings = []
    for folder in offering_folders(content_dir, out):
        offering = load_offering(folder, config, out, cache)
        if offering is not None:
            offerings.append(offering)
    assets = Path(assets_dir) if assets_dir is not None else None
    check_site(config, rooms, rooms_by_id, offerings, assets, out)
    if out.errors:
        raise ContentError(out.errors)
    offerings.sort(key=lambda o: o.sort_key, reverse=True)
    return Site(config, rooms_by_id, tuple(offerings), assets_dir and Path(assets_dir),
                tuple(sorted(set(out.warnings))))


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
    """The file's bytes parsed and converted to `cls`; None with problems recorded."""
    try:
        node = load_yaml(path, data)
    except ContentError as exc:
        out.errors.extend(exc.problems)
        return None
    if node.value is None:  # an empty file is an empty mapping
        node = Node({}, node.file, 1)
    try:
        return convert(node, cls, "", out)
    except Invalid:
        return None


def index_rooms(rooms: S.Rooms) -> dict:
    """Rooms by id; of rooms with one id, the first (checks.py reports the repeats)."""
    by_id: dict = {}
    for room in rooms.rooms:
        by_id.setdefault(room.id, room)
    return by_id


def present(path: Path) -> bool:
    """True when the content has an entry of this name: a file, or a symbolic link even if it
    points nowhere (reading it then says what is wrong, instead of silently skipping it)."""
    return path.exists() or path.is_symlink()


def _missing(path: Path, out: Problems):
    """Record that a required file is missing (saying what it holds); None, for its value."""
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
        if not S.SLUG.fullmatch(entry.name):
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
    if hit is not None and all(a is b for a, b in zip(hit[0], inputs, strict=True)):
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
    """Date -> English name of the region's public holidays in one year (read once)."""
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


def monday_of(day: dt.date) -> dt.date:
    """The Monday of the day's ISO week."""
    return day - dt.timedelta(days=day.weekday())


def slugify(text: str) -> str:
    """A lower-case ASCII word for ids and anchors."""
    return S.SLUG_GAP.sub("-", text.lower()).strip("-") or "item"
