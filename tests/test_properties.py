"""Property tests: any mutation of valid content gives a clean error or a complete site.

Each example copies the default content, changes one YAML file (its parsed structure, or its raw
text or bytes), and runs `build.main()` in this process against an output folder that holds a
previous build. Whatever the mutation:

- main() returns 0 or 1 and never raises (a traceback is our bug, not the maintainer's);
- on 1, stderr is `file:line: ...` lines and the count line, and the output is byte-identical;
- on 0, the site is complete: the landing page and every offering's index.html exist.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from helpers import ROOT, copy_site, lines, run_main, tree
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

CONTENT = ROOT / "tests" / "fixtures" / "amls"
FILES = {p.relative_to(CONTENT).as_posix(): p.read_bytes() for p in sorted(CONTENT.rglob("*.yaml"))}
OFFERINGS = sorted(p.name for p in CONTENT.iterdir() if p.is_dir() and p.name[0] not in "._")

# `file:line: ...`, or `file.yaml: ...` for a problem of the whole file (no line to name:
# a device, a FIFO, a file missing).
PROBLEM_LINE = re.compile(r"^[^:]+:\d+: |^[^:]+\.ya?ml: ")
COUNT_LINE = re.compile(r"^\d+ problems? found; nothing was written\.$")

# Bounded so the module runs in well under a minute; PROPERTY_EXAMPLES=2000 searches harder.
EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", 100))
SETTINGS = settings(deadline=None, max_examples=EXAMPLES,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Placeholders put into the parsed YAML and replaced in the dumped text, for values that
# yaml.safe_dump cannot write (its emitter recurses) or that must stay raw YAML.
DEEP = "__coursesite_deep__"
BOMB = "__coursesite_bomb__"


def deep_list(depth: int) -> str:
    return "[" * depth + "]" * depth


def alias_bomb(levels: int = 7) -> str:
    """A flow list whose aliases expand to 10**levels values ('billion laughs')."""
    items = ["&a0 [" + ", ".join(["lol"] * 10) + "]"]
    items += [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "[" + ", ".join(items) + "]"


@dataclass(frozen=True)
class Mutation:
    """One changed file: its path under content/, its new bytes (or, with `special`, what it
    becomes instead of a file: a symlink to a device or outside file, or a FIFO), and what
    was done."""

    rel: str
    data: bytes
    what: str
    special: str = ""   # "", "fifo", or a path the file becomes a symbolic link to

    def apply(self, content: Path) -> None:
        path = content / self.rel
        if not self.special:
            path.write_bytes(self.data)
            return
        path.unlink()
        if self.special == "fifo":
            os.mkfifo(path)
        else:
            path.symlink_to(self.special)

    def __repr__(self) -> str:  # hypothesis prints this for a failing example; keep it short
        preview = self.data[:300].decode("utf-8", "backslashreplace")
        return f"Mutation({self.rel}: {self.what}; {len(self.data)} bytes, starting {preview!r})"


# --- mutating the parsed structure ---------------------------------------------------------

def node_paths(value, path=()):
    """Paths (tuples of keys and indices) to every value in a parsed YAML tree, root first."""
    found = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            found += node_paths(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += node_paths(v, path + (i,))
    return found


def parent_of(tree_, path):
    node = tree_
    for step in path[:-1]:
        node = node[step]
    return node


GARBAGE = st.sampled_from([
    "16.04.", "2026-02-30", "25:00", "4pm", "TBD", "tbd", "javascript:alert(1)",
    "ftp://example.org/x", "../../etc/passwd", "/etc/passwd", "bh-n-999", "Thursday", "mon",
    "DE-XX", "Mars/Olympus", "yes", "no", "~", "", " ", "0", "-1", "99999999999", "1-3",
    "slides/missing.pdf", "mailto:", "https://", "{{ 7*7 }}", "<script>alert(1)</script>",
    "[x](javascript:alert(1))", "\u202e", "a\nb", "é", "\U0001F600",
    "9999-12-31", "0001-01-01", "9" * 5000, "Europe/" + "B" * 300, "a" * 300 + ".pdf",
    # Control characters and line breaks: yaml.safe_dump writes them as YAML escapes ("\x01").
    "AM\x01LS", "AM\x00LS", "\x1b[31mred", "AM\x0cLS", "AM\x7fLS", "AM\ufffeLS", "a\u2028b",
    "a\rb", "a\x85b", "\ud800",
    # Dates across (and just outside) the supported range, and far from the term.
    "1900-01-01", "1899-12-31", "1995-07-30", "2027-07-30", "2999-12-31", "3000-01-01",
    "1970-01-01T00:00", "2999-12-31T23:59",
])

VALUES = st.one_of(
    st.integers(-10**6, 10**6),
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    GARBAGE,
    st.just("x" * 200_000),                                    # a huge string
    st.lists(st.one_of(st.text(max_size=8), st.integers()), max_size=4),
    st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
    st.integers(20, 3000).map(lambda n: f"{DEEP}{n}"),         # deeply nested lists
    st.just(BOMB),                                             # an alias bomb
)

NEW_KEYS = st.one_of(st.text(max_size=20), st.sampled_from(
    ["tittle", "Title", "titel", "date ", "strat", "room_id", "extra", "where", "<<", "~", ""]))


@st.composite
def structural_mutations(draw):
    """Drop, rename or retype one value of one file's parsed YAML."""
    rel = draw(st.sampled_from(sorted(FILES)))
    data = yaml.safe_load(FILES[rel])
    path = draw(st.sampled_from(node_paths(data)))
    op = draw(st.sampled_from(["drop", "rename", "retype"]))
    parent = parent_of(data, path) if path else None
    if op == "drop" and path:
        del parent[path[-1]]
        what = f"drop {list(path)}"
    elif op == "rename" and path and isinstance(parent, dict):
        new = draw(NEW_KEYS)
        items = [(new if k == path[-1] else k, v) for k, v in parent.items()]
        parent.clear()
        parent.update(items)
        what = f"rename {list(path)} to {new!r}"
    else:
        value = draw(VALUES)
        if path:
            parent[path[-1]] = value
        else:
            data = value
        what = f"set {list(path)} to {value!r:.60}"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    text = re.sub(DEEP + r"(\d+)", lambda m: deep_list(int(m.group(1))), text)
    text = text.replace(BOMB, alias_bomb())
    return Mutation(rel, text.encode("utf-8"), what)


