"""Cross-check the feeds with independent parsers: icalendar (round trip), ical (strict),
vobject (validate=True), libical (Debian's GObject bindings, under the system python3) and
ical.js (npm; the parser Thunderbird uses). Each must report zero errors, the same UIDs, the
YAML's local times, and (with the TZID renamed to a non-IANA name, so only the embedded
VTIMEZONE can answer) the UTC instants zoneinfo gives.

These tests never skip: CI installs gir1.2-ical-3.0, python3-gi and runs `npm ci` (make test).
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess

import pytest
import vobject
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar
from test_calendar import (
    CONTENT,
    ROOT,
    UTC,
    WINTER,
    build,
    expected_events,
    naive,
    renamed_zones,
    to_utc,
    winter_assets,
)

SYSTEM_PYTHON = "/usr/bin/python3"
JS_DIR = ROOT / "tests" / "js"

# Run by the system python3, where Debian's python3-gi and gir1.2-ical-3.0 live (the venv has
# no GObject bindings). Prints {file: {errors, events: [...]}} as JSON.
LIBICAL_SCRIPT = r"""
import json, sys
import gi
gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib as I

def when(root, t):
    tzid = t.get_tzid()
    zone = root.get_timezone(tzid) if tzid else None  # the file's own VTIMEZONE
    return {"local": t.as_ical_string(), "tzid": tzid, "is_date": bool(t.is_date()),
            "utc": t.as_timet_with_zone(zone) if zone else None, "zone_found": zone is not None}

out = {}
for path in sys.argv[1:]:
    root = I.Component.new_from_string(open(path, encoding="utf-8").read())
    if root is None:
        out[path] = {"errors": -1, "events": []}
        continue
    events = []
    ev = root.get_first_component(I.ComponentKind.VEVENT_COMPONENT)
    while ev is not None:
        events.append({"uid": ev.get_uid(), "summary": ev.get_summary(),
                       "location": ev.get_location(), "description": ev.get_description(),
                       "start": when(root, ev.get_dtstart()), "end": when(root, ev.get_dtend())})
        ev = root.get_next_component(I.ComponentKind.VEVENT_COMPONENT)
    out[path] = {"errors": root.count_errors(), "events": events}
print(json.dumps(out))
"""


# --- the feeds under test ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def feeds(tmp_path_factory):
    """Every feed of both fixtures, written to files, with renamed-TZID twins and the
    expectations from the content: a list of dicts."""
    tmp = tmp_path_factory.mktemp("feeds")
    out = []
    for fixture, content, assets in (("default", CONTENT, None),
                                     ("winter", WINTER, winter_assets(tmp / "assets"))):
        built = build(content, assets)
        expected = expected_events(built.site)
        for o in built.site.offerings:
            for name in ("calendar.ics", "lectures.ics", "exams.ics", "office-hours.ics"):
                data = built.feed(o.slug, name)
                path = tmp / fixture / o.slug / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                renamed, names = renamed_zones(data, [o.timezone])
                twin = path.with_suffix(".renamed.ics")
                twin.write_bytes(renamed)
                uids = set(_uids_in(data))
                out.append({"id": f"{fixture}/{o.slug}/{name}", "path": path, "twin": twin,
                            "data": data, "tz": o.timezone, "renamed_tz": names[o.timezone],
                            "expected": {u: e for u, e in expected[o.slug].items() if u in uids},
                            "all_expected": expected[o.slug]})
    return out


def _uids_in(data: bytes) -> list[str]:
    return [line[4:] for line in data.decode().replace("\r\n ", "").split("\r\n")
            if line.startswith("UID:")]


def check_uids(feed, uids) -> None:
    """The parser saw exactly the UIDs in the file, and those are what the content implies
    for this feed (the split-feed tests check which ones those are)."""
    assert sorted(uids) == sorted(_uids_in(feed["data"])), feed["id"]
    assert set(uids) == set(feed["expected"]), feed["id"]
    assert set(feed["expected"]) <= set(feed["all_expected"])


def check_local(feed, uid, start, end) -> None:
    """Parsed start/end (naive local datetimes or dates) equal the content's."""
    want = feed["expected"][uid]
    assert (start, end) == (want.start, want.end), (feed["id"], uid)


def check_utc(feed, uid, start_utc, end_utc) -> None:
    """UTC instants (aware datetimes) computed from the embedded VTIMEZONE equal zoneinfo's."""
    want = feed["expected"][uid]
    if want.tzid is None:
        return
    assert start_utc == to_utc(want.start, want.tzid), (feed["id"], uid)
    assert end_utc == to_utc(want.end, want.tzid), (feed["id"], uid)


def from_timet(seconds) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, UTC)


