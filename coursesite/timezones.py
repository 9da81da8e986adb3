"""Rule-based VTIMEZONE components derived from zoneinfo and checked against it.

icalendar's own `Timezone.from_tzid` writes the list-of-dates form (one RDATE per switch);
Outlook shifts events by an hour when given that form, so the feed carries the shape Outlook
itself writes: one STANDARD and one DAYLIGHT, each a yearly RRULE ("last Sunday of October").
The rule is read off the real transitions of the years covered and then checked to reproduce
every one of them; a zone whose switches do not fit one yearly rule raises ValueError, so a
wrong VTIMEZONE is never written silently (see shared/guide/CALENDAR.md, "VTIMEZONE shape").

Nothing here reads the clock: the output depends only on the arguments and the tz database.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

__all__ = ["vtimezone"]

# DTSTART of each subcomponent is placed in 1970, before any course, as Outlook does: the
# rule then applies to every event. Only the years covered are checked against zoneinfo.
RULE_YEAR = 1970
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Sampling step of the scan; two switches closer than this would go unseen (none exist in
# the tz database for zones with yearly rules).
SCAN_STEP = timedelta(days=1)


@dataclass(frozen=True)
class Transition:
    """One offset change: the wall time it happens at (in the old offset) and both offsets."""

    local: datetime  # naive wall-clock time just before the switch, in offset_from
    offset_from: timedelta
    offset_to: timedelta
    name_to: str


@dataclass(frozen=True)
class Rule:
    """A yearly switch: `nth` weekday (1..4, or -1 for the last) of `month` at `time`."""

    month: int
    weekday: int  # 0 = Monday, as date.weekday()
    nth: int
    time: tuple[int, int, int]
    offset_from: timedelta
    offset_to: timedelta
    name_to: str

    def byday(self) -> str:
        """The RRULE BYDAY value, e.g. '-1SU' or '2SU'."""
        return f"{self.nth}{WEEKDAYS[self.weekday]}"

    def on(self, year: int) -> datetime:
        """The wall-clock time of this rule's switch in `year`."""
        return datetime(year, self.month, nth_weekday(year, self.month, self.weekday, self.nth),
                        *self.time)


class _Recur(vRecur):
    """vRecur writing BYMONTH before BYDAY ('FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU'), the order
    the guide and the tests quote; RFC 5545 allows any order after FREQ."""

    canonical_order = ("FREQ", "BYMONTH", "BYDAY")


def vtimezone(tzid: str, first: date, last: date) -> Timezone:
    """A VTIMEZONE for IANA zone `tzid`, correct for every instant from `first` to `last`.

    One STANDARD and one DAYLIGHT with yearly RRULEs if the zone has DST in those years; a
    single STANDARD with the fixed offset if its offset does not change in them (or at least
    not between `first` and `last`); ValueError naming the zone if the switches inside the
    range follow no single yearly rule, or the zone is unknown.
    """
    if first > last:
        raise ValueError(f"time zone {tzid}: first {first} is after last {last}")
    zone = load_zone(tzid)
    switches = transitions(zone, first.year, last.year)
    if not switches:
        return fixed_vtimezone(tzid, zone, first)
    try:
        standard, daylight = yearly_rules(switches, first.year, last.year)
    except ValueError as problem:
        if not any(first <= t.local.date() <= last for t in switches):
            # The offset is constant over the range itself: a fixed zone is exact there.
            return fixed_vtimezone(tzid, zone, first)
        raise ValueError(
            f"time zone {tzid}: no yearly rule fits its switches "
            f"{first.year}-{last.year} ({problem}); add a reviewed VTIMEZONE"
        ) from None
    return rule_vtimezone(tzid, standard, daylight)


def load_zone(tzid: str) -> ZoneInfo:
    """The zoneinfo zone named `tzid`; ValueError naming it if unknown."""
    try:
        return ZoneInfo(tzid)
    except (ZoneInfoNotFoundError, ValueError) as problem:
        raise ValueError(f"unknown time zone {tzid!r}") from problem


def state(zone: ZoneInfo, epoch: int) -> tuple[timedelta, str]:
    """The UTC offset and abbreviation of `zone` at the Unix time `epoch`."""
    moment = datetime.fromtimestamp(epoch, timezone.utc).astimezone(zone)
    return moment.utcoffset(), moment.tzname()


@lru_cache(maxsize=256)  # a department's offerings share a few zones and years
def transitions(zone: ZoneInfo, first_year: int, last_year: int) -> list[Transition]:
    """Every offset or abbreviation change of `zone` whose wall-clock date falls in
    `first_year`..`last_year`, in order."""
    # Scan a day beyond each end in UTC, so a switch near New Year in a far-off zone is seen.
    start = int(datetime(first_year, 1, 1, tzinfo=timezone.utc).timestamp()) - 86400
    end = int(datetime(last_year + 1, 1, 1, tzinfo=timezone.utc).timestamp()) + 86400
    step = int(SCAN_STEP.total_seconds())
    found = []
    for lo in range(start, end, step):
        hi = min(lo + step, end)
        if state(zone, lo) != state(zone, hi):
            found.append(switch_at(zone, first_change(zone, lo, hi)))
    return [t for t in found if first_year <= t.local.year <= last_year]


def first_change(zone: ZoneInfo, lo: int, hi: int) -> int:
    """The first second in (lo, hi] whose state differs from lo's (binary search; one change)."""
    before = state(zone, lo)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if state(zone, mid) == before:
            lo = mid
        else:
            hi = mid
    return hi


