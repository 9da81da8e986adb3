"""Cross-field and cross-file checks: what no single value's type can say.

They run on the resolved model, after every file has been read and converted (convert.py),
and record problems in a `Problems` instead of raising: `check_site` and `check_offering` call
one small function per rule. Which fields hold URLs or room ids is read from the schema's field
types (S.Url, S.RoomId), never listed here: a new field of either type is checked as it is added.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import typing
from dataclasses import fields, is_dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from . import schema as S
from .cache import NO_CACHE, BuildCache, walk_tree
from .clashes import check_room_clashes
from .convert import TRANSLATABLE, Problems
from .dates import in_break, office_hour_dates
from .errors import Problem, closest
from .schema import WEEKDAY_NAMES, WEEKDAYS
from .text import labels

weekday_plural = labels("en").weekday_plural  # problems are reported in English

if TYPE_CHECKING:  # the checks read the resolved model; model.py runs them
    from .model import Offering, Session

# Exams and deadlines may fall after the lecture period (resits), but not years away from it:
# that is a typo of the year, and the feed's time zone rules could not span it either.
NEAR_TERM = dt.timedelta(days=366)


def check_site(config: S.SiteConfig | None, rooms: S.Rooms | None, rooms_by_id: dict,
               offerings: list, assets_dir: Path | None, out: Problems,
               cache: BuildCache = NO_CACHE, checked: dict | None = None) -> None:
    """Every check of the whole site. A None config or rooms could not be read (its problems
    are recorded already); the checks that need it are skipped. `assets_dir` None skips the
    check that local URLs name files. With the preview's `cache`, an offering whose inputs
    (its files, the rooms, the names of the asset files) are unchanged is not checked again;
    `checked` (slug -> Problems) holds the offerings' own checks already run in workers."""
    if rooms is not None:
        check_room_ids_unique(rooms, out)
    if config is None or rooms is None:
        return
    check_references(offering_references(config, rooms), rooms_by_id, assets_dir, out)
    listing = cache.kept_tree("asset names", assets_dir, lambda: asset_tree(assets_dir)) \
        if cache is not NO_CACHE and assets_dir is not None else None
    for offering in offerings:
        found = checked[offering.slug] if checked is not None else cache.reuse(
            ("checks", offering.slug), (offering, rooms_by_id, listing),
            lambda o=offering: offering_problems(o, rooms_by_id, assets_dir))
        out.errors.extend(found.errors)
        out.warnings.extend(found.warnings)
    check_room_clashes(offerings, rooms_by_id, out, cache)


def check_references(refs: dict, rooms: dict, assets_dir: Path | None, out: Problems) -> None:
    """Room ids name rooms; with `assets_dir` (the content as it is now, not a version from
    git history) local URLs name files and no value was cut at ' #'."""
    check_rooms_exist(refs[ROOM], rooms, out)
    if assets_dir is not None:
        check_local_urls(refs[URL], assets_dir, out)
        check_cut_comments(refs[TEXT], out)


def offering_problems(o: Offering, rooms: dict, assets_dir: Path | None) -> Problems:
    """The problems `check_offering` finds, collected on their own (so they can be kept)."""
    found = Problems()
    check_offering(o, rooms, assets_dir, found)
    return found


def asset_listing(assets_dir: Path | None) -> frozenset:
    """The relative paths of the files under assets/: all a URL check reads of the folder."""
    if assets_dir is None:
        return frozenset()
    root = str(assets_dir)
    return frozenset(os.path.relpath(os.path.join(folder, name), root)
                     for folder, _, names in os.walk(root) for name in names)


def asset_tree(assets_dir: Path) -> tuple:
    """(asset_listing, the folders, the paths) of assets/, for `BuildCache.kept_tree`."""
    folders, paths = walk_tree(assets_dir)
    return asset_listing(assets_dir), folders, paths


def check_offering(o: Offering, rooms: dict, assets_dir: Path | None, out: Problems) -> None:
    """Every check that needs more than one field of an offering, or another file."""
    files = (o.course, o.lectures, o.projects, o.organization, o.news)
    check_term(o.course.term, out)
    check_references(offering_references(*files), rooms, assets_dir, out)
    check_slot_times(o, out)
    check_ids_unique(o, out)
    check_sessions(o, out)
    check_exam_times(o, out)
    for oh in o.course.weekly.office_hours:
        check_office_hours(o, oh, out)
    check_dates_near_term(o, out)
    check_release_per_file(o, out)


