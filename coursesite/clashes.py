"""Room clashes: two timed events in one room at overlapping times, across all offerings.

Rooms are independent of each other, so the check runs per room: the preview's cache checks
again only the rooms whose bookings (or name) changed since its last build.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .cache import NO_CACHE, BuildCache
from .convert import Problems
from .errors import Problem

if TYPE_CHECKING:
    from .model import Offering


def check_room_clashes(offerings, rooms: dict, out: Problems,
                       cache: BuildCache = NO_CACHE) -> None:
    """Warn when two timed events use one room at overlapping times (any offerings). Rooms
    are independent of each other: the preview's cache checks again only the rooms whose
    bookings (or name) changed."""
    by_room: dict = {}
    for o in offerings:
        for room, booked in cache.reuse(("bookings", o.slug), (o,),
                                        lambda o=o: bookings(o)).items():
            by_room.setdefault(room, []).append(booked)
    for room, parts in by_room.items():
        parts = tuple(parts)
        out.warnings.extend(cache.reuse(("clashes", room), (parts, rooms.get(room)),
                                        lambda r=room, p=parts: room_clashes(r, p, rooms)))


def bookings(o: Offering) -> dict:
    """Room id -> the offering's timed, not cancelled sessions in it, as (room, start, end,
    slug, lecture) tuples."""
    by_room: dict = {}
    for s in o.sessions:
        if s.start and s.room and s.lecture.status != "cancelled":
            by_room.setdefault(s.room, []).append((s.room, s.start, s.end, o.slug, s.lecture))
    return {room: tuple(booked) for room, booked in by_room.items()}


def room_clashes(room_id: str, parts: tuple, rooms: dict) -> list[Problem]:
    """The warnings of one room: every booking that starts before an earlier one ends."""
    booked = sorted((b for part in parts for b in part),
                    key=lambda b: (b[1], b[3], b[4].where.line))
    found, latest = Problems(), None  # latest: the booking that ends last so far
    name = rooms[room_id].name if room_id in rooms else room_id
    for b in booked:
        a = latest
        if a is None or b[2] > a[2]:
            latest = b
        if a is not None and b[1] < a[2]:
            found.at(b[4].where, "date", f"room {name} is also booked by {a[3]} "
                     f"'{a[4].title}' at {a[1]:%Y-%m-%d %H:%M}", warning=True)
    return found.warnings