# --- mutating the text and bytes -----------------------------------------------------------

TYPING_ACCIDENTS = st.text(
    alphabet=st.sampled_from(
        list(":-{}[],'\"&*!|>#%@`?\t\n ") + ["é", "\u00a0", "\ufeff", "x", "1"]
    ),
    min_size=1, max_size=6)
NOT_UTF8 = st.sampled_from(
    [b"\xff", b"\xfe\xfe", b"\xc3\x28", b"\xe9", b"\x80abc", b"\xed\xa0\x80"]
)


@st.composite
def text_mutations(draw):
    """Truncate, insert typing accidents or invalid bytes, or delete a span of one file."""
    rel = draw(st.sampled_from(sorted(FILES)))
    raw = FILES[rel]
    at = draw(st.integers(0, len(raw)))
    op = draw(st.sampled_from(["truncate", "insert", "bytes", "delete"]))
    if op == "truncate":
        return Mutation(rel, raw[:at], f"truncate at {at}")
    if op == "insert":
        typed = draw(TYPING_ACCIDENTS)
        return Mutation(rel, raw[:at] + typed.encode("utf-8") + raw[at:],
                        f"insert {typed!r} at {at}")
    if op == "bytes":
        bad = draw(NOT_UTF8)
        return Mutation(rel, raw[:at] + bad + raw[at:], f"insert {bad!r} at {at}")
    length = draw(st.integers(1, 40))
    return Mutation(rel, raw[:at] + raw[at + length:], f"delete {length} bytes at {at}")


@st.composite
def special_file_mutations(draw):
    """One content file replaced by a device, a FIFO, an outside file or a huge file."""
    rel = draw(st.sampled_from(sorted(FILES)))
    kind = draw(st.sampled_from(["/dev/zero", "/dev/urandom", "/dev/null", "fifo",
                                 "/etc/passwd", "/nonexistent", "huge"]))
    if kind == "huge":
        return Mutation(rel, FILES[rel] + b"#" + b"x" * (5 * 1024 * 1024) + b"\n", "huge file")
    return Mutation(rel, b"", f"becomes {kind}", special=kind)