# --- references found by type ----------------------------------------------------------------

# The schema types the checks look for; every kind is collected in one walk per offering.
ROOM, URL, TEXT = S.RoomId, S.Url, (str, *TRANSLATABLE)
REFERENCE_KINDS = (ROOM, URL, TEXT)


def references(kinds: tuple, *roots) -> dict:
    """kind -> [(item, key, value)] for every value of each schema type in `kinds` (a type, or
    a tuple of types) set anywhere under the schema objects `roots`, in one walk; a list field
    gives one triple per element. Which fields hold one is read from the classes' type hints
    (`tp`, Optional[tp], list[tp]), never listed by hand; only fields whose hint can hold a
    schema object are walked into."""
    refs = {kind: [] for kind in kinds}
    plans = _WALK_PLANS.setdefault(kinds, {})
    stack = list(roots)
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
            continue
        cls = type(item)
        plan = plans[cls] if cls in plans else plans.setdefault(cls, _walk_plan(cls, kinds))
        if plan is None:
            continue
        hits, children = plan
        for kind, keys in hits:
            found = refs[kind]
            for key in keys:
                value = getattr(item, key)
                if isinstance(value, (list, tuple)):
                    found.extend((item, key, v) for v in _values(value))
                elif value is not None:
                    found.append((item, key, value))
        for key in children:
            child = getattr(item, key)
            if child is not None:
                stack.append(child)
    return refs


# kinds -> {class -> its _walk_plan}, filled as `references` meets classes: one plain dict
# lookup per object walked, where calling the cached _walk_plan hashed `kinds` each time.
_WALK_PLANS: dict = {}


@cache
def _walk_plan(cls, kinds: tuple):
    """For a schema class: ((kind, its fields) for each kind it has fields of, the fields that
    may hold schema objects); None for anything that is not a schema object (or a Where)."""
    if not is_dataclass(cls) or issubclass(cls, S.Where):
        return None
    hints = typing.get_type_hints(cls)
    hits = tuple((kind, keys) for kind in kinds
                 if (keys := tuple(n for n, h in hints.items() if _mentions(h, kind))))
    children = tuple(f.name for f in fields(cls) if _may_hold_objects(hints[f.name]))
    return hits, children


def _may_hold_objects(hint) -> bool:
    """Whether a field of this type hint can hold a schema object (at any depth); an
    unknown hint (Any, a bare class) is assumed to."""
    if hint in (str, int, float, bool, type(None), S.Url, S.RoomId, *TRANSLATABLE):
        return False
    args = typing.get_args(hint)
    if args:
        return any(_may_hold_objects(a) for a in args if a is not Ellipsis)
    return not (isinstance(hint, type) and issubclass(hint, (str, int, float, dt.date,
                                                             dt.time, dt.timedelta)))


def offering_references(*roots) -> dict:
    """Room ids, URLs and texts under the objects (see `references`); texts are only the
    values that are strings (`extra:` values are free-form and not included)."""
    refs = references(REFERENCE_KINDS, *roots)
    refs[TEXT] = [ref for ref in refs[TEXT] if isinstance(ref[2], str)]
    return refs


def _mentions(hint, tp) -> bool:
    """True if the type hint is `tp` (or in the tuple `tp`) or has it among its arguments,
    at any depth."""
    found = any(hint is t for t in tp) if isinstance(tp, tuple) else hint is tp
    return found or any(_mentions(arg, tp) for arg in typing.get_args(hint))


def _values(value) -> list:
    """The values a field holds: its elements for a list, nothing for None."""
    if isinstance(value, (list, tuple)):
        return [v for item in value for v in _values(item)]
    return [] if value is None else [value]


def check_rooms_exist(refs, rooms: dict, out: Problems) -> None:
    """Every room id names a room of rooms.yaml (with the closest ids as a hint)."""
    for item, key, ref in refs:
        if ref not in rooms:
            near = closest(ref, rooms)
            hint = f" (closest: {', '.join(near)})" if near else ""
            out.at(item.where, key, f"unknown room '{ref}'{hint}; rooms are defined in "
                   "rooms.yaml")


