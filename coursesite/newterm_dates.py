"""The dates of a new term, rolled over from an old one: pure date arithmetic, no YAML.

`newterm.py` reads and writes the files; this module decides the new term (season, year,
lecture period, label, lecture-free periods) and the lecture dates, so both are easy to test
and to reason about.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from . import schema as S
from .dates import holidays_in
from .errors import ContentError

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    """A lecture-free period, first and last day included."""

    start: dt.date
    end: dt.date
    label: str | None = None

    def days(self) -> list[dt.date]:
        """Every day of the period."""
        return [self.start + DAY * i for i in range((self.end - self.start).days + 1)]

    def __str__(self) -> str:
        span = str(self.start) if self.start == self.end else f"{self.start}..{self.end}"
        return f"{span} {self.label}" if self.label else span


@dataclass(frozen=True)
class NewTerm:
    """The term an offering is rolled over to."""

    season: str
    year: int
    start: dt.date
    end: dt.date
    label: str | None         # advanced label, or None (no label, or one not understood)
    label_note: str | None    # why a label the old term had was removed
    breaks: tuple             # Period, the old term's breaks moved to this term
    added_breaks: tuple       # Period, given on the command line
    shift: dt.timedelta | None  # set when dates keep their pattern (a blocked course)

    @property
    def all_breaks(self) -> tuple:
        """Every lecture-free period of the new term."""
        return (*self.breaks, *self.added_breaks)


# --- command-line values -------------------------------------------------------------------

def parse_slug(text: str) -> str:
    """An offering folder name; ValueError naming the allowed characters."""
    if not S.SLUG.fullmatch(text):
        raise ValueError(f"{text!r}: offering folder names become URLs: use lower-case letters, "
                         "digits, '-' and '_' (e.g. ss27_amls)")
    return text


def parse_day(text: str) -> dt.date:
    """A YYYY-MM-DD date; ValueError with a message naming the expected form."""
    if not S.DATE.fullmatch(text):
        raise ValueError(f"expected a date like 2027-04-12, got {text!r}")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a day of the calendar") from None


def parse_period(text: str) -> Period:
    """A --break value: one day, or FIRST..LAST; ValueError when malformed or reversed."""
    first, dots, last = text.partition("..")
    start = parse_day(first)
    end = parse_day(last) if dots else start
    if end < start:
        raise ValueError(f"{text!r}: the last day comes before the first; swap them")
    return Period(start, end)


# --- the term ------------------------------------------------------------------------------

def new_term(old: S.Term, start: dt.date, end: dt.date | None, added: tuple,
             keep_pattern: bool) -> NewTerm:
    """The term after `old`, starting `start` (ends `end`, or after the old period's length).

    Seasons advance by a year (summer 2026 -> summer 2027); a blocked course takes the year
    of its new start. `keep_pattern` shifts every date by the same number of days (blocked
    courses) instead of the same month and day a year later. Raises ContentError when the
    dates do not fit the term.
    """
    year = start.year if old.season == "block" else old.year + 1
    end = end or start + (old.end - old.start)
    check_period(old.season, year, start, end)
    shift = start - old.start if keep_pattern else None
    years = year - old.year
    breaks = tuple(moved_break(b, years, shift) for b in old.breaks)
    for period in added:
        if not start <= period.start <= period.end <= end:
            raise ContentError(f"new-term: --break {period} lies outside the new term "
                               f"({start} to {end}); give a period inside it")
    label, note = advance_label(old.label, old.year, year)
    return NewTerm(old.season, year, start, end, label, note, breaks, tuple(added), shift)


def check_period(season: str, year: int, start: dt.date, end: dt.date) -> None:
    """Raise ContentError unless the lecture period is in order and starts in the term's year
    (a winter term may start in January of the next year)."""
    if end < start:
        raise ContentError(f"new-term: --end {end} comes before --start {start}; "
                           "give a later --end")
    if (end - start).days > 366:
        raise ContentError(f"new-term: the lecture period {start} to {end} is longer than a "
                           "year; check --end")
    years = (year, year + 1) if season == "winter" else (year,)
    if start.year not in years:
        raise ContentError(f"new-term: --start {start} is not in {season} {year}, the term "
                           f"after the old one; give a start in {year}")


def moved_break(old: S.Break, years: int, shift: dt.timedelta | None) -> Period:
    """A lecture-free period of the old term in the new one: the same month and day `years`
    later, or `shift` days later for a course that keeps its pattern."""
    if shift is not None:
        return Period(old.start + shift, old.end + shift, old.label)
    return Period(shift_year(old.start, years), shift_year(old.end, years), old.label)


def shift_year(day: dt.date, years: int) -> dt.date:
    """The same month and day `years` later (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


YEAR_DIGITS = re.compile(r"(?<!\d)(\d{4}|\d{2})(?!\d)")


def advance_label(label: str | None, old_year: int, year: int) -> tuple:
    """(label, note): the label with its year digits advanced (SS2019 -> SS2020, WS2021/22 ->
    WS2022/23, Fall 22 -> Fall 23), or (None, why) when no year in it can be recognised."""
    if label is None:
        return None, None
    years = year - old_year
    known = {old_year, old_year + 1}
    found = False

    def advance(match: re.Match) -> str:
        nonlocal found
        digits = match.group(1)
        value = int(digits) if len(digits) == 4 else old_year // 100 * 100 + int(digits)
        if value not in known:
            return digits
        found = True
        return str(value + years) if len(digits) == 4 else f"{(value + years) % 100:02d}"

    advanced = YEAR_DIGITS.sub(advance, label)
    if not found:
        return None, (f"term.label {label!r} removed: no year {old_year} recognised in it; "
                      "write the new term's label in course.yaml if the default does not fit")
    return advanced, None


# --- the lecture dates ---------------------------------------------------------------------

def closed_days(region: str, term: NewTerm) -> dict:
    """Date -> why there is no lecture: the region's public holidays and the term's breaks."""
    closed = dict(holidays_in(region, term.start, term.end))
    for period in term.all_breaks:
        for day in period.days():
            closed.setdefault(day, period.label or f"lecture-free {period}")
    return closed


def slot_days(term: NewTerm, weekdays: set, closed: dict) -> tuple[list, list]:
    """(lecture days, skipped days): every day of the term on one of `weekdays` (0 = Monday),
    split into those open for a lecture and those closed (holiday or break)."""
    days = [term.start + DAY * i for i in range((term.end - term.start).days + 1)]
    on_slot = [day for day in days if day.weekday() in weekdays]
    return ([d for d in on_slot if d not in closed], [d for d in on_slot if d in closed])


def map_dates(old_dates: list, term: NewTerm, weekdays: set, closed: dict) -> tuple:
    """(new dates, skipped days) for the old lecture dates (TBD stays TBD).

    Dated lectures take the open slot days in order of their old date (lectures of one old
    date in the order written); a course that keeps its pattern shifts each date instead.
    Raises ContentError when the term has fewer open slot days than dated lectures.
    """
    if term.shift is not None:
        new = [d if d is S.TBD else d + term.shift for d in old_dates]
        late = [d for d in new if d is not S.TBD and not term.start <= d <= term.end]
        if late:
            raise ContentError(f"new-term: {len(late)} session(s) would move outside the new "
                               f"term ({term.start} to {term.end}), the first to {late[0]}; "
                               "give a later --end (or none: as long as the old term)")
        return new, []
    open_days, skipped = slot_days(term, weekdays, closed)
    order = sorted((d, i) for i, d in enumerate(old_dates) if d is not S.TBD)
    if len(order) > len(open_days):
        missing = len(order) - len(open_days)
        raise ContentError(
            f"new-term: {len(order)} dated lectures, but only {len(open_days)} lecture days "
            f"from {term.start} to {term.end} (holidays and breaks skipped): {missing} "
            f"missing; give a later --end or remove {missing} lecture(s) afterwards")
    new = list(old_dates)
    for (_, index), day in zip(order, open_days, strict=False):
        new[index] = day
    last = open_days[len(order) - 1] if order else term.start
    return new, [d for d in skipped if d <= last]