def parse_local(text: str):
    """'20261012T100000' / '2026-10-12T10:00:00' -> datetime; '20261012' / '2026-10-12' -> date."""
    digits = text.replace("-", "").replace(":", "")
    if "T" in digits:
        return dt.datetime.strptime(digits, "%Y%m%dT%H%M%S")
    return dt.datetime.strptime(digits, "%Y%m%d").date()


# --- icalendar -------------------------------------------------------------------------------

def test_icalendar_round_trip_without_errors(feeds):
    for feed in feeds:
        cal = Calendar.from_ical(feed["data"])
        for component in cal.walk():
            assert component.errors == [], (feed["id"], component.name, component.errors)
        again = Calendar.from_ical(cal.to_ical())
        assert [c.name for c in again.walk()] == [c.name for c in cal.walk()]
        uids = [str(e["UID"]) for e in again.walk("VEVENT")]
        check_uids(feed, uids)
        for e in again.walk("VEVENT"):
            check_local(feed, str(e["UID"]), naive(e.decoded("DTSTART")), naive(e.decoded("DTEND")))
            for prop in ("SUMMARY", "LOCATION", "DESCRIPTION"):
                original = next(x for x in cal.walk("VEVENT") if x["UID"] == e["UID"])
                assert str(e.get(prop)) == str(original.get(prop))


# --- ical (allenporter), strict ------------------------------------------------------------------

def test_ical_strict(feeds):
    for feed in feeds:
        cal = IcsCalendarStream.calendar_from_ics(feed["data"].decode("utf-8"))
        check_uids(feed, [e.uid for e in cal.events])
        twin = IcsCalendarStream.calendar_from_ics(feed["twin"].read_text(encoding="utf-8"))
        for e in cal.events:
            check_local(feed, e.uid, naive(e.dtstart), naive(e.dtend))
            if isinstance(e.dtstart, dt.datetime):
                assert str(e.dtstart.tzinfo) == feed["tz"]
        for e in twin.events:
            if isinstance(e.dtstart, dt.datetime):
                assert feed["renamed_tz"] in repr(e.dtstart.tzinfo)
                check_utc(feed, e.uid, e.dtstart.astimezone(UTC), e.dtend.astimezone(UTC))


def test_ical_text_round_trips_special_characters(feeds):
    for feed in feeds:
        cal = IcsCalendarStream.calendar_from_ics(feed["data"].decode("utf-8"))
        reference = {str(e["UID"]): e for e in Calendar.from_ical(feed["data"]).walk("VEVENT")}
        for e in cal.events:
            ref = reference[e.uid]
            assert e.summary == str(ref["SUMMARY"])
            assert e.location == (str(ref["LOCATION"]) if "LOCATION" in ref else None)
            assert e.description == (str(ref["DESCRIPTION"]) if "DESCRIPTION" in ref else None)


def test_a_calendar_name_with_commas_semicolons_and_backslashes_is_escaped_text():
    # NAME (RFC 7986) and X-WR-CALNAME are TEXT: a course named with a comma or semicolon
    # must not read as a list, nor a backslash as an escape. The strict `ical` and vobject
    # read the escaped name back whole (icalendar and ical.js keep the value as written).
    from coursesite.calendar import calendar_header, timezone_text  # noqa: PLC0415

    name = "ML, Systems; Lab \\n 1: lectures"
    data = (calendar_header(name, "Europe/Berlin")
            + timezone_text("Europe/Berlin", dt.date(2026, 4, 1), dt.date(2026, 7, 31))
            + b"END:VCALENDAR\r\n").decode("utf-8")
    assert "NAME:ML\\, Systems\\; Lab \\\\n 1: lectures\r\n" in data
    assert IcsCalendarStream.calendar_from_ics(data).name == [name]
    read = vobject.readOne(data, validate=True)
    assert read.contents["name"][0].value == read.contents["x-wr-calname"][0].value == name


# --- vobject -------------------------------------------------------------------------------------

def test_vobject_validates(feeds):
    for feed in feeds:
        cal = vobject.readOne(feed["data"].decode("utf-8"), validate=True)
        vevents = getattr(cal, "vevent_list", [])
        check_uids(feed, [v.uid.value for v in vevents])
        reference = {str(e["UID"]): e for e in Calendar.from_ical(feed["data"]).walk("VEVENT")}
        for v in vevents:
            check_local(feed, v.uid.value, naive(v.dtstart.value), naive(v.dtend.value))
            assert v.summary.value == str(reference[v.uid.value]["SUMMARY"])
            if hasattr(v, "location"):
                assert v.location.value == str(reference[v.uid.value]["LOCATION"])
        twin = vobject.readOne(feed["twin"].read_text(encoding="utf-8"), validate=True)
        for v in getattr(twin, "vevent_list", []):
            if isinstance(v.dtstart.value, dt.datetime):
                check_utc(feed, v.uid.value, v.dtstart.value.astimezone(UTC),
                          v.dtend.value.astimezone(UTC))


# --- libical --------------------------------------------------------------------------------------