# An e-mail address written where a URL goes, without its mailto: scheme.
_EMAIL = re.compile(r"[^\s/@:]+@[^\s/@]+\.[^\s/@]+")


def check_local_urls(refs, assets_dir: Path, out: Problems) -> None:
    """Every relative URL names a file under assets/ (http, https, mailto are not checked);
    an e-mail address without mailto: is told to add it."""
    for item, key, url in refs:
        if S.is_local(url) and not _is_file(assets_dir / url):
            if _EMAIL.fullmatch(url):
                out.at(item.where, key, f"'{url}' is an e-mail address, not a file under "
                       f"assets/; write mailto:{url}")
                continue
            out.at(item.where, key, f"no file assets/{url}; relative URLs name files under "
                   "assets/ (add the file or fix the path)")


def check_cut_comments(refs, out: Problems) -> None:
    """Warn where YAML cut a plain one-line value at ' #' (the rest became a comment):
    `title: Intro #1 basics` is read as 'Intro'. Only a '#' directly followed by a word is
    taken for a cut (`# a comment`, with a space, is left alone); the line is read from the
    file the value came from, each file once."""
    sources: dict = {}  # file -> its lines, or None when no line has a '#' (nothing to cut)
    for item, key, text in refs:
        file = item.where.file
        if file not in sources:
            sources[file] = _source_lines(file)
        lines = sources[file]
        if lines is None or "\n" in text:
            continue
        line_no = item.where.line_of(key)
        raw = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
        if "#" not in raw:  # most lines: no pattern to build (this runs for every text)
            continue
        cut = re.search(r"(?:^|[\s:,\[{-])" + re.escape(text) + r"[ \t]+(#\S.*?)\s*$", raw)
        if cut:
            whole = f"{text} {cut[1]}".replace("\\", "\\\\").replace('"', '\\"')
            out.at(item.where, key, f"YAML reads this value as '{text}' and drops '{cut[1]}' "
                   f"as a comment (' #' starts one); if it belongs to the value, quote it: "
                   f'{key}: "{whole}"', warning=True)


def _source_lines(file: str) -> list[str] | None:
    """The lines of a content file as written ([] when it cannot be read any more), or None
    when it has no '#' at all."""
    try:
        text = Path(file).read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return []
    return text.splitlines() if "#" in text else None


def _is_file(path: Path) -> bool:
    """path.is_file(), and False for names the system refuses (too long, NUL): they name no file."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


# --- uniqueness ----------------------------------------------------------------------------

def check_room_ids_unique(rooms: S.Rooms, out: Problems) -> None:
    """No two rooms share an id (every offering refers to rooms by it)."""
    first: dict = {}
    for room in rooms.rooms:
        if room.id in first:
            out.at(room.where, "id", f"duplicate room id '{room.id}' (first on line "
                   f"{first[room.id].where.line_of('id')}); room ids must be unique")
        first.setdefault(room.id, room)


def check_ids_unique(o: Offering, out: Problems) -> None:
    """Lecture numbers and the ids of proposals, exams and deadlines are unique: calendar
    entries and anchors are keyed by them."""
    check_unique(o.sessions, lambda s: s.lecture.number, lambda s: s.lecture.where, "number",
                 "lecture number", out)
    check_unique(o.projects.proposals, lambda p: p.id, lambda p: p.where, "id", "proposal id", out)
    check_unique(o.organization.exams, lambda e: e.id, lambda e: e.where, "id", "exam id", out)
    check_unique(o.organization.deadlines, lambda d: d.id, lambda d: d.where, "id",
                 "deadline id", out)


def check_unique(items, key, where, field_name, what, out: Problems) -> None:
    """No two items have the same `key(item)` (None is no key); a repeat names the first line."""
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


# --- times and dates -----------------------------------------------------------------------

def check_order(item, start_key, end_key, start, end, out: Problems, strict=True) -> None:
    """An end must come after its start (`strict` False: or be the same)."""
    if end < start or (strict and end == start):
        out.at(item.where, end_key, f"{end_key} {_value(end)} is not after {start_key} "
               f"{_value(start)}; swap them or fix the typo")


def _value(v) -> str:
    """A date or time as the maintainer writes it (16:00, not 16:00:00)."""
    return v.strftime("%H:%M") if isinstance(v, dt.time) else str(v)


def check_term(term: S.Term, out: Problems) -> None:
    """The lecture period is in order, at most a year long, and starts in the term's year."""
    check_order(term, "start", "end", term.start, term.end, out, strict=False)
    if (term.end - term.start).days > 366:
        out.at(term.where, "end", f"the lecture period {term.start} to {term.end} is longer "
               "than a year; check the end date")
    years = (term.year, term.year + 1) if term.season == "winter" else (term.year,)
    if term.start.year not in years:
        out.at(term.where, "start", f"lecture period starts in {term.start.year}, but the term "
               f"is {term.season} {term.year}; check year and start")
    for b in term.breaks:
        check_order(b, "start", "end", b.start, b.end, out, strict=False)
        if b.start < term.start or b.end > term.end:
            out.at(b.where, "start", f"the break {b.start} to {b.end} is not inside the term "
                   f"({term.start} to {term.end}); fix its dates or the term's")


