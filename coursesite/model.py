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

from . import schema as S
from .cache import NO_CACHE, BuildCache
from .checks import check_site
from .convert import (
    Invalid,
    Problems,
    convert,
    valid_timezone,  # noqa: F401 - re-exported: tests import it from here
)
from .dates import holidays_in
from .errors import ContentError, did_you_mean
from .load import Node, display_path, load_yaml, outside, read_bytes
from .schema import WEEKDAYS
from .text import term_label

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
        return term_label(self.course.term.season, self.course.term.year)

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
    warnings: tuple          # Problem


# --- the site ------------------------------------------------------------------------------

def load_site(content_dir: Path, assets_dir: Path | None,
              cache: BuildCache = NO_CACHE) -> Site:
    """Read and validate all content; raise ContentError listing every problem.

    `assets_dir` None skips the check that local URLs name files (a past version of the
    content, replayed for the calendar's change record, has no assets folder of its own).

    `cache` (the live preview keeps one between builds) lets unchanged files and offerings
    be reused; the result is the same as without it.
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
    return Site(config, rooms_by_id, tuple(offerings), tuple(sorted(set(out.warnings))))


def read_file(path: Path, cls, out: Problems, cache: BuildCache = NO_CACHE):
    """Load one YAML file as `cls`; None (with problems recorded) when it cannot be read.

    A file whose bytes are unchanged since the cache saw it is not parsed again: its earlier
    result and problems are reused. Bytes, not mtimes, because two saves within one mtime
    tick must not be missed.
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
    result, errors = cache.reuse(("file", path, cls), (data,),
                                 lambda: _parse_file(path, data, cls, out.root))
    out.errors.extend(errors)
    return result


def _parse_file(path: Path, data: bytes, cls, root: Path | None) -> tuple:
    """The file's bytes parsed and converted to `cls` (None when they cannot be), with the
    problems found on the way."""
    out = Problems(root)
    try:
        node = load_yaml(path, data)
    except ContentError as exc:
        return None, exc.problems
    if node.value is None:  # an empty file is an empty mapping
        node = Node({}, node.file, 1)
    try:
        return convert(node, cls, "", out), out.errors
    except Invalid:
        return None, out.errors


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
    the offering cache finds its inputs unchanged at once (by identity)."""
    return cls()


def load_offering(folder: Path, config, out: Problems,
                  cache: BuildCache = NO_CACHE) -> Offering | None:
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
    # the same parsed objects resolve to the same offering
    return cache.reuse(("offering", folder.name), (config, *parts.values()),
                       lambda: resolve_offering(folder.name, *parts.values(), config))


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


def slugify(text: str) -> str:
    """A lower-case ASCII word for ids and anchors."""
    return S.SLUG_GAP.sub("-", text.lower()).strip("-") or "item"
