"""Dates of the calendar that do not depend on the content: public holidays, weekly
repetition, the office hours' dates of an offering.

A module of its own so that model.py (which resolves offerings) and checks.py (which checks
them) can both use these without importing each other.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from functools import cache
from pathlib import Path

import holidays as holidays_lib
from holidays.registry import COUNTRIES

from . import schema as S
from .schema import WEEKDAYS

# The holidays library's name of each page language (its English is en_US).
HOLIDAY_LANGUAGES = {"en": "en_US", "de": "de"}


@cache
def _holiday_table(region: str, year: int, language: str = "en") -> dict:
    """Date -> name of the region's public holidays in one year, in the language (read once;
    a country without names in that language gives its own)."""
    country, _, subdiv = region.partition("-")
    return dict(holiday_calendar(country, subdiv or None, years=year,
                                 language=HOLIDAY_LANGUAGES[language]))


def holiday_calendar(country: str, subdiv: str | None, **options):
    """holidays.country_holidays(country, subdiv, **options), loading only that country;
    raises NotImplementedError for a country or subdivision the library does not know."""
    entity = country_entity(country)
    if entity is None:  # not a country we can load alone: the library's own way
        return holidays_lib.country_holidays(country, subdiv=subdiv, **options)
    return entity(subdiv=subdiv, **options)


@cache
def country_entity(code: str):
    """The holidays class of the country with ISO code `code`, its module imported alone
    (or None): the library's lookup imports `holidays.countries`, which imports all of its
    ~280 countries, 0.1 s of a 0.3 s one-offering build. Same class, same holidays."""
    for module, (class_name, *codes) in COUNTRIES.items():
        if code in codes:
            name = f"holidays.countries.{module}"
            if name not in sys.modules:
                path = Path(holidays_lib.__file__).parent / "countries" / f"{module}.py"
                spec = importlib.util.spec_from_file_location(name, path)
                if spec is None or spec.loader is None:
                    return None
                module_object = importlib.util.module_from_spec(spec)
                sys.modules[name] = module_object
                try:
                    spec.loader.exec_module(module_object)
                except Exception:  # noqa: BLE001 - a layout we do not know: use the library's
                    del sys.modules[name]
                    return None
            return getattr(sys.modules[name], class_name, None)
    return None


def holidays_in(region: str, first: dt.date, last: dt.date,
                language: str = "en") -> list[tuple]:
    """(date, name in the language) of the region's public holidays from first to last,
    sorted."""
    found = {}
    for year in range(first.year, last.year + 1):
        for day, name in _holiday_table(region, year, language).items():
            if first <= day <= last:
                found[day] = name
    return sorted(found.items())


def office_hour_dates(o, oh: S.OfficeHours) -> list[dt.date]:
    """Dates an office hour of the offering `o` (a model.Offering) takes place: weekly on
    its weekday from its start date (default: the week of the first lecture) to the last
    lecture (default: the term's end), skipping the region's public holidays, the term's
    breaks and the excluded dates."""
    dated = sorted(s.day for s in o.sessions if s.day is not None)  # neither TBD nor unset
    first = oh.start_date or (monday_of(dated[0]) if dated else o.course.term.start)
    last = dated[-1] if dated else o.course.term.end
    skip = set(oh.exclude) | {day for day, _ in o.holidays}
    return [day for day in weekly(first, last, WEEKDAYS.index(oh.weekday))
            if day not in skip and in_break(o.course.term, day) is None]


def in_break(term: S.Term, day: dt.date):
    """The term's break (lecture-free period) that holds the day, or None."""
    for b in term.breaks:  # a loop, not next(generator): asked for every date of a term
        if b.start <= day <= b.end:
            return b
    return None


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