def raw_replace(rel: str, old: str, new: str) -> Mutation:
    text = FILES[rel].decode("utf-8")
    assert old in text, f"{old!r} not in {rel}"
    return Mutation(rel, text.replace(old, new, 1).encode("utf-8"),
                    f"replace {old!r} by {new[:40]!r}")


# --- the property --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """A folder with `site/`, a build of the default content that each example builds over."""
    root = tmp_path_factory.mktemp("properties")
    status, _, stderr = run_main(["build", "--content", CONTENT, "--out", root / "site"])
    assert status == 0, stderr
    return root


def build_mutated(workspace: Path, mutation: Mutation) -> int:
    """Build the mutated content over the previous site, check the outcome's guarantees; the
    status."""
    out = workspace / "site"
    with tempfile.TemporaryDirectory(dir=workspace) as tmp:
        content = copy_site(CONTENT, Path(tmp) / "content")
        mutation.apply(content)
        before = tree(out)
        status, stdout, stderr = run_main(["build", "--content", content, "--out", out])
    assert status in (0, 1), f"exit status {status}"
    if status == 1:
        *problems, count = lines(stderr)
        assert problems, stderr[:2000]
        bad = [line[:300] for line in problems if not PROBLEM_LINE.match(line)]
        assert not bad, "lines without file:line:\n" + "\n".join(bad[:10])
        assert COUNT_LINE.match(count), count
        assert stdout == ""
        assert tree(out) == before, "a failed build changed the output folder"
    else:
        assert (out / "index.html").is_file()
        for slug in OFFERINGS:
            assert (out / slug / "index.html").is_file(), f"{slug}/index.html missing"
        assert lines(stdout)[-1].startswith("Built ")
        check_outputs(out)
    return status


CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # C0 and C1, but tab, LF, CR


def check_outputs(out: Path) -> None:
    """Every file of a successful build is well-formed: XML parses, .ics reads in icalendar and
    in the strict `ical` parser, and no HTML, XML or .ics holds a control character."""
    for path in sorted(out.rglob("*")):
        if path.suffix not in (".html", ".xml", ".ics"):
            continue
        text = path.read_text(encoding="utf-8")
        assert not CONTROL.search(text.replace("\r\n", "\n")), f"control character in {path.name}"
        if path.suffix == ".xml":
            ElementTree.fromstring(text)
        elif path.suffix == ".ics":
            Calendar.from_ical(text)
            IcsCalendarStream.calendar_from_ics(text)


@SETTINGS
@given(mutation=structural_mutations())
@example(mutation=raw_replace("ss26_amls/course.yaml", "ects: 6", "ects: " + alias_bomb()))
@example(mutation=raw_replace("ss26_amls/course.yaml", "level: master", "level: " + deep_list(500)))
@example(mutation=raw_replace("ss26_amls/course.yaml", "level: master", "level: " + "x" * 200_000))
@example(mutation=raw_replace("site.yaml", "language: en", "language: [en, de]"))
@example(mutation=raw_replace("rooms.yaml", "rooms:", "rooms: 7\nold_rooms:"))
# A lecture with `date: null`: office hours start from the first lecture that has a date.
@example(mutation=raw_replace("ss26_amls/lectures.yaml", "Overview, date: 2026-04-16}",
                              "Overview, date: null}"))
# An exam or deadline with `date: null` (it needs a date or TBD): an error, not a crash.
@example(mutation=raw_replace("ss26_amls/organization.yaml", "date: TBD", "date: null"))
def test_structural_mutations_give_clean_errors_or_complete_sites(workspace, mutation):
    build_mutated(workspace, mutation)


@SETTINGS
@given(mutation=text_mutations())
@example(mutation=Mutation("ss26_amls/lectures.yaml", FILES["ss26_amls/lectures.yaml"][:-200],
                           "truncate"))
@example(mutation=Mutation("ss26_amls/course.yaml", b"\xff" + FILES["ss26_amls/course.yaml"],
                           "bad first byte"))
@example(mutation=Mutation("site.yaml", b"", "empty file"))
@example(mutation=raw_replace("ss26_amls/lectures.yaml", "intro: |", "intro: |\n\t"))
def test_text_mutations_give_clean_errors_or_complete_sites(workspace, mutation):
    build_mutated(workspace, mutation)


