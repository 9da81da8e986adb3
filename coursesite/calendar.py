"""Site -> iCalendar feeds (RFC 5545 / RFC 7986), reproducible byte for byte.

Each offering gets four feeds at URLs that never move: `<slug>/calendar.ics` (everything),
`lectures.ics`, `exams.ics` (exams and deadlines) and `office-hours.ics`. See
shared/guide/CALENDAR.md for why each decision (no METHOD, UUIDv5 UIDs, rule-based VTIMEZONE,
one VEVENT per lecture) was taken.

SEQUENCE, LAST-MODIFIED and DTSTAMP come from a committed state file per offering
(`content/<slug>/calendar-state.json`, like a lock file), never from the clock: unchanged content
gives identical bytes, and a changed event gets a higher SEQUENCE so clients replace it.
`render_calendars` is pure; the build loads the states, renders, and saves the new states.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import tempfile
import uuid
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vDuration

from . import schema as S
from .errors import ContentError, Problem
from .load import display_path, parse_yaml, read_text
from .model import WEEKDAYS, Offering, Session, Site, is_local, office_hour_dates, weekly
from .render import MATERIAL_LABELS, asset_path, full_day_label, time_range
from .timezones import vtimezone

PRODID = "-//coursesite//coursesite 1//EN"
# Never change this: every UID ever published is derived from it, and a new UID turns each
# event into a duplicate in every subscriber's calendar.
UID_NAMESPACE = uuid.UUID("5b1c8f0e-2a61-4c38-9a53-0c7e2f1d6a90")
UID_DOMAIN = "coursesite"
REFRESH = dt.timedelta(hours=6)
STATE_FILE = "calendar-state.json"

# Feed file -> (kinds of item it holds, suffix of its name; None = the offering's name alone).
FEEDS = {
    "calendar.ics": ({"lecture", "office-hours", "exam", "deadline"}, None),
    "lectures.ics": ({"lecture"}, "lectures"),
    "exams.ics": ({"exam", "deadline"}, "exams and deadlines"),
    "office-hours.ics": ({"office-hours"}, "office hours"),
}


# --- items: what an event shows, before it is serialised -------------------------------------

@dataclass(frozen=True)
class Item:
    """One calendar event as plain data: timed (datetimes in `tzid`) or all-day (dates)."""

    kind: str                   # lecture, office-hours, exam, deadline
    key: str                    # logical key, unique in the offering: lecture/07, exam/final
    summary: str
    start: dt.date | dt.datetime  # local naive datetime, or a date for all-day items
    end: dt.date | dt.datetime    # exclusive
    tzid: str | None = None     # None for all-day items
    location: str | None = None
    description: str | None = None
    cancelled: bool = False
    url: str | None = None
    conferences: tuple = ()     # (label, url)
    until: dt.datetime | None = None  # weekly repetition up to this local start, inclusive
    exdates: tuple = ()         # local starts the weekly repetition skips
    where: S.Where = S.Where()  # for error messages only

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, dt.datetime)

    def significant(self) -> dict:
        """The fields whose change must reach subscribers (and so raise SEQUENCE)."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat(),
                "all_day": self.all_day, "tzid": self.tzid, "location": self.location,
                "status": "CANCELLED" if self.cancelled else "CONFIRMED",
                "summary": self.summary,
                # Office hours repeat: a new holiday or a later end moves occurrences too.
                "until": self.until.isoformat() if self.until else None,
                "exdates": [d.isoformat() for d in self.exdates]}

    def fingerprint(self) -> str:
        """A short hash of the significant fields (stable across Python versions and runs)."""
        text = json.dumps(self.significant(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def detail(self) -> str:
        """What the event is now, in words, for change announcements: 'Thu, Jun 11, 2026,
        16:00-18:00, BH-N 243, ...' or 'cancelled'."""
        if self.cancelled:
            return "cancelled"
        if self.all_day:
            when = full_day_label(self.start)
        else:
            when = f"{full_day_label(self.start.date())}, " \
                   f"{time_range(self.start.time(), self.end.time())}"
            if self.until is not None:
                when = f"weekly from {when}"
        return ", ".join(p for p in (when, self.location) if p)

    def order(self) -> tuple:
        """Feeds list events by start; all-day items first on their day, then by key."""
        day = self.start.date() if not self.all_day else self.start
        time = self.start.time() if not self.all_day else None
        return (day, time is not None, time or dt.time(0), self.key)


def event_uid(slug: str, key: str) -> str:
    """The UID of an offering's event: a function of its logical key only, never of its date."""
    return f"{uuid.uuid5(UID_NAMESPACE, f'{slug}/{key}')}@{UID_DOMAIN}"


def offering_items(site: Site, o: Offering, pending: frozenset = frozenset()) -> list[Item]:
    """Every dated event of the offering (TBD items have no date, so no event yet)."""
    items = [lecture_item(site, o, s, pending) for s in o.sessions if s.start is not None]
    items += office_hour_items(site, o)
    items += [exam_item(site, o, e) for e in o.organization.exams if e.date is not S.TBD]
    items += [deadline_item(o, d) for d in o.organization.deadlines if d.date is not S.TBD]
    # Keys are unique: model.py rejects repeated lecture numbers, exam and deadline ids, and
    # unnumbered sessions with one title; office-hour keys are numbered per weekday.
    return sorted(items, key=Item.order)


def lecture_item(site: Site, o: Offering, s: Session, pending: frozenset = frozenset()) -> Item:
    """A lecture session: timed, in its room, with online and material links."""
    lecture = s.lecture
    title = (f"{o.course.short} {lecture.number:02d}: {lecture.title}"
             if lecture.number is not None else f"{o.course.short}: {lecture.title}")
    cancelled = lecture.status == "cancelled"
    lines = [f"Part {s.part.letter}: {s.part.title}", lecture.note,
             *online_lines(s.online),
             *material_lines(site, [m for m in lecture.materials if m.url not in pending])]
    return Item("lecture", s.key, ("Cancelled: " if cancelled else "") + title, s.start, s.end,
                o.timezone, location(site, s.room, s.online), join_lines(lines), cancelled,
                page_url(site, o), conferences(s.online), where=lecture.where)


def office_hour_items(site: Site, o: Offering) -> list[Item]:
    """One weekly repeating event per office hour; key office-hours/<weekday>[-n]."""
    items, per_day = [], {}
    for oh in o.course.weekly.office_hours:
        per_day[oh.weekday] = per_day.get(oh.weekday, 0) + 1
        n = per_day[oh.weekday]
        key = f"office-hours/{oh.weekday}" + (f"-{n}" if n > 1 else "")
        dates = office_hour_dates(o, oh)
        if dates:
            items.append(office_hour_item(site, o, oh, key, dates))
    return items


def office_hour_item(site: Site, o: Offering, oh: S.OfficeHours, key: str, dates) -> Item:
    """Weekly from the first to the last date; the weeks in between that are skipped (holidays,
    exclusions) become EXDATEs, so the occurrences are exactly `dates`."""
    skipped = sorted(set(weekly(dates[0], dates[-1], WEEKDAYS.index(oh.weekday))) - set(dates))
    at = dt.datetime.combine
    return Item("office-hours", key, f"{o.course.short} office hours", at(dates[0], oh.start),
                at(dates[0], oh.end), o.timezone, location(site, oh.room, oh.online),
                join_lines([oh.note, *online_lines(oh.online)]), False, page_url(site, o),
                conferences(oh.online), until=at(dates[-1], oh.start),
                exdates=tuple(at(d, oh.start) for d in skipped), where=oh.where)


def exam_item(site: Site, o: Offering, e: S.Exam) -> Item:
    """Timed when start and end are given, else all-day and transparent."""
    common = dict(location=location(site, e.room, (), e.place), description=e.text,
                  url=page_url(site, o), where=e.where)
    summary = f"{o.course.short} exam: {e.title}"
    if e.start and e.end:
        return Item("exam", f"exam/{e.id}", summary, dt.datetime.combine(e.date, e.start),
                    dt.datetime.combine(e.date, e.end), o.timezone, **common)
    return Item("exam", f"exam/{e.id}", summary, e.date, e.date + dt.timedelta(days=1), **common)


def deadline_item(o: Offering, d: S.Deadline) -> Item:
    """All-day on its date, the time (if any) in the title: a deadline occupies no time slot."""
    due = f" (due {d.time:%H:%M})" if d.time else ""
    return Item("deadline", f"deadline/{d.id}", f"{o.course.short} deadline: {d.title}{due}",
                d.date, d.date + dt.timedelta(days=1), description=d.text, where=d.where)


def location(site: Site, room_id, online=(), place=None) -> str | None:
    """'Name, building, address' of the room; else the place; else the online links."""
    room = site.rooms.get(room_id) if room_id else None
    if room is not None:
        return ", ".join(p for p in (room.name, room.building, room.address) if p)
    if place:
        return place
    return "; ".join(online_lines(online)) or None


def online_lines(links) -> list[str]:
    """'Online via Zoom: https://...' per link, or just 'Online via Zoom' while it has no URL."""
    return [f"Online via {l.label}: {l.url}" if l.url else f"Online via {l.label}" for l in links]


def conferences(links) -> tuple:
    """(label, url) of each online link that has a URL (CONFERENCE needs a URI)."""
    return tuple((l.label, l.url) for l in links if l.url)


def material_lines(site: Site, materials) -> list[str]:
    """'Slides (PDF): URL' per material with an absolute URL (files under assets/ only when the
    site's base_url is known: a relative link means nothing inside a calendar)."""
    lines = []
    for m in materials:
        url = absolute_url(site, asset_path(m.url)) if is_local(m.url) else m.url
        if url:
            lines.append(f"{m.label or MATERIAL_LABELS[m.kind]}: {url}")
    return lines


def absolute_url(site: Site, path: str) -> str | None:
    """The site path under base_url, or None when the site's address is unknown."""
    return site.config.base_url + path if site.config.base_url else None


def page_url(site: Site, o: Offering) -> str | None:
    return absolute_url(site, f"{o.slug}/index.html")


def join_lines(lines) -> str | None:
    text = "\n".join(line.strip() for line in lines if line and line.strip())
    return text or None


# --- state: SEQUENCE and change times that survive rebuilds ----------------------------------

@dataclass(frozen=True)
class Record:
    """What the state file remembers of one UID."""

    key: str
    hash: str
    sequence: int
    changed: str          # UTC, '2026-04-01T12:00:00Z': LAST-MODIFIED and DTSTAMP
    removed: bool = False  # no longer in the feed; kept so SEQUENCE never goes backwards
    summary: str = ""      # the event's title when it last changed (for the news feed)
    detail: str = ""       # what it became then, in words ("cancelled", "Thu, Jun 11, ...")


State = dict  # UID -> Record


def utc_text(moment: dt.datetime) -> str:
    """'2026-04-01T12:00:00Z' for an aware datetime."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def next_state(slug: str, items: list[Item], state: State, change_time: dt.datetime) -> State:
    """The state after this build: new or changed events (and returning removed ones) get
    sequence old+1 (new: 0) and `change_time`; unchanged ones keep theirs; vanished ones are
    flagged removed. Deterministic in its arguments, so a CI build with a stale state still
    produces the same feed every time it runs."""
    new: State = {}
    for item in items:
        uid, digest = event_uid(slug, item.key), item.fingerprint()
        old = state.get(uid)
        if old is not None and old.hash == digest and not old.removed:
            new[uid] = old
        else:
            sequence = old.sequence + 1 if old is not None else 0
            # A change is remembered in words for the news feed; a new event needs none.
            words = (item.summary, item.detail()) if sequence > 0 else ("", "")
            new[uid] = Record(item.key, digest, sequence, utc_text(change_time), False, *words)
    for uid, old in state.items():
        if uid not in new:
            new[uid] = old if old.removed else replace(old, removed=True)
    return dict(sorted(new.items()))


def state_path(content_dir: Path, slug: str) -> Path:
    return Path(content_dir) / slug / STATE_FILE


def state_text(state: State) -> str:
    """The state file's text: sorted keys, indent 1, trailing newline (small, stable diffs)."""
    data = {uid: {k: v for k, v in asdict(r).items() if k not in OPTIONAL_FIELDS or v}
            for uid, r in state.items()}
    return json.dumps(data, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def load_state(path: Path) -> State:
    """The state in `path`; a missing file is an empty state; a malformed one a ContentError
    naming file:line (a hand-edited or badly merged state file is the maintainer's to fix)."""
    path = Path(path)
    if not path.exists():
        return {}
    shown = display_path(path)
    text = read_text(path, shown)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContentError([Problem(shown, exc.lineno, "", f"not valid JSON: {exc.msg}; "
                                    "fix it, or delete the file to start afresh (SEQUENCE "
                                    "numbers restart then)")]) from None
    if not isinstance(data, dict):
        raise ContentError([Problem(shown, 1, "", "expected an object of UIDs")])
    state, problems = {}, []
    for uid, entry in data.items():
        try:
            state[uid] = read_record(entry)
        except ValueError as exc:
            problems.append(Problem(shown, uid_lines(text, shown).get(uid, 1), uid, str(exc)))
    if problems:
        raise ContentError(problems)
    return dict(sorted(state.items()))


def uid_lines(text: str, shown: str) -> dict:
    """UID -> the line it is written on. JSON is YAML, and the YAML loader keeps every key's
    line (the json module keeps none); {} in the rare case YAML reads the text differently."""
    try:
        return parse_yaml(text, shown).key_lines
    except ContentError:
        return {}


OPTIONAL_FIELDS = ("removed", "summary", "detail")


def read_record(entry) -> Record:
    """One state entry; ValueError says what is wrong with it."""
    expected = ("an object with key, hash, sequence, changed (and optionally removed, "
                "summary, detail)")
    if not isinstance(entry, dict) or set(entry) - {"key", "hash", "sequence", "changed",
                                                    *OPTIONAL_FIELDS}:
        raise ValueError(f"expected {expected}")
    ok = (isinstance(entry.get("key"), str) and isinstance(entry.get("hash"), str)
          and type(entry.get("sequence")) is int and entry["sequence"] >= 0
          and isinstance(entry.get("changed"), str)
          and type(entry.get("removed", False)) is bool
          and isinstance(entry.get("summary", ""), str)
          and isinstance(entry.get("detail", ""), str))
    if not ok:
        raise ValueError(f"expected {expected}")
    try:
        parse_utc(entry["changed"])
    except ValueError:
        raise ValueError(f"changed: expected a UTC time like 2026-04-01T12:00:00Z, "
                         f"got {entry['changed']!r}") from None
    return Record(entry["key"], entry["hash"], entry["sequence"], entry["changed"],
                  entry.get("removed", False), entry.get("summary", ""), entry.get("detail", ""))


def save_state(path: Path, state: State) -> bool:
    """Write the state atomically (temp file + os.replace), only when its bytes change;
    True when written. Untouched files keep their mtime, so watchers do not loop."""
    path = Path(path)
    data = state_text(state).encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        return False
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def state_is_stale(site: Site, o: Offering, state: State) -> bool:
    """True when building would change the offering's state file (content edited but the state
    not rebuilt and committed): `check` reports it, the build still works."""
    probe = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)  # any time: only equality matters
    return next_state(o.slug, offering_items(site, o), state, probe) != state


def change_time_for(content_dir: Path) -> dt.datetime:
    """When the content last changed, in UTC, for events that change in this build.

    SOURCE_DATE_EPOCH first (the reproducible-builds convention); else the newest commit of the
    git repository holding the content, so every CI rebuild of one commit stamps the same time;
    else now (a folder outside git), truncated to seconds as iCalendar times are.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    try:
        out = subprocess.run(["git", "-C", str(content_dir), "log", "-1", "--format=%ct"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        out = None
    if out is not None and out.returncode == 0 and re.fullmatch(r"\d+\n?", out.stdout):
        return dt.datetime.fromtimestamp(int(out.stdout), dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


# --- feeds --------------------------------------------------------------------------------------

def render_calendars(site: Site, states: dict, change_time: dt.datetime
                     ) -> tuple[dict[str, bytes], dict]:
    """Every offering's feeds (output path -> bytes) and its new state (slug -> State).

    Pure: the same site, states and change_time give the same bytes; change_time is only used
    for events that are new or changed relative to `states`.
    """
    files, new_states = {}, {}
    for o in sorted(site.offerings, key=lambda o: o.slug):
        feeds, new_states[o.slug] = offering_feeds(site, o, states.get(o.slug, {}), change_time)
        files.update(feeds)
    return files, new_states


def offering_feeds(site: Site, o: Offering, state: State, change_time: dt.datetime,
                   pending: frozenset = frozenset()) -> tuple[dict[str, bytes], State]:
    """One offering's feeds (output path -> bytes) and its new state; pure. Materials whose
    URL is in `pending` (not released yet) are left out of descriptions."""
    items = offering_items(site, o, pending)
    state = next_state(o.slug, items, state, change_time)
    # Each event and the VTIMEZONE are serialised once and shared by the feeds that list
    # them (serialising, with its line folding, is most of the cost of a feed).
    zone = timezone_component(o.timezone, *timezone_span(o, items)).to_ical()
    events = {item.key: vevent(o.slug, item, state[event_uid(o.slug, item.key)]).to_ical()
              for item in items}
    files = {}
    for name, (kinds, suffix) in FEEDS.items():
        chosen = [events[i.key] for i in items if i.kind in kinds]
        files[f"{o.slug}/{name}"] = assemble(calendar_header(o, suffix), [zone, *chosen])
    return files, state


def assemble(header: Calendar, components: list[bytes]) -> bytes:
    """The calendar's text with already serialised components inside: exactly what
    `to_ical()` gives for the calendar holding them (properties, components, END)."""
    text = header.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert text.endswith(end)  # icalendar's own output shape; a change would be our bug
    return text[: -len(end)] + b"".join(components) + end


def calendar_name(o: Offering, suffix: str | None) -> str:
    """'AMLS Summer 2026', or 'AMLS Summer 2026: lectures' for a split feed."""
    name = f"{o.course.short} {o.term_label}"
    return f"{name}: {suffix}" if suffix else name


def calendar_header(o: Offering, suffix: str | None) -> Calendar:
    """A VCALENDAR's properties: constant PRODID, no METHOD (a snapshot, not a scheduling
    message), names, time zone and refresh hints; the components are added by `assemble`.
    The VTIMEZONE is always embedded, even for a feed of all-day items or none: X-WR-TIMEZONE
    names it, and RFC 5545 requires at least one component in a VCALENDAR."""
    cal = Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", PRODID)
    cal.add("calscale", "GREGORIAN")
    name = calendar_name(o, suffix)
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", o.timezone)
    # icalendar's refresh_interval setter omits VALUE=DURATION, which RFC 7986 requires.
    cal.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    return cal


def timezone_component(tzid: str, first: dt.date, last: dt.date) -> Timezone:
    """The reviewed rule-based VTIMEZONE (timezones.vtimezone), as a component."""
    tz = vtimezone(tzid, first, last)
    return tz if isinstance(tz, Timezone) else Timezone.from_ical(tz)


def timezone_span(o: Offering, items: list[Item]) -> tuple[dt.date, dt.date]:
    """The dates the VTIMEZONE must cover: the term and every event (exams may come after)."""
    days = [o.course.term.start, o.course.term.end]
    for item in items:
        days += [item.start if item.all_day else item.start.date(),
                 (item.until or item.end).date() if not item.all_day else item.end]
    return min(days), max(days)


def vevent(slug: str, item: Item, record: Record) -> Event:
    """The VEVENT of an item; UID and DTSTAMP passed explicitly (icalendar would invent them)."""
    stamp = parse_utc(record.changed)
    event = Event()
    event.add("uid", event_uid(slug, item.key))
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("sequence", record.sequence)
    event.add("summary", item.summary)
    if item.all_day:
        event.add("dtstart", item.start)
        event.add("dtend", item.end)
        event.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
    else:
        zone = ZoneInfo(item.tzid)
        event.add("dtstart", item.start.replace(tzinfo=zone))
        event.add("dtend", item.end.replace(tzinfo=zone))
    if item.until is not None:
        # With a zoned DTSTART, RFC 5545 wants UNTIL in UTC: the last occurrence's start.
        until = item.until.replace(tzinfo=ZoneInfo(item.tzid)).astimezone(dt.timezone.utc)
        event.add("rrule", {"FREQ": "WEEKLY", "UNTIL": until})
    if item.exdates:
        event.add("exdate", [d.replace(tzinfo=ZoneInfo(item.tzid)) for d in item.exdates])
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    for prop, value in (("location", item.location), ("description", item.description),
                        ("url", item.url)):
        if value:
            event.add(prop, value)
    for label, url in item.conferences:
        event.add("conference", url, parameters={"VALUE": "URI", "LABEL": label})
    return event
