"""The resolved model: `Site`, `Offering`, `Session`, the facts pages and feeds share.

`load_site(content_dir, assets_dir)` reads every file (convert.py), resolves each offering
(its lectures' times and rooms from the weekly slots, its holidays) and runs the cross-checks
(checks.py); it collects every problem and either returns a complete `Site` (with warnings)
or raises one ContentError listing them all.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import zoneinfo
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache, cached_property, lru_cache
from pathlib import Path

from . import schema as S
from .cache import NO_CACHE, BuildCache
from .checks import check_site, offering_problems
from .content_files import missing_file, offering_folders
from .content_files import read_file as read_file  # tests read one file through it
from .convert import (
    Problems,
    valid_timezone,  # noqa: F401 - re-exported: tests import it from here
)
from .dates import holidays_in
from .errors import ContentError, did_you_mean
from .load import display_path
from .localize import SiteVersions, localized, offering_languages, site_problems, site_versions
from .schema import WEEKDAYS
from .text import Labels, labels
from .workers import map_in_workers, worth_splitting

# --- the resolved model --------------------------------------------------------------------

@dataclass(frozen=True)
class Session:
    """A lecture with its slot resolved: its date (None while TBD), the actual local start and
    end (None for a date-only session, whose time is not known), room and online links."""

    lecture: S.Lecture
    part: S.Part
    index: int          # position in the offering, for a stable order only
    day: dt.date | None
    start: dt.datetime | None
    end: dt.datetime | None
    room: str | None    # room id
    online: tuple       # Links of the slot it falls in
    differs_from_slot: bool  # weekday or time not the slot's: the row shows the time
    key: str = ""       # logical key of its calendar UID (see session_keys)

    @property
    def date_only(self) -> bool:
        """Dated, but without a known time: shown by its date, all-day in the calendar."""
        return self.day is not None and self.start is None


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
    institution: str | None  # course.yaml's, else site.yaml's
    sessions: tuple          # Session, in the order written
    holidays: tuple          # (date, name in the offering's language) inside the term, sorted
    language: str = "en"     # course.yaml's, else site.yaml's: of its pages, feeds, calendars
    prefix: str = ""         # of its output folder: '' in the default language, else 'de/'
    versions: tuple = ()     # (language, prefix) of each version published, default first;
    #                          () when published in one language only
    translations: tuple = ()  # the Offering in each other language (on the default's only)

    @property
    def folder(self) -> str:
        """Its output folder: the slug, under the language's prefix ('de/ss26_amls')."""
        return self.prefix + self.slug

    @property
    def labels(self) -> Labels:
        """The words and formats of the offering's language."""
        return labels(self.language)

    @property
    def term_label(self) -> str:
        """The term as the university writes it, else 'Summer 2026', 'Winter 2026/27',
        'Sommersemester 2026', ..."""
        t = self.course.term
        return t.label or self.labels.term_label(t.season, t.year)

    @property
    def term_short(self) -> str:
        """The term as the university writes it, else its short form: 'SoSe 2026' (English:
        as `term_label`)."""
        t = self.course.term
        return t.label or self.labels.term_short(t.season, t.year)

    @cached_property  # asked for every offering on every save; a frozen class allows it
    def course_id(self) -> str:
        """The course across its offerings and renames: course.yaml's `course`, else the short
        name in lower case."""
        return self.course.course or slugify(self.course.short)

    @property
    def sort_key(self) -> tuple:
        """Newest first: by lecture-period start, then slug."""
        return (self.course.term.start, self.slug)


@dataclass(frozen=True)
class Site:
    """Everything the renderers need, validated."""

    config: S.SiteConfig
    rooms: dict              # id -> Room
    offerings: tuple         # Offering, newest first (sort_key, descending)
    warnings: tuple          # Problem
    versions: SiteVersions | None = None  # site.yaml and rooms in each language

    def in_language(self, language: str) -> Site:
        """The site with site.yaml's and the rooms' texts in `language` (itself when the
        same)."""
        if self.versions is None:
            return self
        config, rooms = self.versions.config(language), self.versions.rooms_by_id(language)
        if config is self.config and rooms is self.rooms:
            return self
        return dataclasses.replace(self, config=config, rooms=rooms)


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
    names = cache.listing(content_dir)
    config = read_file(content_dir / "site.yaml", S.SiteConfig, out, cache) \
        if "site.yaml" in names else missing_file(content_dir / "site.yaml", out)
    rooms_file = content_dir / "rooms.yaml"
    rooms = read_file(rooms_file, S.Rooms, out, cache) if "rooms.yaml" in names else S.Rooms()
    # the same files give the very same versions and rooms: what is kept finds them at once
    versions = cache.reuse("versions", (config, rooms), lambda: site_versions(
        config, rooms or S.Rooms(), index_rooms, Problems)) if config is not None else None
    if versions is not None:
        config = versions.config(versions.languages[0])
        rooms_by_id = versions.rooms_by_id(versions.languages[0])
    else:
        rooms_by_id = cache.reuse("rooms", (rooms,), lambda: index_rooms(rooms)) \
            if rooms is not None else {}
    folders = offering_folders(content_dir, out, cache)
    assets = Path(assets_dir) if assets_dir is not None else None
    offerings, checked = [], None
    if cache is NO_CACHE and worth_splitting(folders):
        checked = {}
        shared = (versions, rooms_by_id, assets, content_dir)
        for offering, problems, found in map_in_workers(read_offering, folders, shared):
            out.errors.extend(problems.errors)
            out.warnings.extend(problems.warnings)
            if offering is not None:
                offerings.append(offering)
                checked[offering.slug] = found
    else:
        for folder in folders:
            offering = load_offering(folder, versions, out, cache)
            if offering is not None:
                offerings.append(offering)
    if versions is not None:
        site_problems(versions, offerings, out)
    check_site(config, rooms, rooms_by_id, offerings, assets, out, cache, checked)
    if out.errors:
        raise ContentError(out.errors)
    offerings = cache.reuse("offering order", (tuple(offerings),), lambda: tuple(
        sorted(offerings, key=lambda o: o.sort_key, reverse=True)))
    # kept while every warning is the same object: the overlay's text is then kept too
    warnings = cache.reuse("warnings", (tuple(out.warnings),),
                           lambda: tuple(sorted(set(out.warnings))))
    return Site(config, rooms_by_id, offerings, warnings, versions)