@SETTINGS
@given(mutation=special_file_mutations())
@example(mutation=Mutation("ss26_amls/course.yaml", b"", "becomes fifo", special="fifo"))
@example(mutation=Mutation("ss26_amls/course.yaml", b"", "becomes /dev/zero", special="/dev/zero"))
def test_devices_fifos_and_outside_files_give_clean_errors(workspace, mutation):
    assert build_mutated(workspace, mutation) == 1


@settings(deadline=None, max_examples=max(EXAMPLES // 4, 10))
@given(option=st.sampled_from(["--out", "--content"]),
       name=st.text(st.sampled_from("aé-_x"), min_size=200, max_size=600))
def test_long_paths_give_a_usage_error_or_work(workspace, option, name):
    args = {"--content": str(CONTENT), "--out": str(workspace / "long-out")}
    args[option] = str(workspace / name)
    status, _, stderr = run_main(["build", *[v for kv in args.items() for v in kv]])
    assert status in (0, 1, 2) and "Traceback" not in stderr


def test_unmutated_round_trip_builds(workspace):
    """The structural mutator's own YAML dump of untouched content must build (no false alarms)."""
    for rel, raw in FILES.items():
        text = yaml.safe_dump(yaml.safe_load(raw), allow_unicode=True, sort_keys=False, width=1000)
        assert build_mutated(workspace, Mutation(rel, text.encode("utf-8"), "round trip")) == 0, rel


# --- our serialiser is icalendar's, byte for byte ---------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(
    ["\\", "^", ",", ";", "ä", "€", "𝄞", " "]), max_size=260), min_size=1, max_size=4))
@example(["x" * 73 + "\\n" + "y" * 200])
@example(["é" * 80, "^" * 150])
@example(["a\\" * 120, "x" * 73 + ";" * 80])
def test_feeds_serialise_exactly_as_icalendar_does(texts):
    """calendar.serialised (no per-character folding of short lines) gives the bytes of
    icalendar's own to_ical for any text, escapes and multi-byte characters included."""
    from icalendar import Event  # noqa: PLC0415

    from coursesite.calendar import serialised  # noqa: PLC0415
    event = Event()
    event.add("summary", texts[0])
    for text in texts[1:]:
        event.add("description", text)
    event.add("location", "".join(texts))
    cal = Calendar()
    cal.add("prodid", "-//test//EN")
    cal.add_component(event)
    assert serialised(cal) == cal.to_ical()


def icalendar_header(name: str, tzid: str) -> bytes:
    """The reference: a feed's VCALENDAR properties built as an icalendar Calendar (what
    calendar.calendar_header replaced on the hot path), serialised by icalendar itself, up to
    its END line (the components go there). NAME (RFC 7986) and X-WR-CALNAME are TEXT:
    icalendar 7 types them as unknown and would leave a comma, semicolon or backslash in a
    course's name unescaped, which strict parsers read as something else, so the reference
    gives them as TEXT."""
    from icalendar import vDuration, vText  # noqa: PLC0415

    from coursesite.calendar import PRODID, REFRESH  # noqa: PLC0415
    cal = Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", PRODID)
    cal.add("calscale", "GREGORIAN")
    cal.add("name", vText(name))
    cal.add("x-wr-calname", vText(name))
    cal.add("x-wr-timezone", tzid)
    cal.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    text = cal.to_ical()
    assert text.endswith(b"END:VCALENDAR\r\n")
    return text[:-len(b"END:VCALENDAR\r\n")]


@settings(max_examples=300, deadline=None)
@given(name=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(
    ["\\", ",", ";", ":", "\n", "ä", "𝄞", " "]), max_size=200),
       tzid=st.sampled_from(["Europe/Berlin", "America/New_York", "Etc/GMT+5", "UTC",
                             "Asia/Kolkata"]))
@example(name="x" * 60 + ",;\\" * 20, tzid="Europe/Berlin")
def test_feed_headers_are_written_exactly_as_icalendar_writes_them(name, tzid):
    """calendar.calendar_header writes its lines by hand; for any calendar name (escapes,
    folding, multi-byte characters) they are the bytes icalendar gives."""
    from coursesite.calendar import calendar_header  # noqa: PLC0415
    assert calendar_header(name, tzid) == icalendar_header(name, tzid)


