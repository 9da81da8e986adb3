"""What is next, as of a moment: the course page's opening box and the schedule's "this week".

The page shows a server-rendered list of candidates (every dated session, exam and deadline,
each with its local ISO start and end); `marks` decides which of them are shown at a moment,
and assets/coursesite.js applies the very same rule in the browser, so a page built last week
still shows the right thing. Both compare local wall-clock ISO strings ("2026-04-16T16:00",
or a date alone for a date-only item) in the offering's time zone, so they cannot disagree.
Pure: same offering and moment, same result.
"""
from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from . import schema as S
from .dates import monday_of
from .model import Offering, Session, slot_for
from .text import local_iso

# A cancelled or moved session is announced this many days ahead (the coming week).
NOTICE_DAYS = 7


@dataclass(frozen=True)
class Stop:
    """One candidate of the box: its key, kind (lecture, exam, deadline), local ISO start and
    end, and whether it is a cancelled or moved session."""

    key: str
    kind: str
    start: str
    end: str
    cancelled: bool = False
    moved: bool = False


@dataclass(frozen=True)
class Marks:
    """What the pages mark at a moment (plain data: the preview's cache compares it)."""

    shown: frozenset = frozenset()   # keys of the stops the box shows
    over: bool = False               # the lecture period is over and nothing is to come
    week: str = ""                   # the Monday (ISO) of the current week ('': unknown)
    ended: frozenset = frozenset()   # keys of the stops over already: never shown again


UNMARKED = Marks()  # the build's moment unknown: the page's script marks everything


def local_now(o: Offering, now: dt.datetime) -> str:
    """The wall-clock time `now` (aware) where the offering is held: '2026-05-20T10:00'."""
    local = now.astimezone(zoneinfo.ZoneInfo(o.timezone))
    return local_iso(local.date(), dt.time(local.hour, local.minute))


def moved(o: Offering, s: Session) -> bool:
    """True when the session is not where or when its weekly slot would put it (a course
    without slots has nothing to move from)."""
    slot = slot_for(s.day, o.course.weekly.lectures)
    if slot is None or s.day is None:
        return False
    return s.differs_from_slot or (s.lecture.room is not None and s.lecture.room != slot.room)


def session_stop(o: Offering, s: Session) -> Stop:
    start = local_iso(s.start.date(), s.start.time()) if s.start else s.day.isoformat()
    end = (local_iso(s.end.date(), s.end.time()) if s.end
           else (s.day + dt.timedelta(days=1)).isoformat())
    return Stop(s.key, "lecture", start, end, s.lecture.status == "cancelled", moved(o, s))


def stops(o: Offering) -> list[Stop]:
    """Every dated session, exam and deadline of the offering, in time order."""
    found = [session_stop(o, s) for s in o.sessions if s.day is not None]
    for e in o.organization.exams:
        if e.date is not S.TBD:
            end = local_iso(e.date, e.end) if e.end else (e.date + dt.timedelta(days=1)).isoformat()
            found.append(Stop(f"exam/{e.id}", "exam", local_iso(e.date, e.start), end))
    for d in o.organization.deadlines:
        if d.date is not S.TBD:
            end = local_iso(d.date, d.time) if d.time else (
                d.date + dt.timedelta(days=1)).isoformat()
            found.append(Stop(f"deadline/{d.id}", "deadline", local_iso(d.date, d.time), end))
    return sorted(found, key=lambda x: (x.start, x.end, x.key))


def marks(o: Offering, now: dt.datetime | None, found: list[Stop] | None = None,
          at: str | None = None) -> Marks:
    """Which stops the box shows at `now` (None: the build's moment is unknown, nothing is
    marked and the script decides): the first session still to come that is not cancelled,
    the first exam or deadline still to come, and every cancelled or moved session of the
    coming week; `over` when none is left and the lecture period has ended. The page's
    script (markNext in coursesite.js) applies the same rule. `found`: the offering's
    `stops`, and `at`: local_now(o, now), when they are known already."""
    if now is None:
        return UNMARKED
    at = local_now(o, now) if at is None else at
    today = at[:10]
    soon = (dt.date.fromisoformat(today) + dt.timedelta(days=NOTICE_DAYS)).isoformat()
    shown, ended, lecture, dated = set(), set(), False, False
    for x in stops(o) if found is None else found:
        if x.end <= at:
            ended.add(x.key)
            continue
        if x.kind == "lecture":
            if (x.cancelled or x.moved) and x.start < soon:
                shown.add(x.key)
            if not x.cancelled and not lecture:
                shown.add(x.key)
                lecture = True
        elif not dated:
            shown.add(x.key)
            dated = True
    over = not shown and o.course.term.end.isoformat() < today
    return Marks(frozenset(shown), over, monday_of(dt.date.fromisoformat(today)).isoformat(),
                 frozenset(ended))