def check_slot_times(o: Offering, out: Problems) -> None:
    """Each weekly lecture slot and office hour ends after it starts; a lecture slot gives
    its end or its length (model.with_slot_ends made the end of a length), not both."""
    for slot in o.course.weekly.lectures:
        if slot.length is not None and slot.where.line_of("end") != slot.where.line:
            out.at(slot.where, "length", "give end: or length:, not both; delete one")
        elif slot.end is None and slot.length is not None:
            out.at(slot.where, "length", f"a lecture from {_value(slot.start)} lasting "
                   f"{slot.length} minutes would end after midnight; check start and length")
        elif slot.end is None:
            out.at(slot.where, "start", "give the slot's end: (e.g. end: \"18:00\") or its "
                   "length: (e.g. length: 90min)")
    for slot in [*o.course.weekly.lectures, *o.course.weekly.office_hours]:
        if slot.end is not None:
            check_order(slot, "start", "end", slot.start, slot.end, out)


def check_exam_times(o: Offering, out: Problems) -> None:
    """An exam has both a start and an end (in order), or neither (an all-day entry)."""
    for exam in o.organization.exams:
        if exam.start and exam.end:
            check_order(exam, "start", "end", exam.start, exam.end, out)
        if (exam.end is None) != (exam.start is None):
            missing = "end" if exam.end is None else "start"
            out.at(exam.where, "start" if missing == "end" else "end",
                   f"give both start: and end: (or neither, for an all-day entry); add {missing}:")


def check_sessions(o: Offering, out: Problems) -> None:
    """Each session's times, and its date against the term, the slots and the holidays."""
    holiday_names = dict(o.holidays)
    for session in o.sessions:
        check_session(o, session, holiday_names, out)


def check_session(o: Offering, s: Session, holiday_names: dict, out: Problems) -> None:
    """A dated session has a time in order and a date inside the term; a date off the slot's
    weekday or on a holiday is a warning."""
    lecture, term = s.lecture, o.course.term
    if lecture.start and lecture.end:
        check_order(lecture, "start", "end", lecture.start, lecture.end, out)
    if lecture.date is S.TBD:
        return
    if s.start is None and not (lecture.start is None and lecture.end is None
                                and not o.course.weekly.lectures):
        missing = "end" if lecture.start is not None else "start"
        out.at(lecture.where, missing if lecture.where.line_of(missing) else "date",
               f"this lecture has no {missing} time: give {missing}: (or neither start: nor "
               "end:, and no weekly lecture slot, for a date-only session)")
        return
    if (lecture.start is None) != (lecture.end is None):  # one side from the slot, one overridden
        check_order(lecture, "start", "end", s.start.time(), s.end.time(), out)
    if not term.start <= lecture.date <= term.end:
        out.at(lecture.where, "date", f"{lecture.date} is outside the term "
               f"({term.start} to {term.end}); fix the date or the term in course.yaml")
        return
    check_session_weekday(o, lecture, out)
    if lecture.status == "cancelled":
        return
    if lecture.date in holiday_names:
        out.at(lecture.where, "date", f"{lecture.date} is a public holiday in "
               f"{o.holiday_region} ({holiday_names[lecture.date]}); move or cancel it",
               warning=True)
    lecture_free = in_break(term, lecture.date)
    if lecture_free is not None:
        name = f" ({lecture_free.label})" if lecture_free.label else ""
        out.at(lecture.where, "date", f"{lecture.date} is in a lecture-free period{name}, "
               f"{lecture_free.start} to {lecture_free.end}; move or cancel it", warning=True)