def icalendar_vevent(slug: str, item, stamp):
    """The reference: the same VEVENT built as an icalendar Event (what calendar.vevent
    replaced on the hot path), serialised by icalendar itself."""
    from zoneinfo import ZoneInfo  # noqa: PLC0415

    from icalendar import Event  # noqa: PLC0415

    from coursesite.calendar import event_uid  # noqa: PLC0415
    when = stamp.changed.astimezone(dt.timezone.utc)
    event = Event()
    event.add("uid", event_uid(slug, item.key))
    event.add("dtstamp", when)
    event.add("last-modified", when)
    event.add("sequence", stamp.sequence)
    event.add("summary", item.summary)
    if item.all_day:
        event.add("dtstart", item.start)
        event.add("dtend", item.end)
        event.add("transp", "TRANSPARENT")
    else:
        zone = ZoneInfo(item.tzid)
        event.add("dtstart", item.start.replace(tzinfo=zone))
        event.add("dtend", item.end.replace(tzinfo=zone))
    if item.until is not None:
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
    return event.to_ical()


TEXTS = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(
    ["\\", "N", "^", ",", ";", ":", '"', "\u2019", "\n", "\r", "ä", "𝄞", " "]),
    max_size=120)
URLS = st.from_regex(r"\Ahttps://[a-z]{1,12}\.example/[a-zA-Z0-9/?=&%._~-]{0,90}\Z")


@st.composite
def calendar_items(draw):
    """Random lecture-like items: timed in one of the zones we publish, or all-day."""
    from coursesite.calendar import Item  # noqa: PLC0415
    day = draw(st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31)))
    zone = draw(st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC"]))
    if draw(st.booleans()):
        start, end, tzid, until, exdates = day, day + dt.timedelta(days=1), None, None, ()
    else:
        start = dt.datetime.combine(day, draw(st.times()).replace(microsecond=0))
        end = start + dt.timedelta(minutes=draw(st.integers(1, 600)))
        tzid = zone
        weeks = draw(st.integers(0, 14))
        until = start + dt.timedelta(weeks=weeks) if weeks else None
        skipped = draw(st.lists(st.integers(1, max(weeks, 1)), max_size=3, unique=True))
        exdates = tuple(start + dt.timedelta(weeks=w) for w in skipped) if weeks else ()
    return Item(kind="lecture", key=draw(st.from_regex(r"\Alecture/[0-9a-z-]{1,8}\Z")),
                summary=draw(TEXTS), start=start, end=end, tzid=tzid,
                location=draw(st.none() | TEXTS), description=draw(st.none() | TEXTS),
                cancelled=draw(st.booleans()), url=draw(st.none() | URLS),
                conferences=tuple(draw(st.lists(st.tuples(TEXTS.filter(bool), URLS),
                                                max_size=2))),
                until=until, exdates=exdates)


@settings(max_examples=300, deadline=None)
@given(item=calendar_items(), sequence=st.integers(0, 10_000),
       changed=st.datetimes(dt.datetime(2020, 1, 1), timezones=st.just(dt.timezone.utc)))
def test_events_are_written_exactly_as_icalendar_writes_them(item, sequence, changed):
    """calendar.vevent writes its lines by hand; for any item they are the bytes icalendar
    gives for the same event (escapes, parameters, folding, repetition and exceptions)."""
    from coursesite.calendar import Stamp, vevent  # noqa: PLC0415
    stamp = Stamp(sequence=sequence, changed=changed)
    assert vevent("ss26_amls", item, stamp) == icalendar_vevent("ss26_amls", item, stamp)


# --- page-relative links are posixpath.relpath's, without the working folder ----------------

SEGMENTS = st.sampled_from(["a", "b", "ss26_amls", "index.html", "assets", ".", "..", "", "..a"])
SITE_PATHS = st.lists(SEGMENTS, min_size=1, max_size=5).map("/".join).filter(bool)


@settings(max_examples=500, deadline=None)
@given(path=SITE_PATHS, start=SITE_PATHS | st.just("."), absolute=st.booleans())
@example(path="a/b/c.html", start="a/d", absolute=False)
@example(path="../x", start="a", absolute=False)
def test_relative_paths_are_those_of_relpath(path, start, absolute):
    """render.relative_path gives posixpath.relpath's answer for any two paths: inside the
    site, ones that climb out of it, and absolute ones."""
    import posixpath  # noqa: PLC0415

    from coursesite.render import relative_path  # noqa: PLC0415
    path = "/" + path if absolute else path
    assert relative_path(path, start) == posixpath.relpath(path, start)