def switch_at(zone: ZoneInfo, epoch: int) -> Transition:
    """The transition taking effect at Unix time `epoch`."""
    offset_from, _ = state(zone, epoch - 1)
    offset_to, name_to = state(zone, epoch)
    utc = datetime(1970, 1, 1) + timedelta(seconds=epoch)
    return Transition(utc + offset_from, offset_from, offset_to, name_to)


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> int:
    """Day of month of the `nth` (1..5, or -1 = last) `weekday` of `month`; ValueError if none."""
    days = calendar.monthrange(year, month)[1]
    matching = [d for d in range(1, days + 1) if date(year, month, d).weekday() == weekday]
    if nth == -1:
        return matching[-1]
    if not 1 <= nth <= len(matching):
        raise ValueError(f"no {nth}th weekday {weekday} in {year}-{month:02}")
    return matching[nth - 1]


def positions(day: date) -> set[int]:
    """The BYDAY ordinals naming `day` in its month: its n-th (1..4) and -1 if it is the last."""
    days = calendar.monthrange(day.year, day.month)[1]
    found = {(day.day - 1) // 7 + 1} - {5}  # a fifth weekday is always the last one
    if day.day + 7 > days:
        found.add(-1)
    return found


def yearly_rules(switches: list[Transition], first_year: int, last_year: int) -> tuple[Rule, Rule]:
    """The (STANDARD, DAYLIGHT) rules reproducing exactly `switches`, one of each per year
    `first_year`..`last_year`; ValueError saying why if there are none."""
    # DAYLIGHT is the switch to the larger offset, not the one zoneinfo flags as DST: Dublin's
    # tz data calls winter GMT "negative DST", Outlook and Windows call it standard time.
    forward = [t for t in switches if t.offset_to > t.offset_from]
    back = [t for t in switches if t.offset_to < t.offset_from]
    if len(forward) + len(back) != len(switches):
        raise ValueError("an abbreviation changes without an offset change")
    rules = rule_for(back, "standard"), rule_for(forward, "daylight")
    for rule, group in zip(rules, (back, forward), strict=True):
        check_rule(rule, group, first_year, last_year)
    if rules[0].offset_from != rules[1].offset_to or rules[1].offset_from != rules[0].offset_to:
        raise ValueError("the two switches do not return to the same offsets")
    return rules


def rule_for(group: list[Transition], kind: str) -> Rule:
    """The one rule naming every switch in `group` (same month, weekday, time, offsets,
    abbreviation); ValueError if they differ."""
    if not group:
        raise ValueError(f"no {kind} switch")
    shapes = {(t.local.month, t.local.weekday(), t.local.time(), t.offset_from, t.offset_to,
               t.name_to) for t in group}
    if len(shapes) != 1:
        raise ValueError(f"{kind} switches differ: {sorted(map(str, shapes))}")
    month, weekday, time, offset_from, offset_to, name_to = shapes.pop()
    ordinals = set.intersection(*(positions(t.local.date()) for t in group))
    if not ordinals:
        raise ValueError(f"{kind} switches are not one n-th weekday of month {month}")
    # With few years a switch can be both "4th" and "last"; the last is the common rule (EU).
    nth = -1 if -1 in ordinals else min(ordinals)
    return Rule(month, weekday, nth, (time.hour, time.minute, time.second), offset_from,
                offset_to, name_to)


def check_rule(rule: Rule, group: list[Transition], first_year: int, last_year: int) -> None:
    """ValueError unless `rule` gives exactly the wall times of `group`, one per year."""
    expected = [rule.on(year) for year in range(first_year, last_year + 1)]
    actual = [t.local for t in group]
    if expected != actual:
        raise ValueError(f"rule {rule.byday()} of month {rule.month} gives {expected}, "
                         f"zoneinfo has {actual}")


def rule_vtimezone(tzid: str, standard: Rule, daylight: Rule) -> Timezone:
    """The Outlook-shaped VTIMEZONE: STANDARD then DAYLIGHT, each with a yearly RRULE."""
    component = Timezone()
    component.add("tzid", tzid)
    component.add_component(observance(TimezoneStandard(), standard))
    component.add_component(observance(TimezoneDaylight(), daylight))
    return component


def observance(sub: TimezoneStandard | TimezoneDaylight, rule: Rule):
    """`sub` filled from `rule`: DTSTART (the 1970 switch), offsets, TZNAME, RRULE."""
    sub.add("dtstart", rule.on(RULE_YEAR))
    sub.add("tzoffsetfrom", rule.offset_from)
    sub.add("tzoffsetto", rule.offset_to)
    sub.add("tzname", rule.name_to)
    sub.add("rrule", _Recur(freq="YEARLY", bymonth=rule.month, byday=rule.byday()))
    return sub


def fixed_vtimezone(tzid: str, zone: ZoneInfo, when: date) -> Timezone:
    """A VTIMEZONE with one STANDARD and no RRULE: the offset `zone` has at noon on `when`."""
    moment = datetime(when.year, when.month, when.day, 12, tzinfo=zone)
    sub = TimezoneStandard()
    sub.add("dtstart", datetime(RULE_YEAR, 1, 1))
    sub.add("tzoffsetfrom", moment.utcoffset())
    sub.add("tzoffsetto", moment.utcoffset())
    sub.add("tzname", moment.tzname())
    component = Timezone()
    component.add("tzid", tzid)
    component.add_component(sub)
    return component