def check_session_weekday(o: Offering, lecture: S.Lecture, out: Problems) -> None:
    """Warn when a lecture without its own times is not on a weekly slot's weekday."""
    slots = o.course.weekly.lectures
    weekday = WEEKDAYS[lecture.date.weekday()]
    if slots and weekday not in {sl.weekday for sl in slots} and lecture.start is None:
        days = " and ".join(weekday_plural(sl.weekday) for sl in slots)
        out.at(lecture.where, "date", f"{lecture.date} is a "
               f"{WEEKDAY_NAMES[lecture.date.weekday()]}, but the weekly lecture slot is on "
               f"{days}; check the date, or give start: and end: for an extra session",
               warning=True)


def check_office_hours(o: Offering, oh: S.OfficeHours, out: Problems) -> None:
    """A start after the term is an error; office hours without any occurrence, and an
    excluded date that is no occurrence, are warnings."""
    if oh.start_date and oh.start_date > o.course.term.end:
        out.at(oh.where, "start_date", f"starts {oh.start_date}, after the term ends "
               f"({o.course.term.end}); use a date inside the term")
        return
    if not office_hour_dates(o, oh):
        out.at(oh.where, "weekday", f"these office hours on {weekday_plural(oh.weekday)} never "
               "take place: they run from their start date (default: the week of the first "
               "lecture) to the last lecture, and no such day falls in that time; fix "
               "start_date or the weekday, or remove them", warning=True)
        return
    if not oh.exclude:  # nothing to judge: spare working out every date a second time
        return
    without_exclusions = set(office_hour_dates(o, dataclasses.replace(oh, exclude=[])))
    for day in oh.exclude:
        if day not in without_exclusions:
            if WEEKDAYS[day.weekday()] != oh.weekday:
                why = (f"is a {WEEKDAY_NAMES[day.weekday()]}, but these office hours are on "
                       f"{weekday_plural(oh.weekday)}")
            elif day in dict(o.holidays):
                why = f"is a public holiday ({dict(o.holidays)[day]}), skipped anyway"
            elif in_break(o.course.term, day) is not None:
                why = "is in a lecture-free period (term.breaks), skipped anyway"
            else:
                why = "is outside the weeks of these office hours (start date to last lecture)"
            out.at(oh.where, "exclude", f"excluded date {day} {why}; remove it or fix the date",
                   warning=True)


def check_dates_near_term(o: Offering, out: Problems) -> None:
    """Every dated exam and deadline lies within a year of the lecture period."""
    term = o.course.term
    for item in [*o.organization.exams, *o.organization.deadlines]:
        if item.date is S.TBD or item.date is None:
            continue
        if not term.start - NEAR_TERM <= item.date <= term.end + NEAR_TERM:
            out.at(item.where, "date", f"{item.date} is more than a year from the term "
                   f"({term.start} to {term.end}); check the year")


# --- advice of `check` alone -------------------------------------------------------------------

def publishing_advice(config: S.SiteConfig, offerings) -> list:
    """What `check` points out about publishing, never fatal (not even under --strict: a site
    without base_url is complete, its pages' script derives the feeds' address where it is
    served, and deploys, which are strict, must not stop for it): calendar feeds without
    base_url, which leaves the page from file:// or without JavaScript a download only."""
    if config.base_url or not offerings:
        return []
    w = config.where
    return [Problem(w.file, w.line_of("base_url"), "base_url",
                    "not set, but the site publishes calendar feeds: set it to the address the "
                    "site is published at (e.g. https://www.example.org/teaching/) so every "
                    "page offers webcal and Google Calendar links; until then only pages "
                    "viewed online with JavaScript can")]