def read_offering(shared: tuple, folder: Path) -> tuple:
    """In a worker: (the offering or None, the problems of reading it, the problems its own
    checks find or None); `shared` is (site versions, rooms by id, assets folder, content
    folder)."""
    versions, rooms_by_id, assets, root = shared
    out = Problems(root)
    offering = load_offering(folder, versions, out)
    found = offering_problems(offering, rooms_by_id, assets) if offering is not None else None
    return offering, out, found


def index_rooms(rooms: S.Rooms) -> dict:
    """Rooms by id; of rooms with one id, the first (checks.py reports the repeats)."""
    by_id: dict = {}
    for room in rooms.rooms:
        by_id.setdefault(room.id, room)
    return by_id


@cache
def _empty(cls):
    """The one default instance of an optional file's class: the same object every build, so
    the offering cache finds its inputs unchanged at once (by identity)."""
    return cls()


@lru_cache(maxsize=1 << 14)
def _child(folder: Path, name: str) -> Path:
    """folder / name, made once: the preview asks for every offering's files on every save,
    and pathlib's joining was a tenth of a rebuild at 1,000 offerings."""
    return folder / name


def load_offering(folder: Path, versions: SiteVersions | None, out: Problems,
                  cache: BuildCache = NO_CACHE) -> Offering | None:
    """Read one offering folder, in each of its languages (`versions`: site.yaml's and the
    rooms' in each language, None when site.yaml has problems); None when any of its files
    has problems. The preview's cache keeps the offering while no event named the folder
    or anything in it (cache.keep_quiet); else its files are read again, each kept while
    its stat is the same."""
    offering, found = cache.keep_quiet(("offering folder", os.fspath(folder)), folder,
                                       (versions,), lambda: _load_offering(
                                           folder, cache.listing(folder), versions, cache,
                                           out.root))
    out.errors.extend(found.errors)
    out.warnings.extend(found.warnings)
    return offering


def _load_offering(folder: Path, names: tuple, versions: SiteVersions | None,
                   cache: BuildCache, root: Path | None) -> tuple:
    """(the offering or None, the Problems of reading it); `names`: the folder's entries,
    `root`: the content folder."""
    out = Problems(root)
    for extra in names:
        if fnmatchcase(extra, "*.y*ml") and extra not in S.OFFERING_FILES:
            out.error(display_path(folder / extra), 0, "", "unknown file" + did_you_mean(
                extra, S.OFFERING_FILES) + "; offering files are " +
                ", ".join(S.OFFERING_FILES))
    parts = {}
    for name, (cls, required) in S.OFFERING_FILES.items():
        path = _child(folder, name)
        if name not in names:  # an entry of that name, even a link pointing nowhere
            parts[name] = missing_file(path, out) if required else _empty(cls)
        else:
            parts[name] = read_file(path, cls, out, cache)
    if any(v is None for v in parts.values()) or versions is None:
        return None, out
    # the same parsed objects resolve to the same offering
    offering, found = cache.reuse(("offering", folder.name), (versions, *parts.values()),
                                  lambda: offering_in_languages(folder.name, parts, versions))
    out.errors.extend(found.errors)
    out.warnings.extend(found.warnings)
    return (None if found.errors else offering), out


def offering_in_languages(slug: str, parts: dict, versions: SiteVersions) -> tuple:
    """(the Offering in its default language with its `translations`, the problems of
    resolving its texts): each version has its own texts, site.yaml's and the rooms' in its
    language, and the default's calendar keys (an event is the same event in every language)."""
    out = Problems()
    languages = offering_languages(parts["course.yaml"], versions.languages, out)
    default = languages[0]

    def resolved(lang: str) -> Offering:
        texts = [localized(p, lang, default, out, lang != default) for p in parts.values()]
        return resolve_offering(slug, *texts, versions.config(lang), lang)
    offering = resolved(default)
    if len(languages) == 1:
        return offering, out
    published = tuple((lang, "" if lang == default else f"{lang}/") for lang in languages)
    others = tuple(dataclasses.replace(
        other, prefix=f"{other.language}/", versions=published,
        sessions=tuple(dataclasses.replace(s, key=d.key)
                       for s, d in zip(other.sessions, offering.sessions, strict=True)))
        for other in map(resolved, languages[1:]))
    return dataclasses.replace(offering, versions=published, translations=others), out


