"""The rule-based VTIMEZONE: its shape (what Outlook needs) and its meaning (what zoneinfo says).

The meaning is checked with code independent of coursesite.timezones: the emitted text is
parsed back by icalendar, which builds a dateutil `tzical` zone from the VTIMEZONE's own
RRULEs. icalendar 7 resolves a TZID that names an IANA zone via zoneinfo and would ignore the
embedded component, so every check renames the TZID to a non-IANA name first and asserts the
parsed value's tzinfo is the one built from the text (and a deliberately broken copy proves
the harness notices a wrong rule). Switch instants are found by scanning zoneinfo hour by
hour here, not with the module's binary search.
"""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from dateutil.tz.tz import _tzicalvtz
from icalendar import Calendar

from coursesite.timezones import vtimezone

ROOT = Path(__file__).resolve().parent.parent
UTC = timezone.utc
WINTER = (date(2026, 10, 12), date(2027, 2, 13))  # crosses the October 2026 switch
SUMMER = (date(2026, 4, 13), date(2026, 7, 24))  # no switch inside, DST throughout
YEARS = (date(2025, 1, 1), date(2027, 12, 31))
EU_ZONES = ["Europe/Berlin", "Europe/Copenhagen", "Europe/Vienna", "Europe/London"]
CHECKED_ZONES = EU_ZONES + ["America/New_York", "Australia/Sydney"]


# --- independent helpers ----------------------------------------------------------------------

def switches(tzid: str, first: date, last: date) -> list[datetime]:
    """UTC instants at which zoneinfo changes the offset of `tzid`, found hour by hour."""
    zone = ZoneInfo(tzid)
    moment = datetime(first.year, first.month, first.day, tzinfo=UTC) - timedelta(days=1)
    end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=2)
    found, before = [], moment.astimezone(zone).utcoffset()
    while moment < end:
        moment += timedelta(hours=1)
        now = moment.astimezone(zone).utcoffset()
        if now != before:
            found.append(moment)
        before = now
    return found


def around(instant: datetime, hours: int = 6) -> list[datetime]:
    """Every full and half hour (UTC) from `hours` before to `hours` after `instant`."""
    return [instant + timedelta(minutes=30 * k) for k in range(-2 * hours, 2 * hours + 1)]


def embedded_text(tzid: str, first: date, last: date, alias: str) -> str:
    """The emitted VTIMEZONE with its TZID renamed to `alias`, a name zoneinfo does not know."""
    text = vtimezone(tzid, first, last).to_ical().decode()
    assert text.count(f"TZID:{tzid}\r\n") == 1
    return text.replace(f"TZID:{tzid}\r\n", f"TZID:{alias}\r\n")


def alias_for(tzid: str, first: date, last: date, tag: str = "") -> str:
    """A unique non-IANA TZID: icalendar caches parsed zones by TZID for the whole process."""
    return f"Test/{tzid.replace('/', '-')}-{first:%Y%m%d}-{last:%Y%m%d}{tag}-Embedded"


def wall(moment: datetime) -> str:
    """The iCalendar local DATE-TIME text of an aware datetime's wall clock."""
    return moment.strftime("%Y%m%dT%H%M%S")


def calendar_with(vtz: str, alias: str, starts: list[str], extra: str = "") -> Calendar:
    """A parsed VCALENDAR holding `vtz` and one VEVENT per local start text (UID = index)."""
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:{i}\r\nDTSTAMP:20250101T000000Z\r\n"
        f"DTSTART;TZID={alias}:{start}\r\nSUMMARY:probe\r\n{extra}END:VEVENT\r\n"
        for i, start in enumerate(starts))
    text = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{vtz}{events}END:VCALENDAR\r\n"
    cal = Calendar.from_ical(text)
    assert [c.errors for c in cal.walk() if c.errors] == []
    return cal


def parsed_utc(cal: Calendar) -> list[datetime]:
    """The UTC instants icalendar computes for the VEVENT starts, in UID order; each must come
    from the embedded VTIMEZONE (a dateutil tzical zone), not from zoneinfo."""
    events = sorted(cal.walk("VEVENT"), key=lambda e: int(e["UID"]))
    for event in events:
        assert isinstance(event.DTSTART.tzinfo, _tzicalvtz), event.DTSTART.tzinfo
    return [event.DTSTART.astimezone(UTC) for event in events]


def expected_utc(moment: datetime) -> datetime:
    """The instant the wall-clock text of `moment` denotes: RFC 5545 takes the first of a
    repeated hour, which is zoneinfo's fold=0 (a text DATE-TIME cannot say fold=1)."""
    return moment.replace(fold=0).astimezone(UTC)


