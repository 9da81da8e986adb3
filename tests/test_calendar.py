"""The iCalendar feeds: every item of CALENDAR.md's test checklist, for the default content and
the winter fixture (a term across the October DST switch and New Year, a second offering in
Copenhagen, a blocked course, cancelled, unnumbered and TBD items, awkward characters).

Everything builds from fixtures under tests/ (tests/fixtures/amls is a frozen copy of the AMLS
Summer 2026 offering); never from the repository's content/.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from helpers import theme_assets
from icalendar import Calendar

from coursesite import calendar as C
from coursesite import schema as S
from coursesite import text as T
from coursesite.dates import office_hour_dates
from coursesite.model import load_site, valid_timezone

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "tests" / "fixtures" / "amls"
WINTER = ROOT / "tests" / "fixtures" / "winter"
GOLDEN = ROOT / "tests" / "golden" / "ics"
UTC = dt.timezone.utc
T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)   # "first build"
T1 = dt.datetime(2026, 6, 1, 8, 30, tzinfo=UTC)   # "a later build"
FEED_NAMES = tuple(feed.name for feed in T.labels("en").feeds)
FEED_SUFFIX = {feed.name: feed.suffix for feed in T.labels("en").feeds}


# --- building -------------------------------------------------------------------------------

def winter_assets(dest: Path) -> Path:
    """An assets folder holding the theme and the one local material the winter fixture
    links to."""
    theme_assets(dest)
    (dest / "ws26_xyz").mkdir(parents=True, exist_ok=True)
    (dest / "ws26_xyz" / "01-intro.pdf").write_bytes(b"%PDF-1.4\n")
    return dest


@dataclass
class Built:
    """One calendar build: the site, its feeds (path -> bytes), each offering's versions
    (the earlier ones given, then the content's own) and change record."""

    site: object
    files: dict
    versions: dict
    records: dict

    def feed(self, slug: str, name: str = "calendar.ics") -> bytes:
        return self.files[f"{slug}/{name}"]


def build(content: Path, assets: Path | None, history: dict | None = None, when=T0) -> Built:
    """The feeds of `content` as the build makes them, after the earlier `history` (slug ->
    Versions): the content is one more version made at `when` unless its events are unchanged."""
    site = load_site(content, assets)
    files, versions, records = {}, {}, {}
    for o in site.offerings:
        past = list((history or {}).get(o.slug, ()))
        events = C.snapshot(site, o)
        if not past or past[-1].events != events:
            past.append(C.Version(f"v{len(past)}", when, events))
        versions[o.slug], records[o.slug] = past, C.replay(past)
        files.update(C.offering_feeds(site, o, records[o.slug]))
    return Built(site, files, versions, records)


def copy_content(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest)
    return dest


@pytest.fixture(params=["default", "winter"])
def built(request, tmp_path) -> Built:
    """The default content and the winter fixture, each built once with an empty state."""
    if request.param == "default":
        return build(CONTENT, None)
    return build(WINTER, winter_assets(tmp_path / "assets"))


@pytest.fixture
def winter(tmp_path) -> Built:
    return build(WINTER, winter_assets(tmp_path / "assets"))


# --- reading feeds ----------------------------------------------------------------------------

def unfolded(data: bytes) -> list[str]:
    """Content lines with folding undone (CRLF + one space/tab continues a line)."""
    return data.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]