def run_libical(paths) -> dict:
    """libical's view of each file, through the system python3 (fails loudly when missing)."""
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import gi; gi.require_version('ICalGLib', "
                            "'3.0'); from gi.repository import ICalGLib"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.fail(f"libical is not usable from {SYSTEM_PYTHON}: install the Debian packages "
                    f"python3-gi and gir1.2-ical-3.0 (as .ci/run does).\n{probe.stderr}")
    out = subprocess.run([SYSTEM_PYTHON, "-c", LIBICAL_SCRIPT, *map(str, paths)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_libical(feeds, libical):
    for feed in feeds:
        view = libical[str(feed["path"])]
        assert view["errors"] == 0, feed["id"]
        check_uids(feed, [e["uid"] for e in view["events"]])
        reference = {str(e["UID"]): e for e in Calendar.from_ical(feed["data"]).walk("VEVENT")}
        for e in view["events"]:
            check_local(feed, e["uid"], parse_local(e["start"]["local"]),
                        parse_local(e["end"]["local"]))
            assert e["summary"] == str(reference[e["uid"]]["SUMMARY"])
            if e["start"]["tzid"]:
                assert e["start"]["tzid"] == feed["tz"] and e["start"]["zone_found"]
        twin = libical[str(feed["twin"])]
        assert twin["errors"] == 0
        for e in twin["events"]:
            if not e["start"]["is_date"]:
                assert e["start"]["zone_found"], "the renamed zone must come from the file"
                check_utc(feed, e["uid"], from_timet(e["start"]["utc"]),
                          from_timet(e["end"]["utc"]))


# --- ical.js ------------------------------------------------------------------------------------

def run_icaljs(paths) -> dict:
    """ical.js's view of each file (node tests/js/parse.mjs); fails loudly when not installed."""
    if shutil.which("node") is None:
        pytest.fail("node is not installed; CI's image has node 20 (see .ci/run)")
    if not (JS_DIR / "node_modules" / "ical.js").is_dir():
        pytest.fail("ical.js is not installed: run `npm ci --prefix tests/js` (make test does)")
    out = subprocess.run(["node", str(JS_DIR / "parse.mjs"), *map(str, paths)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"ical.js could not parse the feeds:\n{out.stderr}"
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def icaljs(feeds) -> dict:
    """One node process for every feed and its renamed twin (node starts slowly)."""
    return run_icaljs([f["path"] for f in feeds] + [f["twin"] for f in feeds])


@pytest.fixture(scope="module")
def libical(feeds) -> dict:
    return run_libical([f["path"] for f in feeds] + [f["twin"] for f in feeds])


def test_icaljs(feeds, icaljs):
    for feed in feeds:
        view = icaljs[str(feed["path"])]
        assert view["errors"] == [], (feed["id"], view["errors"])
        check_uids(feed, [e["uid"] for e in view["events"]])
        assert view["calendar"]["name"] == view["calendar"]["x_wr_calname"]
        assert view["calendar"]["timezones"] == [feed["tz"]]
        reference = {str(e["UID"]): e for e in Calendar.from_ical(feed["data"]).walk("VEVENT")}
        for e in view["events"]:
            check_local(feed, e["uid"], parse_local(e["start"]["local"]),
                        parse_local(e["end"]["local"]))
            assert e["summary"] == str(reference[e["uid"]]["SUMMARY"])
            assert e["alarms"] == 0
            want = feed["expected"][e["uid"]]
            if len(want.occurrences) > 1:  # office hours: ical.js expands RRULE and EXDATE
                assert [parse_local(x) for x in e["occurrences"]] == list(want.occurrences)
        twin = icaljs[str(feed["twin"])]
        assert twin["errors"] == []
        for e in twin["events"]:
            if not e["start"]["is_date"]:
                check_utc(feed, e["uid"], from_timet(e["start"]["utc"]),
                          from_timet(e["end"]["utc"]))


# --- all together ---------------------------------------------------------------------------------

def test_all_parsers_agree_on_the_uids(feeds, libical, icaljs):
    """One place that states the contract: five parsers, one UID set per feed."""
    for feed in feeds:
        text = feed["data"].decode("utf-8")
        sets = {
            "icalendar": {str(e["UID"]) for e in Calendar.from_ical(text).walk("VEVENT")},
            "ical": {e.uid for e in IcsCalendarStream.calendar_from_ics(text).events},
            "vobject": {v.uid.value for v in getattr(vobject.readOne(text, validate=True),
                                                     "vevent_list", [])},
            "libical": {e["uid"] for e in libical[str(feed["path"])]["events"]},
            "ical.js": {e["uid"] for e in icaljs[str(feed["path"])]["events"]},
        }
        assert len({frozenset(s) for s in sets.values()}) == 1, (feed["id"], sets)
        assert sets["icalendar"] == set(feed["expected"])