def resolve_offering(slug, course, lectures, projects, organization, news, config,
                     language: str | None = None) -> Offering:
    """Fill defaults from site.yaml and resolve each lecture's time and room from its slot;
    `language` is the version's (default: course.yaml's, else site.yaml's)."""
    tz = course.timezone or config.timezone
    region = course.holiday_region or config.holiday_region
    course = with_slot_ends(course)
    written = [(lecture, part) for part in lectures.parts for lecture in part.lectures]
    keys = session_keys([lecture for lecture, _ in written])
    # each made with its key: replacing each afterwards took a third of resolving an offering
    sessions = [resolve_session(lecture, part, i, course.weekly.lectures, key)
                for i, ((lecture, part), key) in enumerate(zip(written, keys, strict=True))]
    language = language or course.language or config.language
    return Offering(slug, course, lectures, projects, organization, news, tz, region,
                    course.institution or config.institution, tuple(sessions),
                    tuple(holidays_in(region, course.term.start, course.term.end, language)),
                    language)


def with_slot_ends(course: S.Course) -> S.Course:
    """The course with each lecture slot's end filled in from its `length` (a slot may give
    a start and a length instead of an end). An end past midnight is left out: checks.py
    reports the slot."""
    def ended(slot: S.LectureSlot) -> S.LectureSlot:
        if slot.end is not None or slot.length is None:
            return slot
        minutes = slot.start.hour * 60 + slot.start.minute + slot.length
        if minutes >= 24 * 60:
            return slot
        return dataclasses.replace(slot, end=dt.time(minutes // 60, minutes % 60))
    slots = [ended(slot) for slot in course.weekly.lectures]
    if all(a is b for a, b in zip(slots, course.weekly.lectures, strict=True)):
        return course
    return dataclasses.replace(course, weekly=dataclasses.replace(course.weekly, lectures=slots))


def session_keys(lectures: list) -> list[str]:
    """The calendar key of each lecture: 'lecture/07' by number; an unnumbered session by its
    title, 'lecture/discussion-of-projects', and a repeat of that title by its occurrence,
    '...-2' (so a blocked course may hold two sessions of one title on two days). Numbered
    keys are taken first, so no title can take a number's key."""
    numbered = {i: f"lecture/{lec.number:02d}" for i, lec in enumerate(lectures)
                if lec.number is not None}
    used, keys = set(numbered.values()), []
    for i, lecture in enumerate(lectures):
        key = numbered.get(i)
        if key is None:
            base, n = f"lecture/{slugify(lecture.title)}", 1
            key = base
            while key in used:
                n += 1
                key = f"{base}-{n}"
            used.add(key)
        keys.append(key)
    return keys


def local_moment(o: Offering, moment: dt.datetime) -> dt.datetime:
    """A naive local time of the offering as an aware datetime in its zone."""
    return moment.replace(tzinfo=zoneinfo.ZoneInfo(o.timezone))


def release_times(o: Offering) -> tuple:
    """(URL, aware release time) of each of the offering's materials with a release."""
    return tuple((m.url, local_moment(o, m.release)) for s in o.sessions
                 for m in s.lecture.materials if m.release is not None)


def slot_for(date, slots):
    """The lecture slot on the date's weekday, else the first slot, else None."""
    if date is not S.TBD and date is not None:
        for slot in slots:
            if slot.weekday == WEEKDAYS[date.weekday()]:
                return slot
    return slots[0] if slots else None


def resolve_session(lecture: S.Lecture, part: S.Part, index: int, slots,
                    key: str = "") -> Session:
    """A Session (with calendar `key`): the lecture's own start/end/room where given, else its
    slot's. Without a slot and without its own start it is date-only: no time is invented."""
    slot = slot_for(lecture.date, slots)
    start_t = lecture.start or (slot.start if slot else None)
    end_t = lecture.end or (slot.end if slot else None)
    room = lecture.room or (slot.room if slot else None)
    online = tuple(slot.online) if slot else ()
    day = None if lecture.date is S.TBD else lecture.date
    differs = slot is None or (start_t, end_t) != (slot.start, slot.end) or (
        day is not None and WEEKDAYS[day.weekday()] != slot.weekday)
    if day is None or start_t is None or end_t is None:
        return Session(lecture, part, index, day, None, None, room, online, differs, key)
    return Session(lecture, part, index, day, dt.datetime.combine(day, start_t),
                   dt.datetime.combine(day, end_t), room, online, differs, key)


def slugify(text: str) -> str:
    """A lower-case ASCII word for ids and anchors."""
    return S.SLUG_GAP.sub("-", text.lower()).strip("-") or "item"