def assert_same_instants(tzid: str, first: date, last: date, instants: list[datetime]) -> None:
    """Events at the wall times of `instants` convert to UTC as zoneinfo says, via the embedded
    VTIMEZONE, both through parsed events and through the component's tzinfo (which must also
    get the second of a repeated hour right)."""
    zone, alias = ZoneInfo(tzid), alias_for(tzid, first, last)
    local = [i.astimezone(zone) for i in instants]
    cal = calendar_with(embedded_text(tzid, first, last, alias), alias, [wall(m) for m in local])
    assert parsed_utc(cal) == [expected_utc(m) for m in local]
    tz = cal.timezones[0].to_tz(lookup_tzid=False)
    for moment, instant in zip(local, instants, strict=True):
        assert instant.astimezone(tz).utcoffset() == moment.utcoffset(), instant
        naive = moment.replace(tzinfo=None)
        assert naive.replace(tzinfo=tz, fold=moment.fold).astimezone(UTC) == instant, instant


# --- shape: what Outlook needs ------------------------------------------------------------------

@pytest.mark.parametrize("tzid", EU_ZONES)
def test_eu_zone_has_one_standard_one_daylight_with_yearly_rules(tzid):
    text = vtimezone(tzid, *WINTER).to_ical().decode()
    assert text.count("BEGIN:STANDARD") == 1 and text.count("BEGIN:DAYLIGHT") == 1
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n" in text
    assert "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n" in text
    assert "RDATE" not in text
    assert text.startswith(f"BEGIN:VTIMEZONE\r\nTZID:{tzid}\r\n")