def vevent_blocks(data: bytes) -> dict[str, bytes]:
    """UID -> the raw bytes of its VEVENT, BEGIN to END."""
    blocks = re.findall(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", data, re.S)
    return {re.search(rb"\r\nUID:([^\r]+)\r\n", b).group(1).decode(): b for b in blocks}


def lines_of(block: bytes, name: str) -> list[str]:
    """Unfolded lines of property `name` (with parameters) in a block."""
    return [line for line in unfolded(block) if re.match(rf"{name}[;:]", line)]


def value_of(block: bytes, name: str) -> str | None:
    found = lines_of(block, name)
    return found[0].split(":", 1)[1] if found else None


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def events(data: bytes) -> dict:
    """UID -> icalendar Event."""
    return {str(e["UID"]): e for e in parse(data).walk("VEVENT")}


def uid(slug: str, key: str) -> str:
    return C.event_uid(slug, key)


# --- what the YAML implies ----------------------------------------------------------------------

@dataclass(frozen=True)
class Expected:
    """What the content says about one event: local start/end (naive) or dates, and the zone."""

    kind: str
    start: dt.date | dt.datetime
    end: dt.date | dt.datetime
    tzid: str | None
    occurrences: tuple  # local starts of every occurrence


def expected_events(site) -> dict[str, dict[str, Expected]]:
    """slug -> UID -> Expected, straight from the validated content (TBD items left out)."""
    out = {}
    for o in site.offerings:
        tz, found = o.timezone, {}
        for s in o.sessions:
            if s.date_only:
                end = s.day + dt.timedelta(days=1)
                found[uid(o.slug, s.key)] = Expected("lecture", s.day, end, None, (s.day,))
            elif s.day is not None:
                found[uid(o.slug, s.key)] = Expected("lecture", s.start, s.end, tz, (s.start,))
        per_day = {}
        for oh in o.course.weekly.office_hours:
            per_day[oh.weekday] = per_day.get(oh.weekday, 0) + 1
            key = f"office-hours/{oh.weekday}" + (f"-{per_day[oh.weekday]}"
                                                  if per_day[oh.weekday] > 1 else "")
            days = office_hour_dates(o, oh)
            starts = tuple(dt.datetime.combine(d, oh.start) for d in days)
            found[uid(o.slug, key)] = Expected("office-hours", starts[0],
                                               dt.datetime.combine(days[0], oh.end), tz, starts)
        for e in o.organization.exams:
            if e.date is S.TBD:
                continue
            if e.start:
                start = dt.datetime.combine(e.date, e.start)
                found[uid(o.slug, f"exam/{e.id}")] = Expected(
                    "exam", start, dt.datetime.combine(e.date, e.end), tz, (start,))
            else:
                found[uid(o.slug, f"exam/{e.id}")] = Expected(
                    "exam", e.date, e.date + dt.timedelta(days=1), None, (e.date,))
        for d in o.organization.deadlines:
            if d.date is not S.TBD:
                found[uid(o.slug, f"deadline/{d.id}")] = Expected(
                    "deadline", d.date, d.date + dt.timedelta(days=1), None, (d.date,))
        out[o.slug] = found
    return out


def naive(value):
    """A parsed DTSTART as the content writes it: local naive datetime, or a date."""
    return value.replace(tzinfo=None) if isinstance(value, dt.datetime) else value


def to_utc(local: dt.datetime, tzid: str) -> dt.datetime:
    return local.replace(tzinfo=ZoneInfo(tzid)).astimezone(UTC)


def renamed_zones(data: bytes, zones) -> tuple[bytes, dict]:
    """The feed with every zone renamed to a non-IANA TZID, so a parser can only use the
    embedded VTIMEZONE (a unique name per call: icalendar caches zones by TZID)."""
    text, names = data.decode("utf-8"), {}
    for zone in zones:
        names[zone] = f"CS-TEST-{uuid.uuid4().hex[:8]}"
        text = text.replace(zone, names[zone])
    return text.encode("utf-8"), names


# === File ======================================================================================

def test_file_is_utf8_framed_crlf_and_folded_at_75_octets(built):
    for path, data in built.files.items():
        text = data.decode("utf-8")
        assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n"), path
        assert "\n" not in text.replace("\r\n", ""), f"{path}: bare LF"
        assert "\r" not in text.replace("\r\n", ""), f"{path}: bare CR"
        for line in data.split(b"\r\n"):
            assert len(line) <= 75, f"{path}: {len(line)} octets: {line!r}"
            line.decode("utf-8")  # a fold inside a UTF-8 sequence would fail here


def test_folding_actually_happens_on_long_non_ascii_lines(winter):
    """The winter fixture has long non-ASCII lines, so the checks above are not vacuous."""
    data = winter.feed("ws26_xyz")
    assert b"\r\n " in data
    assert any(len(line) >= 70 and not line.isascii() for line in data.decode().split("\r\n"))


def test_special_characters_round_trip(winter):
    ev = events(winter.feed("ws26_xyz"))
    first = ev[uid("ws26_xyz", "lecture/01")]
    assert str(first["SUMMARY"]) == "XYZ 01: Introduction, Überblick; Paths like C:\\temp\\x"
    assert str(first["LOCATION"]) == ("HS 1, Hörsaalgebäude; Nord, Flügel \\ A, "
                                      "Straße des 17. Juni 135, 10623 Berlin")
    assert str(first["DESCRIPTION"]).splitlines()[0] == "Part A: Foundations, Ümlauts; and more"
    qa = ev[uid("ws26_xyz", "lecture/q-a-exam-preparation-review-part-2")]
    assert str(qa["SUMMARY"]) == "XYZ: Q&A: Exam Preparation; Review, Part \\ 2"
    cancelled = ev[uid("ws26_xyz", "lecture/08")]
    assert "faculty assembly;\nthe content moves" in str(cancelled["DESCRIPTION"])
    # the raw text escapes what RFC 5545 says must be escaped
    assert "SUMMARY:XYZ 01: Introduction\\, Überblick\\; Paths like C:\\\\temp\\\\x" in \
        unfolded(winter.feed("ws26_xyz"))


# === Calendar ==================================================================================

@pytest.mark.parametrize("name", FEED_NAMES)
def test_calendar_properties(built, name):
    for o in built.site.offerings:
        lines = unfolded(built.feed(o.slug, name))
        head = lines[:1 + next(i for i, line in enumerate(lines[1:]) if line.startswith("BEGIN:"))]
        assert head.count("VERSION:2.0") == 1
        assert sum(line.startswith("VERSION") for line in lines) == 1
        assert [line for line in lines if line.startswith("PRODID")] == [f"PRODID:{C.PRODID}"]
        assert not any(line.startswith("METHOD") for line in lines)
        base = f"{o.course.short} {o.term_label}"
        want = base if name == "calendar.ics" else f"{base}: {FEED_SUFFIX[name]}"
        assert f"NAME:{want}" in head and f"X-WR-CALNAME:{want}" in head
        assert "REFRESH-INTERVAL;VALUE=DURATION:PT6H" in head
        assert "X-PUBLISHED-TTL:PT6H" in head
        assert f"X-WR-TIMEZONE:{o.timezone}" in head
        used = set(re.findall(r";TZID=([^:;]+)", "\n".join(lines)))
        assert used <= {o.timezone}, "X-WR-TIMEZONE must be the single zone used"


def test_default_calendar_names():
    files = build(CONTENT, None).files
    assert "NAME:AMLS Summer 2026" in unfolded(files["ss26_amls/calendar.ics"])
    assert "NAME:AMLS Summer 2026: lectures" in unfolded(files["ss26_amls/lectures.ics"])


# === Time zones ================================================================================

def test_tzids_used_equal_vtimezones_and_are_iana(built):
    for path, data in built.files.items():
        lines = unfolded(data)
        used = set(re.findall(r";TZID=([^:;]+)", "\n".join(lines)))
        defined = {line[5:] for line in lines if line.startswith("TZID:")}
        x_wr = {line.split(":", 1)[1] for line in lines if line.startswith("X-WR-TIMEZONE:")}
        if used:
            assert used == defined, path
        else:  # all-day items only (or none): the zone X-WR-TIMEZONE names is still defined
            assert defined == x_wr, path
        assert len(defined) == sum(line == "BEGIN:VTIMEZONE" for line in lines), path
        assert all(valid_timezone(z) for z in defined), path
        assert "TZID=UTC" not in "\n".join(lines)


DATE_TIME_PROPS = ("DTSTART", "DTEND", "EXDATE", "RDATE", "RECURRENCE-ID", "DTSTAMP",
                   "LAST-MODIFIED", "CREATED")


def test_no_floating_times_and_utc_only_as_z(built):
    for path, data in built.files.items():
        lines = unfolded(data)
        inside_tz = False
        for line in lines:
            inside_tz = {"BEGIN:VTIMEZONE": True, "END:VTIMEZONE": False}.get(line, inside_tz)
            name, _, value = line.partition(":")
            prop = name.split(";")[0]
            if inside_tz or prop not in DATE_TIME_PROPS:
                continue  # VTIMEZONE DTSTARTs are local by definition (RFC 5545 3.6.5)
            if "VALUE=DATE" in name and "VALUE=DATE-TIME" not in name:
                assert re.fullmatch(r"\d{8}(,\d{8})*", value), line
            elif ";TZID=" in name:
                assert re.fullmatch(r"\d{8}T\d{6}(,\d{8}T\d{6})*", value), line
            else:
                assert re.fullmatch(r"\d{8}T\d{6}Z(,\d{8}T\d{6}Z)*", value), f"{path}: {line}"
            if prop in ("DTSTAMP", "LAST-MODIFIED"):
                assert value.endswith("Z"), line
        for line in lines:
            if line.startswith("RRULE") and "UNTIL=" in line:
                assert re.search(r"UNTIL=\d{8}T\d{6}Z", line), line


def _zone_offsets(data: bytes, tzid: str):
    """A function local naive datetime -> UTC offset, from the feed's embedded VTIMEZONE only."""
    renamed, names = renamed_zones(data, [tzid])
    tz_component = next(c for c in parse(renamed).walk("VTIMEZONE"))
    tzinfo = tz_component.to_tz(lookup_tzid=False)
    return lambda local: local.replace(tzinfo=tzinfo).utcoffset()


def test_vtimezone_covers_every_dst_switch_of_the_term(built):
    """Each hour from the first to the last event (and the whole term): the embedded
    VTIMEZONE's UTC offset equals zoneinfo's, across every switch (October for winter terms)."""
    for o in built.site.offerings:
        offset = _zone_offsets(built.feed(o.slug), o.timezone)
        zone = ZoneInfo(o.timezone)
        days = [o.course.term.start, o.course.term.end]
        for e in expected_events(built.site)[o.slug].values():
            days += [day_of(e.start), day_of(e.end)]
        moment, switches = dt.datetime.combine(min(days), dt.time(0)), 0
        while moment.date() <= max(days):
            if zone.utcoffset(moment) != zone.utcoffset(moment - dt.timedelta(hours=1)):
                switches += 1
            if not ambiguous_or_missing(moment, zone):  # their reading is a convention
                assert offset(moment) == zone.utcoffset(moment), (o.slug, moment)
            moment += dt.timedelta(hours=1)
        if o.course.term.season == "winter":
            assert switches >= 1, "the winter term crosses the October switch"


def day_of(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def ambiguous_or_missing(local: dt.datetime, zone: ZoneInfo) -> bool:
    """True for a local time that occurs twice or never on a DST switch day."""
    round_trip = local.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return round_trip != local or zone.utcoffset(local) != zone.utcoffset(local.replace(fold=1))


def test_utc_instants_from_embedded_vtimezone_equal_zoneinfo(built):
    """Rename the TZID to a non-IANA name, parse, convert to UTC: the embedded VTIMEZONE must
    give the instant zoneinfo gives for the YAML's local time."""
    expected = expected_events(built.site)
    for o in built.site.offerings:
        renamed, _ = renamed_zones(built.feed(o.slug), [o.timezone])
        for u, event in events(renamed).items():
            want = expected[o.slug][u]
            start, end = event.decoded("DTSTART"), event.decoded("DTEND")
            if want.tzid is None:
                assert (start, end) == (want.start, want.end)
                continue
            assert start.tzinfo is not None and "CS-TEST" in str(start.tzinfo)
            assert start.astimezone(UTC) == to_utc(want.start, want.tzid), (o.slug, u)
            assert end.astimezone(UTC) == to_utc(want.end, want.tzid), (o.slug, u)


def test_winter_instants_around_the_october_switch(winter):
    """Spot checks written out by hand, independent of the model: CEST before Oct 25, CET after."""
    renamed, _ = renamed_zones(winter.feed("ws26_xyz"), ["Europe/Berlin"])
    ev = events(renamed)

    def start(key):
        return ev[uid("ws26_xyz", key)].decoded("DTSTART").astimezone(UTC)

    assert start("lecture/02") == dt.datetime(2026, 10, 19, 8, 0, tzinfo=UTC)
    assert start("lecture/03") == dt.datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    assert start("lecture/11") == dt.datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    assert start("exam/final") == dt.datetime(2027, 2, 17, 9, 0, tzinfo=UTC)
    renamed, _ = renamed_zones(winter.feed("ws26_dk"), ["Europe/Copenhagen"])
    dk = events(renamed)
    assert dk[uid("ws26_dk", "lecture/02")].decoded("DTSTART").astimezone(UTC) == \
        dt.datetime(2026, 10, 26, 12, 0, tzinfo=UTC)


# === Events ====================================================================================

def test_every_event_has_the_required_properties(built):
    for path, data in built.files.items():
        blocks = re.findall(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", data, re.S)
        uids = [value_of(b, "UID") for b in blocks]
        assert len(uids) == len(set(uids)), f"{path}: duplicate UIDs"
        for u, event in events(data).items():
            for prop in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE"):
                assert prop in event, (path, u, prop)
            start, end = event.decoded("DTSTART"), event.decoded("DTEND")
            assert type(start) is type(end), (path, u)
            assert end > start, (path, u)
            assert not event.subcomponents, "no VALARM (nor anything else) inside events"
        assert b"VALARM" not in data


def test_uids_are_uuid5_of_offering_and_key():
    assert C.event_uid("ss26_amls", "lecture/07") == \
        f"{uuid.uuid5(C.UID_NAMESPACE, 'ss26_amls/lecture/07')}@coursesite"
    # The namespace is fixed forever: this literal guards against an accidental change.
    assert C.event_uid("ss26_amls", "lecture/07") == \
        "cd354fc3-3015-5a8f-b295-d0522fe87fdf@coursesite"
    assert str(C.UID_NAMESPACE) == "5b1c8f0e-2a61-4c38-9a53-0c7e2f1d6a90"


def test_local_times_equal_the_yaml(built):
    expected = expected_events(built.site)
    for o in built.site.offerings:
        got = events(built.feed(o.slug))
        assert set(got) == set(expected[o.slug])
        for u, event in got.items():
            want = expected[o.slug][u]
            assert naive(event.decoded("DTSTART")) == want.start, (o.slug, u)
            assert naive(event.decoded("DTEND")) == want.end, (o.slug, u)
            if want.tzid:
                assert event["DTSTART"].params["TZID"] == want.tzid
                assert event["DTEND"].params["TZID"] == want.tzid


def test_split_feeds_hold_their_kinds_and_calendar_holds_all(built):
    expected = expected_events(built.site)
    for o in built.site.offerings:
        kinds = {u: e.kind for u, e in expected[o.slug].items()}
        every = set(vevent_blocks(built.feed(o.slug)))
        parts = set()
        for name, wanted in ((f.name, f.kinds) for f in T.labels("en").feeds):
            uids = set(vevent_blocks(built.feed(o.slug, name)))
            assert uids == {u for u, k in kinds.items() if k in wanted}, (o.slug, name)
            parts |= uids if name != "calendar.ics" else set()
            for u, block in vevent_blocks(built.feed(o.slug, name)).items():
                assert block == vevent_blocks(built.feed(o.slug))[u]
        assert parts == every


def test_events_are_sorted_by_start(built):
    """By local start (one zone per feed), all-day items first on their day."""
    for path, data in built.files.items():
        starts = [value_of(b, "DTSTART").ljust(15, "0") for b in vevent_blocks(data).values()]
        assert starts == sorted(starts), path


def test_two_lectures_on_one_date_are_two_events(winter):
    ev = events(winter.feed("ws26_dk"))
    on_day = [e for e in ev.values() if naive(e.decoded("DTSTART")).date() ==
              dt.date(2026, 10, 26) and str(e["SUMMARY"]).startswith("DSB 0")]
    assert sorted(naive(e.decoded("DTSTART")).hour for e in on_day) == [9, 13]
    assert len({str(e["UID"]) for e in on_day}) == 2


def test_tbd_items_are_absent(built):
    for o in built.site.offerings:
        data = built.feed(o.slug)
        tbd = [uid(o.slug, s.key) for s in o.sessions if s.lecture.date is S.TBD]
        tbd += [uid(o.slug, f"exam/{e.id}") for e in o.organization.exams if e.date is S.TBD]
        tbd += [uid(o.slug, f"deadline/{d.id}") for d in o.organization.deadlines
                if d.date is S.TBD]
        for u in tbd:
            assert u.encode() not in data
    if "ss26_amls" in {o.slug for o in built.site.offerings}:  # final exam and projects: TBD
        assert b"BEGIN:VEVENT" not in built.feed("ss26_amls", "exams.ics")


def test_lecture_event_content_default():
    b = build(CONTENT, None)
    block = vevent_blocks(b.feed("ss26_amls"))[uid("ss26_amls", "lecture/03")]
    assert value_of(block, "SUMMARY") == \
        "AMLS 03: Size Inference\\, Rewrites\\, and Operator Selection"
    assert value_of(block, "LOCATION") == ("BH-N 243\\, Bauingenieurgebäude (BH-N)\\, "
                                           "Hardenbergstraße 40A\\, 10623 Berlin")
    event = events(b.feed("ss26_amls"))[uid("ss26_amls", "lecture/03")]
    assert "Online via Zoom" in str(event["DESCRIPTION"]).splitlines()
    assert "URL" not in event and "CONFERENCE" not in event  # no base_url, Zoom without URL
    assert str(event["STATUS"]) == "CONFIRMED"


def test_lecture_event_content_with_base_url(winter):
    block = vevent_blocks(winter.feed("ws26_xyz"))[uid("ws26_xyz", "lecture/01")]
    assert lines_of(block, "CONFERENCE") == [
        "CONFERENCE;LABEL=Zoom;VALUE=URI:https://zoom.example.org/j/123456?pwd=abc"]
    assert value_of(block, "URL") == "https://teaching.example.org/dams/ws26_xyz/index.html"
    description = str(events(winter.feed("ws26_xyz"))[uid("ws26_xyz", "lecture/01")]
                      ["DESCRIPTION"]).splitlines()
    assert "Online via Zoom: https://zoom.example.org/j/123456?pwd=abc" in description
    assert "Online via Stream" in description  # a link without URL: the label alone
    assert ("Slides (PDF): https://teaching.example.org/dams/assets/ws26_xyz/01-intro.pdf"
            in description)
    assert "Video: https://video.example.org/xyz/01" in description


def test_local_materials_are_left_out_without_base_url(tmp_path):
    content = copy_content(WINTER, tmp_path / "content")
    site_yaml = content / "site.yaml"
    site_yaml.write_text(re.sub(r"(?m)^base_url:.*\n", "", site_yaml.read_text()))
    b = build(content, winter_assets(tmp_path / "assets"))
    event = events(b.feed("ws26_xyz"))[uid("ws26_xyz", "lecture/01")]
    description = str(event["DESCRIPTION"])
    assert "01-intro.pdf" not in description and "Slides" not in description
    assert "Video: https://video.example.org/xyz/01" in description
    assert "URL" not in event
    assert "CONFERENCE" in event  # the Zoom URL is absolute anyway


def test_cancelled_lecture_keeps_its_event(winter):
    block = vevent_blocks(winter.feed("ws26_xyz"))[uid("ws26_xyz", "lecture/08")]
    assert value_of(block, "STATUS") == "CANCELLED"
    assert value_of(block, "SUMMARY") == "Cancelled: XYZ 08: Fault Tolerance"


def test_unnumbered_session_has_no_number(winter):
    summaries = [str(e["SUMMARY"]) for e in events(winter.feed("ws26_xyz")).values()]
    assert "XYZ: Q&A: Exam Preparation; Review, Part \\ 2" in summaries


def test_exams_and_deadlines(winter):
    blocks = vevent_blocks(winter.feed("ws26_xyz", "exams.ics"))
    final = blocks[uid("ws26_xyz", "exam/final")]
    assert lines_of(final, "DTSTART") == ["DTSTART;TZID=Europe/Berlin:20270217T100000"]
    assert lines_of(final, "DTEND") == ["DTEND;TZID=Europe/Berlin:20270217T120000"]
    assert value_of(final, "TRANSP") is None
    resit = blocks[uid("ws26_xyz", "exam/resit")]
    assert lines_of(resit, "DTSTART") == ["DTSTART;VALUE=DATE:20270330"]
    assert lines_of(resit, "DTEND") == ["DTEND;VALUE=DATE:20270331"]
    assert value_of(resit, "TRANSP") == "TRANSPARENT"
    assert value_of(resit, "LOCATION") == "Room to be announced\\, Building \\\\ TBA"
    project = blocks[uid("ws26_xyz", "deadline/project")]
    assert value_of(project, "SUMMARY") == \
        "XYZ deadline: Project report\\; code\\, slides (due 23:59)"
    assert lines_of(project, "DTSTART") == ["DTSTART;VALUE=DATE:20270115"]
    assert lines_of(project, "DTEND") == ["DTEND;VALUE=DATE:20270116"]
    assert value_of(project, "TRANSP") == "TRANSPARENT"
    reviews = blocks[uid("ws26_xyz", "deadline/reviews")]
    assert value_of(reviews, "SUMMARY") == "XYZ deadline: Peer reviews"
    assert set(blocks) == {uid("ws26_xyz", k) for k in
                           ("exam/final", "exam/resit", "deadline/project", "deadline/reviews")}


def test_office_hours_repeat_weekly_with_exdates_in_the_same_zone(winter):
    blocks = vevent_blocks(winter.feed("ws26_xyz", "office-hours.ics"))
    assert set(blocks) == {uid("ws26_xyz", "office-hours/wed"),
                           uid("ws26_xyz", "office-hours/wed-2")}
    first = blocks[uid("ws26_xyz", "office-hours/wed")]
    assert lines_of(first, "DTSTART") == ["DTSTART;TZID=Europe/Berlin:20261014T140000"]
    assert lines_of(first, "EXDATE") == [
        "EXDATE;TZID=Europe/Berlin:20261118T140000,20261223T140000,20261230T140000"]
    dk = vevent_blocks(winter.feed("ws26_dk", "office-hours.ics"))
    (block,) = dk.values()
    # Christmas Day and New Year's Day 2026/27 are Fridays: DK public holidays
    assert lines_of(block, "EXDATE") == [
        "EXDATE;TZID=Europe/Copenhagen:20261225T100000,20270101T100000"]


def test_expanded_occurrences_equal_the_yaml(built):
    """recurring-ical-events expands RRULE/EXDATE: the result is exactly the content's dates
    (every lecture, every office_hour_dates day, every dated exam and deadline)."""
    expected = expected_events(built.site)
    for o in built.site.offerings:
        cal = parse(built.feed(o.slug))
        got = set()
        for occurrence in recurring_ical_events.of(cal).between((2000, 1, 1), (2100, 1, 1)):
            got.add((str(occurrence["UID"]), naive(occurrence.decoded("DTSTART"))))
        want = {(u, start) for u, e in expected[o.slug].items() for start in e.occurrences}
        assert got == want, o.slug


def test_repeated_session_titles_get_their_own_uids(tmp_path):
    """Two unnumbered sessions with one title (both days of a blocked course) are two events:
    the first keeps the title's UID, the repeat gets its own, and neither depends on a date."""
    content = copy_content(WINTER, tmp_path / "content")
    lectures = content / "ws26_xyz" / "lectures.yaml"
    lectures.write_text(lectures.read_text() + "      - {title: 'Q&A: Exam Preparation; Review, "
                        "Part \\ 2', date: 2027-02-09, start: '10:00', end: '11:00'}\n")
    result = build(content, winter_assets(tmp_path / "assets"))
    o = next(o for o in result.site.offerings if o.slug == "ws26_xyz")
    repeated = [s for s in o.sessions if s.lecture.title.startswith("Q&A")]
    assert len(repeated) == 2
    first, second = (s.key for s in repeated)
    assert second == first + "-2"
    feed = events(result.feed("ws26_xyz"))
    assert {uid("ws26_xyz", first), uid("ws26_xyz", second)} <= set(feed)


# === Changes: SEQUENCE, LAST-MODIFIED, DTSTAMP ===================================================

def rebuild_after(content: Path, assets: Path, edit) -> tuple[Built, Built]:
    """A first build at T0, the edit, and a second build at T1 after the first's version."""
    first = build(content, assets, {}, T0)
    edit(content)
    return first, build(content, assets, first.versions, T1)


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_moving_lecture_7_keeps_uid_raises_sequence_and_nothing_else_changes(tmp_path):
    content = copy_content(CONTENT, tmp_path / "content")
    lectures = content / "ss26_amls" / "lectures.yaml"
    first, second = rebuild_after(content, None, lambda _c: replace_in(
        lectures, "LLM Training and Inference, date: 2026-06-04",
        "LLM Training and Inference, date: 2026-06-05, start: '10:00', end: '12:00'"))
    seven = uid("ss26_amls", "lecture/07")
    for name in FEED_NAMES:
        before, after = vevent_blocks(first.feed("ss26_amls", name)), \
            vevent_blocks(second.feed("ss26_amls", name))
        assert set(before) == set(after)
        for u in before:
            if u != seven:
                assert before[u] == after[u], (name, u)
    moved = vevent_blocks(second.feed("ss26_amls"))[seven]
    assert value_of(moved, "SEQUENCE") == "1"
    assert value_of(moved, "DTSTAMP") == value_of(moved, "LAST-MODIFIED") == "20260601T083000Z"
    assert lines_of(moved, "DTSTART") == ["DTSTART;TZID=Europe/Berlin:20260605T100000"]
    old = vevent_blocks(first.feed("ss26_amls"))[seven]
    assert value_of(old, "SEQUENCE") == "0" and value_of(old, "DTSTAMP") == "20260301T120000Z"


def test_cancelling_a_lecture_raises_sequence(tmp_path):
    content = copy_content(CONTENT, tmp_path / "content")
    lectures = content / "ss26_amls" / "lectures.yaml"
    first, second = rebuild_after(content, None, lambda _c: replace_in(
        lectures, "Parameter Servers, date: 2026-05-28}",
        "Parameter Servers, date: 2026-05-28, status: cancelled}"))
    block = vevent_blocks(second.feed("ss26_amls"))[uid("ss26_amls", "lecture/06")]
    assert value_of(block, "STATUS") == "CANCELLED"
    assert value_of(block, "SUMMARY") == "Cancelled: AMLS 06: Parameter Servers"
    assert value_of(block, "SEQUENCE") == "1"
    others = [u for u in vevent_blocks(first.feed("ss26_amls"))
              if u != uid("ss26_amls", "lecture/06")]
    assert all(vevent_blocks(first.feed("ss26_amls"))[u] == vevent_blocks(
        second.feed("ss26_amls"))[u] for u in others)


def test_description_only_change_keeps_sequence(tmp_path):
    """Adding slides is not a change subscribers must be told about (not significant)."""
    content = copy_content(WINTER, tmp_path / "content")
    assets = winter_assets(tmp_path / "assets")
    first, second = rebuild_after(content, assets, lambda c: replace_in(
        c / "ws26_xyz" / "lectures.yaml", "{number: 2, title: Before the switch, date: 2026-10-19}",
        "{number: 2, title: Before the switch, date: 2026-10-19, materials: "
        "[{kind: video, url: 'https://video.example.org/2'}]}"))
    block = vevent_blocks(second.feed("ws26_xyz"))[uid("ws26_xyz", "lecture/02")]
    assert value_of(block, "SEQUENCE") == "0"
    assert "video.example.org/2" in value_of(block, "DESCRIPTION")


def test_new_holiday_exclusion_raises_office_hours_sequence(tmp_path):
    content = copy_content(WINTER, tmp_path / "content")
    first, second = rebuild_after(content, winter_assets(tmp_path / "assets"), lambda c:
                                  replace_in(c / "ws26_xyz" / "course.yaml", "2026-12-30]",
                                             "2026-12-30, 2027-01-06]"))
    block = vevent_blocks(second.feed("ws26_xyz"))[uid("ws26_xyz", "office-hours/wed")]
    assert value_of(block, "SEQUENCE") == "1"
    assert "20270106T140000" in value_of(block, "EXDATE")


def test_removed_events_return_with_a_higher_sequence(tmp_path):
    content = copy_content(CONTENT, tmp_path / "content")
    lectures = content / "ss26_amls" / "lectures.yaml"
    line = "      - {number: 13, title: Model Serving Systems and Techniques, date: 2026-07-16}\n"
    first, second = rebuild_after(content, None, lambda _c: replace_in(lectures, line, ""))
    thirteen = uid("ss26_amls", "lecture/13")
    assert thirteen not in vevent_blocks(second.feed("ss26_amls"))
    assert "lecture/13" not in second.records["ss26_amls"].stamps
    lectures.write_text(lectures.read_text() + line)
    third = build(content, None, second.versions, dt.datetime(2026, 6, 2, tzinfo=UTC))
    block = vevent_blocks(third.feed("ss26_amls"))[thirteen]
    assert value_of(block, "SEQUENCE") == "1"


def test_sequence_counts_every_change_and_never_decreases():
    """Replaying versions: each change of an event's significant fields raises it by one,
    an unchanged version keeps it, and LAST-MODIFIED is the version that changed it."""
    sig = {"start": "2026-05-07T16:00:00", "end": "2026-05-07T18:00:00", "all_day": False,
           "tzid": "Europe/Berlin", "location": "BH-N 243", "status": "CONFIRMED",
           "summary": "X 04: A", "until": None, "exdates": []}
    moved = dict(sig, location="FR 772")
    times = [dt.datetime(2026, 4, d, tzinfo=UTC) for d in (1, 2, 3, 4)]
    ev = lambda s: {"lecture/04": {"label": "Lecture 04", "sig": s}}  # noqa: E731
    record = C.replay([C.Version("a", times[0], ev(sig)), C.Version("b", times[1], ev(moved)),
                       C.Version("c", times[2], ev(moved)), C.Version("d", times[3], ev(sig))])
    assert record.stamps["lecture/04"] == C.Stamp(2, times[3])
    assert [c.sentences for c in record.changes] == [
        ("Lecture 04 moves to FR 772",), ("Lecture 04 moves to BH-N 243",)]


def test_one_edit_is_one_sentence_naming_every_event_it_changed(tmp_path):
    """Moving the weekly slot's room moves every lecture: one sentence, not one per event."""
    content = copy_content(CONTENT, tmp_path / "content")
    first, second = rebuild_after(content, None, lambda c: replace_in(
        c / "ss26_amls" / "course.yaml", "room: bh-n-243", "room: fr-772"))
    (change,) = second.records["ss26_amls"].changes
    assert change.when == T1
    assert change.sentences == ("Lectures 01-13 move to FR 772, Franklin-Gebäude (FR), "
                                "Franklinstraße 28/29, 10587 Berlin",)
    assert not first.records["ss26_amls"].changes


def test_describe_changes_groups_and_agrees_in_number():
    base = {"start": "2026-05-07T16:00:00", "end": "2026-05-07T18:00:00", "all_day": False,
            "tzid": "Europe/Berlin", "location": "A", "status": "CONFIRMED", "summary": "s",
            "until": None, "exdates": []}
    old = {f"lecture/0{n}": {"label": f"Lecture 0{n}", "sig": base} for n in (1, 2, 3, 5)}
    new = {k: dict(v, sig=dict(base, location="B")) for k, v in old.items()}
    new["lecture/05"] = dict(old["lecture/05"], sig=dict(base, status="CANCELLED"))
    new["exam/final"] = {"label": "Final exam", "sig": dict(base, all_day=True,
                                                             start="2026-07-30",
                                                             end="2026-07-31")}
    assert C.describe_changes(old, new) == [
        "Lectures 01-03 move to B", "Lecture 05 is cancelled",
        "Final exam is added: Thu, Jul 30, 2026, A"]
    assert C.describe_changes(old, {}) == ["Lectures 01-03 and 05 are removed from the "
                                           "schedule"]
    assert T.number_ranges(["01", "02", "04", "05", "06"]) == ["01, 02", "04-06"]


# === Determinism ===============================================================================

def test_unchanged_content_gives_identical_bytes_at_any_later_time(built):
    """A later build of the same content adds no version, so nothing can change."""
    for o in built.site.offerings:
        past = built.versions[o.slug]
        assert past[-1].events == C.snapshot(built.site, o)
        mine = {k: v for k, v in built.files.items() if k.startswith(f"{o.slug}/")}
        assert C.offering_feeds(built.site, o, C.replay(past)) == mine


_HASH_SCRIPT = """
import hashlib, sys, pathlib
sys.path.insert(0, sys.argv[1])
from coursesite.pipeline import Project, render_site
content, assets = pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
files = render_site(Project(content=content, assets=assets)).files
h = hashlib.sha256()
for path in sorted(files):
    h.update(path.encode() + b"\\0" + files[path] + b"\\0")
print(h.hexdigest())
"""


@pytest.mark.parametrize("fixture", ["default", "winter"])
def test_builds_in_separate_processes_are_identical(tmp_path, fixture):
    """Different PYTHONHASHSEED and TZ, same SHA-256 (SOURCE_DATE_EPOCH pins the change time,
    as the reproducible-builds convention asks)."""
    content = CONTENT if fixture == "default" else WINTER
    assets = (theme_assets(tmp_path / "assets") if fixture == "default"
              else winter_assets(tmp_path / "assets"))
    digests = set()
    for seed, tz in (("1", "UTC"), ("4242", "Pacific/Auckland"), ("random", "America/New_York")):
        env = dict(os.environ, PYTHONHASHSEED=seed, TZ=tz, SOURCE_DATE_EPOCH="1767225600")
        out = subprocess.run([sys.executable, "-c", _HASH_SCRIPT, str(ROOT), str(content),
                              str(assets)], env=env, capture_output=True, text=True,
                             timeout=120, check=True)
        digests.add(out.stdout.strip())
    assert len(digests) == 1


def golden_files(fixture: str, tmp_path: Path) -> dict[str, bytes]:
    """The feeds of a fixture, built with a frozen change time and an empty state."""
    if fixture == "default":
        return build(CONTENT, None, {}, T0).files
    return build(WINTER, winter_assets(tmp_path / "assets"), {}, T0).files


@pytest.mark.parametrize("fixture", ["default", "winter"])
def test_golden_ics(tmp_path, fixture, request):
    """The whole feed against tests/golden/ics/<fixture>/ (regenerate: pytest --update-golden)."""
    files = golden_files(fixture, tmp_path)
    folder = GOLDEN / fixture
    if _update_golden(request):
        if folder.exists():
            shutil.rmtree(folder)
        for path, data in files.items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_bytes(data)
    stored = {p.relative_to(folder).as_posix(): p.read_bytes()
              for p in sorted(folder.rglob("*.ics"))} if folder.exists() else {}
    assert sorted(stored) == sorted(files), "run pytest --update-golden and review the diff"
    for path, data in files.items():
        if stored[path] != data:
            import difflib
            diff = "\n".join(difflib.unified_diff(
                stored[path].decode().splitlines(), data.decode().splitlines(),
                f"golden/{path}", f"built/{path}", lineterm=""))
            pytest.fail(f"{path} differs from the golden file:\n{diff}")


def _update_golden(request) -> bool:
    try:
        return bool(request.config.getoption("--update-golden"))
    except ValueError:  # conftest.py without the option: fall back to the environment
        return os.environ.get("UPDATE_GOLDEN") == "1"