def test_berlin_exact_component():
    text = vtimezone("Europe/Berlin", *WINTER).to_ical().decode()
    standard = text.split("BEGIN:STANDARD\r\n")[1].split("END:STANDARD")[0].splitlines()
    daylight = text.split("BEGIN:DAYLIGHT\r\n")[1].split("END:DAYLIGHT")[0].splitlines()
    assert sorted(standard) == sorted([
        "DTSTART:19701025T030000", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "TZNAME:CET", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100"])
    assert sorted(daylight) == sorted([
        "DTSTART:19700329T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "TZNAME:CEST", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200"])


def test_london_switches_at_one_utc():
    text = vtimezone("Europe/London", *WINTER).to_ical().decode()
    assert "DTSTART:19700329T010000" in text and "DTSTART:19701025T020000" in text
    assert "TZNAME:GMT" in text and "TZNAME:BST" in text


def test_us_zone_uses_nth_sunday():
    text = vtimezone("America/New_York", *YEARS).to_ical().decode()
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\n" in text  # second Sunday of March
    assert "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\n" in text  # first Sunday of November
    assert "DTSTART:19700308T020000" in text and "DTSTART:19701101T020000" in text


def test_zone_without_dst_is_one_fixed_standard():
    text = vtimezone("Asia/Tokyo", *WINTER).to_ical().decode()
    assert "BEGIN:DAYLIGHT" not in text and text.count("BEGIN:STANDARD") == 1
    assert "RRULE" not in text and "RDATE" not in text
    assert "TZOFFSETFROM:+0900" in text and "TZOFFSETTO:+0900" in text and "TZNAME:JST" in text


def test_summer_term_still_gets_both_rules():
    text = vtimezone("Europe/Berlin", *SUMMER).to_ical().decode()
    assert "BYMONTH=3;BYDAY=-1SU" in text and "BYMONTH=10;BYDAY=-1SU" in text


def test_dst_abolished_before_the_term_gives_fixed_offset():
    # Brazil's last switch was in February 2019: a later 2019 term has one constant offset.
    text = vtimezone("America/Sao_Paulo", date(2019, 3, 1), date(2019, 12, 31)).to_ical().decode()
    assert "BEGIN:DAYLIGHT" not in text and "TZOFFSETTO:-0300" in text


def test_dst_abolished_inside_the_range_is_refused():
    with pytest.raises(ValueError, match="America/Sao_Paulo"):
        vtimezone("America/Sao_Paulo", date(2019, 1, 1), date(2019, 12, 31))


def test_irregular_zone_is_refused_by_name():
    # Morocco suspends its offset for Ramadan: no yearly rule.
    with pytest.raises(ValueError, match="Africa/Casablanca"):
        vtimezone("Africa/Casablanca", *YEARS)


def test_unknown_zone_is_refused():
    with pytest.raises(ValueError, match="Mars/Olympus"):
        vtimezone("Mars/Olympus", *WINTER)


def test_output_independent_of_clock_hash_seed_and_local_zone():
    code = ("from datetime import date; from coursesite.timezones import vtimezone; "
            "import sys; sys.stdout.buffer.write(vtimezone('Europe/Berlin', date(2026, 10, 12), "
            "date(2027, 2, 13)).to_ical())")
    outputs = {
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                       check=True, env={**os.environ, "PYTHONHASHSEED": seed, "TZ": tz}).stdout
        for seed, tz in (("1", "UTC"), ("2", "America/Los_Angeles"), ("3", "Asia/Kolkata"))}
    assert outputs == {vtimezone("Europe/Berlin", *WINTER).to_ical()}


# --- meaning: what zoneinfo says ---------------------------------------------------------------

@pytest.mark.parametrize("tzid", CHECKED_ZONES)
def test_every_switch_2025_2027_matches_zoneinfo(tzid):
    found = switches(tzid, *YEARS)
    assert len(found) == 6  # two a year: the scan itself works
    assert_same_instants(tzid, *YEARS, [i for s in found for i in around(s)])


@pytest.mark.parametrize("tzid", ["Europe/Berlin", "Europe/Copenhagen"])
def test_winter_term_crossing_october_matches_zoneinfo(tzid):
    found = switches(tzid, *WINTER)
    assert [s.month for s in found] == [10]
    # Every switch of the years the VTIMEZONE was derived from, and the term's lecture hours.
    lectures = [datetime(d.year, d.month, d.day, h, 15, tzinfo=ZoneInfo(tzid)).astimezone(UTC)
                for d in days(*WINTER) for h in (8, 10, 12, 14, 16, 18)]
    every = switches(tzid, date(2026, 1, 1), date(2027, 12, 31))
    assert_same_instants(tzid, *WINTER, [i for s in every for i in around(s)] + lectures)


@pytest.mark.parametrize("tzid", ["Europe/Berlin", "Europe/Copenhagen"])
def test_summer_term_matches_zoneinfo(tzid):
    lectures = [datetime(d.year, d.month, d.day, h, 15, tzinfo=ZoneInfo(tzid)).astimezone(UTC)
                for d in days(*SUMMER) for h in (8, 12, 16)]
    every = switches(tzid, date(2026, 1, 1), date(2026, 12, 31))
    assert_same_instants(tzid, *SUMMER, [i for s in every for i in around(s)] + lectures)


def test_weekly_recurrence_across_october_switch_matches_zoneinfo():
    """recurring-ical-events expands a weekly office hour with the embedded zone: every
    occurrence keeps its 10:15 wall time and gets zoneinfo's UTC instant."""
    tzid, zone = "Europe/Berlin", ZoneInfo("Europe/Berlin")
    alias = alias_for(tzid, *WINTER, "-weekly")
    cal = calendar_with(embedded_text(tzid, *WINTER, alias), alias, ["20261013T101500"],
                        "DTEND;TZID=" + alias + ":20261013T114500\r\n"
                        "RRULE:FREQ=WEEKLY;UNTIL=20270209T091500Z\r\n")
    occurrences = recurring_ical_events.of(cal).between(date(2026, 10, 1), date(2027, 3, 1))
    starts = sorted(o.DTSTART for o in occurrences)
    wanted = [datetime(d.year, d.month, d.day, 10, 15, tzinfo=zone)
              for d in days(date(2026, 10, 13), date(2027, 2, 9), step=7)]
    assert len(starts) == len(wanted) == 18
    assert all(isinstance(s.tzinfo, _tzicalvtz) for s in starts)
    assert [s.astimezone(UTC) for s in starts] == [w.astimezone(UTC) for w in wanted]


def test_harness_notices_a_wrong_rule():
    """The checks really read the embedded rules: moving the October switch a week earlier in
    the text changes the UTC instants of the last week of October."""
    tzid = "Europe/Berlin"
    alias = alias_for(tzid, *WINTER, "-broken")
    text = embedded_text(tzid, *WINTER, alias).replace("BYMONTH=10;BYDAY=-1SU",
                                                       "BYMONTH=10;BYDAY=3SU")
    local = datetime(2026, 10, 20, 10, 15, tzinfo=ZoneInfo(tzid))  # CEST per zoneinfo
    [got] = parsed_utc(calendar_with(text, alias, [wall(local)]))
    assert got == local.astimezone(UTC) + timedelta(hours=1)


def days(first: date, last: date, step: int = 1) -> list[date]:
    """Every `step`-th day from `first` to `last` inclusive."""
    return [first + timedelta(days=k) for k in range(0, (last - first).days + 1, step)]
