"""`build.py new-term`: an offering rolled over to the next term.

The fixtures are copied into tmp_path and rolled over: AMLS (Summer 2026, Thursdays, DE-BE)
to Summer 2027, and the winter fixture's offerings to Winter 2027/28 (across New Year and
the October DST switch). Expected dates are written out by hand from the 2027 calendar.
"""
from __future__ import annotations

import datetime as dt
import shutil

import icalendar
import pytest
import yaml
from helpers import FIXTURES, entries, lines, run_cli, run_main, theme_assets, tree

from coursesite import newterm
from coursesite.newterm import Document
from coursesite.newterm_dates import advance_label

D = dt.date.fromisoformat

# Thursdays of the summer term 2027 from 2027-04-15; Ascension Day (2027-05-06) is skipped.
AMLS_2027 = ["2027-04-15", "2027-04-22", "2027-04-29", "2027-05-13", "2027-05-20",
             "2027-05-27", "2027-06-03", "2027-06-10", "2027-06-17", "2027-06-24",
             "2027-07-01", "2027-07-08", "2027-07-15"]
# Mondays of the winter term 2027/28 from 2027-10-11; the Christmas break (moved from
# 2026-12-21..2027-01-03 to 2027-12-21..2028-01-03) takes 12-27 and 01-03.
XYZ_2027 = ["2027-10-11", "2027-10-18", "2027-10-25", "2027-11-01", "2027-11-08",
            "2027-11-15", "2027-11-22", "2027-11-29", "2027-12-06", "2027-12-13",
            "2027-12-20", "2028-01-10", "2028-01-17", "2028-01-24", "TBD", "2028-01-31"]


@pytest.fixture
def amls(tmp_path):
    """(content, assets): a private copy of the AMLS fixture and a theme-only assets folder."""
    content = tmp_path / "content"
    shutil.copytree(FIXTURES / "amls", content)
    return content, theme_assets(tmp_path / "assets")


@pytest.fixture
def winter(tmp_path):
    """(content, assets): the winter fixture, its ws26_xyz with a label, a Christmas break,
    news and an assigned proposal; assets with its slides."""
    content = tmp_path / "content"
    shutil.copytree(FIXTURES / "winter", content)
    edit(content / "ws26_xyz" / "course.yaml", "  end: 2027-02-13     # after New Year\n",
         "  end: 2027-02-13     # after New Year\n  label: WS2026/27\n  breaks:\n"
         "    # no lectures over Christmas\n"
         "    - {start: 2026-12-21, end: 2027-01-03, label: Christmas break}\n")
    # the break skips the office hours over Christmas: their exclusions there go
    edit(content / "ws26_xyz" / "course.yaml", "exclude: [2026-11-18, 2026-12-23, 2026-12-30]",
         "exclude: [2026-11-18]")
    (content / "ws26_xyz" / "news.yaml").write_text(
        "# Announcements of this term\nnews:\n  - {date: 2026-10-01, title: Welcome}\n",
        encoding="utf-8")
    (content / "ws26_xyz" / "projects.yaml").write_text(
        "proposals:\n  - id: p-1\n    title: Storage engine\n    status: assigned  # team A\n",
        encoding="utf-8")
    assets = theme_assets(tmp_path / "assets")
    (assets / "ws26_xyz").mkdir()
    (assets / "ws26_xyz" / "01-intro.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    return content, assets


def edit(path, old, new):
    """Replace `old` (which must be there) by `new` in a copied fixture file."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def roll(content, assets, *args):
    """(status, stdout, stderr) of `build.py new-term ARGS` on the content, in-process."""
    return run_main(["new-term", *map(str, args), "--content", str(content),
                     "--assets", str(assets)])


def read(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def lecture_dates(folder):
    """Every lecture's date as written (a date, or 'TBD'), in order, as strings."""
    data = read(folder / "lectures.yaml")
    return [str(lec["date"]) for part in data["parts"] for lec in part["lectures"]]


def comment_lines(path):
    return [line for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip().startswith("#")]


def build_strict(tmp_path, content, assets):
    result = run_cli("build", "--strict", "--content", content, "--assets", assets,
                     "--out", tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert "0 warnings" in result.stdout
    return tmp_path / "site"


# --- AMLS: summer 2026 -> summer 2027 ------------------------------------------------------

def test_amls_rolls_over_to_the_next_summer(tmp_path, amls):
    content, assets = amls
    status, out, err = roll(content, assets, "ss27_amls", "--from", "ss26_amls",
                            "--start", "2027-04-12")
    assert (status, err) == (0, "")
    new = content / "ss27_amls"
    assert lecture_dates(new) == AMLS_2027
    term = read(new / "course.yaml")["term"]
    assert term == {"season": "summer", "year": 2027, "start": D("2027-04-12"),
                    "end": D("2027-07-17")}  # as long as the old period: 96 days
    # the table: number and title, old date, new date; then the skipped holiday
    assert "01 Introduction and Overview" in out
    row = next(line for line in lines(out) if line.startswith("04 Operator Fusion"))
    assert row.split()[-2:] == ["2026-05-07", "2027-05-13"]
    assert "2027-05-06 Thursday  Ascension Day" in out
    assert "Wrote " in lines(out)[-1]
    assert sorted(p.name for p in new.iterdir()) == sorted(
        p.name for p in (content / "ss26_amls").iterdir())
    build_strict(tmp_path, content, assets)


def test_amls_keeps_comments_key_order_and_formatting(amls):
    content, assets = amls
    assert roll(content, assets, "ss27_amls", "--from", "ss26_amls", "--start",
                "2027-04-12")[0] == 0
    old, new = content / "ss26_amls", content / "ss27_amls"
    for name in ("course.yaml", "lectures.yaml", "projects.yaml"):
        assert comment_lines(old / name) and comment_lines(new / name) == comment_lines(
            old / name), name
    course = (new / "course.yaml").read_text(encoding="utf-8")
    assert "  start: 2027-04-12   # first day of the lecture period\n" in course
    assert '      start: "16:00"\n' in course           # times stay quoted strings
    assert "      online: [{label: Zoom}]\n" in course  # flow style kept
    assert list(read(new / "course.yaml")) == list(read(old / "course.yaml"))
    text = (new / "lectures.yaml").read_text(encoding="utf-8")
    assert "      - {number: 1, title: Introduction and Overview, date: 2027-04-15}\n" in text
    # a file with nothing to change is the same bytes
    assert (new / "projects.yaml").read_bytes() == (old / "projects.yaml").read_bytes()
    assert read(new / "organization.yaml")["exams"][0]["date"] == "TBD"


def test_several_slots_whit_monday_and_a_break(tmp_path, amls):
    content, assets = amls
    edit(content / "ss26_amls" / "course.yaml", "  lectures:\n",
         '  lectures:\n    - {weekday: mon, start: "10:00", end: "12:00", room: bh-n-243}\n')
    status, out, err = roll(content, assets, "ss27_amls", "--from", "ss26_amls", "--start",
                            "2027-04-12", "--break", "2027-05-24..2027-05-28")
    assert (status, err) == (0, "")
    # Mondays and Thursdays; skipped: Ascension Day (Thu 05-06), Whit Monday (05-17), and
    # the break's Monday and Thursday
    assert lecture_dates(content / "ss27_amls") == [
        "2027-04-12", "2027-04-15", "2027-04-19", "2027-04-22", "2027-04-26", "2027-04-29",
        "2027-05-03", "2027-05-10", "2027-05-13", "2027-05-20", "2027-05-31", "2027-06-03",
        "2027-06-07"]
    assert "2027-05-17 Monday    Whit Monday" in out or "2027-05-17 Monday    Pentecost" in out
    assert read(content / "ss27_amls" / "course.yaml")["term"]["breaks"] == [
        {"start": D("2027-05-24"), "end": D("2027-05-28")}]
    build_strict(tmp_path, content, assets)


# --- winter 2026/27 -> winter 2027/28 ------------------------------------------------------

def test_winter_rolls_over_across_new_year_and_dst(tmp_path, winter):
    content, assets = winter
    status, out, err = roll(content, assets, "ws27_xyz", "--from", "ws26_xyz",
                            "--start", "2027-10-11")
    assert (status, err) == (0, "")
    new = content / "ws27_xyz"
    assert lecture_dates(new) == XYZ_2027
    course = read(new / "course.yaml")
    assert course["term"] == {
        "season": "winter", "year": 2027, "start": D("2027-10-11"), "end": D("2028-02-12"),
        "label": "WS2027/28",
        "breaks": [{"start": D("2027-12-21"), "end": D("2028-01-03"),
                    "label": "Christmas break"}]}
    assert "2027-12-27 Monday    Christmas break" in out
    assert "2028-01-03 Monday    Christmas break" in out
    # cleared: online URLs (labels stay), office hours' exclusions, materials, cancellation
    slot = course["weekly"]["lectures"][0]
    assert slot["online"] == [{"label": "Zoom"}, {"label": "Stream"}]
    assert all("exclude" not in oh and "url" not in oh["online"][0]
               for oh in course["weekly"]["office_hours"] if oh.get("online"))
    assert "exclude" not in course["weekly"]["office_hours"][0]
    lectures = [lec for part in read(new / "lectures.yaml")["parts"] for lec in part["lectures"]]
    assert not any("materials" in lec or "status" in lec for lec in lectures)
    assert "note" not in lectures[7]
    assert {"start", "end", "room"}.isdisjoint(lectures[11])  # its old own times are gone
    assert "was cancelled, scheduled again" in next(
        line for line in lines(out) if line.startswith("08 Fault Tolerance"))
    assert "own start/end/room dropped" in out
    # exams and deadlines TBD without times; news empty; proposals open
    org = read(new / "organization.yaml")
    assert [e["date"] for e in org["exams"] + org["deadlines"]] == ["TBD"] * 6
    assert not any({"start", "end", "time"} & set(item)
                   for item in org["exams"] + org["deadlines"])
    assert read(new / "news.yaml") == {"news": []}
    assert "# Announcements of this term" in (new / "news.yaml").read_text(encoding="utf-8")
    assert read(new / "projects.yaml")["proposals"][0]["status"] == "open"
    assert "# team A" in (new / "projects.yaml").read_text(encoding="utf-8")
    for name in ("course.yaml", "organization.yaml"):
        assert comment_lines(new / name) == comment_lines(content / "ws26_xyz" / name)
    site = build_strict(tmp_path, content, assets)
    # the DST switch (2027-10-31): 10:00 in Berlin is 08:00 UTC before it, 09:00 after
    feed = icalendar.Calendar.from_ical((site / "ws27_xyz" / "lectures.ics").read_bytes())
    starts = {e.get("SUMMARY").split(":")[0]: e.decoded("DTSTART").astimezone(dt.timezone.utc)
              for e in feed.walk("VEVENT")}
    assert starts["XYZ 03"] == dt.datetime(2027, 10, 25, 8, 0, tzinfo=dt.timezone.utc)
    assert starts["XYZ 04"] == dt.datetime(2027, 11, 1, 9, 0, tzinfo=dt.timezone.utc)
    assert starts["XYZ 11"] == dt.datetime(2027, 12, 20, 9, 0, tzinfo=dt.timezone.utc)


def test_course_without_slots_keeps_its_pattern(tmp_path, winter):
    content, assets = winter
    status, out, _ = roll(content, assets, "ws27_dk", "--from", "ws26_dk",
                          "--start", "2027-10-11")
    assert status == 0
    assert "Every date moved by 364 days" in out
    data = read(content / "ws27_dk" / "lectures.yaml")
    first = data["parts"][0]["lectures"][0]
    assert (first["date"], first["start"], first["end"]) == (D("2027-10-25"), "09:00", "12:00")
    assert lecture_dates(content / "ws27_dk") == [
        "2027-10-25", "2027-10-25", "2027-10-26", "2027-10-26", "2028-01-10", "2028-01-10"]
    build_strict(tmp_path, content, assets)


def test_blocked_course_shifts_every_date_by_the_same_days(tmp_path, winter):
    content, assets = winter
    edit(content / "ws26_dk" / "course.yaml", "  season: winter\n",
         "  season: block\n  label: Block course 2026\n")
    status, out, err = roll(content, assets, "bl27_dk", "--from", "ws26_dk",
                            "--start", "2027-10-18")  # 371 days: the same weekdays
    assert (status, err) == (0, "")
    term = read(content / "bl27_dk" / "course.yaml")["term"]
    assert (term["year"], term["start"], term["end"], term["label"]) == (
        2027, D("2027-10-18"), D("2028-02-19"), "Block course 2027")
    assert lecture_dates(content / "bl27_dk") == [
        "2027-11-01", "2027-11-01", "2027-11-02", "2027-11-02", "2028-01-17", "2028-01-17"]
    assert "Every date moved by 371 days (a blocked course" in out
    build_strict(tmp_path, content, assets)


# --- labels --------------------------------------------------------------------------------

@pytest.mark.parametrize("label, old_year, year, expected", [
    ("SS2019", 2019, 2020, "SS2020"),
    ("WS2021/22", 2021, 2022, "WS2022/23"),
    ("WS 21/22", 2021, 2022, "WS 22/23"),
    ("Fall 2022", 2022, 2023, "Fall 2023"),
    ("Summer 2026", 2026, 2027, "Summer 2027"),
    ("Block course 2019", 2019, 2021, "Block course 2021"),
])
def test_label_year_digits_advance(label, old_year, year, expected):
    assert advance_label(label, old_year, year) == (expected, None)


def test_label_without_a_year_is_removed_with_a_note(amls):
    content, assets = amls
    edit(content / "ss26_amls" / "course.yaml", "  year: 2026\n",
         "  year: 2026\n  label: Sommersemester  # as the faculty writes it\n")
    status, out, _ = roll(content, assets, "ss27_amls", "--from", "ss26_amls",
                          "--start", "2027-04-12")
    assert status == 0
    assert "label" not in read(content / "ss27_amls" / "course.yaml")["term"]
    assert "note: term.label 'Sommersemester' removed" in out


def test_removed_keys_leave_the_comments_that_follow_them():
    doc = Document("lectures:\n  - number: 1\n    room: x  # old room\n    # about two\n"
                   "  - number: 2\n")
    doc.drop(doc.data["lectures"][0], "room")
    assert doc.text() == "lectures:\n  - number: 1\n    # about two\n  - number: 2\n"


# --- refusals: a clear message, nothing written --------------------------------------------

def refused(content, assets, *args, status=1, in_process=False):
    """The message of a refused rollover (the command line in a fresh interpreter, unless
    `in_process`) that wrote nothing."""
    before, listing = tree(content), entries(content)
    if in_process:
        code, out, err = roll(content, assets, *args)
    else:
        done = run_cli("new-term", *args, "--content", content, "--assets", assets)
        code, out, err = done.returncode, done.stdout, done.stderr
    assert (code, out) == (status, "")
    assert (tree(content), entries(content)) == (before, listing)
    assert "Traceback" not in err
    return err.strip()


def test_refuses_an_existing_target(amls):
    content, assets = amls
    (content / "ss27_amls").mkdir()
    message = refused(content, assets, "ss27_amls", "--from", "ss26_amls",
                      "--start", "2027-04-12")
    assert message.startswith("new-term: ")
    assert "ss27_amls already exists; choose another name" in message


def test_refuses_an_unknown_source(amls):
    content, assets = amls
    message = refused(content, assets, "ss27_amls", "--from", "ss25_amls",
                      "--start", "2027-04-12")
    assert "--from ss25_amls: no offering" in message and "(offerings: ss26_amls)" in message


def test_refuses_a_source_with_problems(amls):
    content, assets = amls
    edit(content / "ss26_amls" / "lectures.yaml", "date: 2026-04-16", "date: 16.04.")
    message = refused(content, assets, "ss27_amls", "--from", "ss26_amls",
                      "--start", "2027-04-12")
    first, last = message.splitlines()[0], message.splitlines()[-1]
    assert first.endswith("lectures.yaml:10: parts[0].lectures[0].date: expected a date like "
                          "2026-04-16, got '16.04.'")
    assert last == "1 problem found; nothing was written."


@pytest.mark.parametrize("args, expected", [
    (["--start", "2027-13-01"], "'2027-13-01' is not a day of the calendar"),
    (["--start", "12.04.2027"], "expected a date like 2027-04-12, got '12.04.2027'"),
    (["--start", "2027-04-12", "--break", "2027-06-05..2027-06-01"], "swap them"),
])
def test_refuses_a_bad_date(amls, args, expected):
    content, assets = amls
    message = refused(content, assets, "ss27_amls", "--from", "ss26_amls", *args, status=2)
    assert message.splitlines()[-1].startswith("build.py new-term: error: argument")
    assert expected in message


def test_refuses_a_bad_slug(amls):
    content, assets = amls
    message = refused(content, assets, "SS27 AMLS", "--from", "ss26_amls",
                      "--start", "2027-04-12", status=2)
    assert "offering folder names become URLs" in message


@pytest.mark.parametrize("args, expected", [
    (["--start", "2028-04-10"], "--start 2028-04-10 is not in summer 2027"),
    (["--start", "2027-04-12", "--end", "2027-04-01"], "--end 2027-04-01 comes before"),
    (["--start", "2027-04-12", "--break", "2027-08-01"], "--break 2027-08-01 lies outside"),
])
def test_refuses_dates_that_do_not_fit_the_term(amls, args, expected):
    content, assets = amls
    message = refused(content, assets, "ss27_amls", "--from", "ss26_amls", *args)
    assert expected in message


def test_refuses_more_lectures_than_lecture_days(amls):
    content, assets = amls
    message = refused(content, assets, "ss27_amls", "--from", "ss26_amls",
                      "--start", "2027-04-12", "--end", "2027-05-31")
    # Thursdays 04-15 .. 05-27 without Ascension Day: 6 days for 13 lectures
    assert message == ("new-term: 13 dated lectures, but only 6 lecture days from 2027-04-12 "
                       "to 2027-05-31 (holidays and breaks skipped): 7 missing; give a later "
                       "--end or remove 7 lecture(s) afterwards")


def test_a_result_that_does_not_load_writes_nothing(amls, monkeypatch):
    content, assets = amls
    real = newterm.load_site
    calls = []

    def second_fails(folder, assets_dir):
        calls.append(folder)
        if len(calls) == 2:  # the content with the new offering
            (folder / "ss27_amls" / "course.yaml").write_text("tittle: x\n", encoding="utf-8")
        return real(folder, assets_dir)

    monkeypatch.setattr(newterm, "load_site", second_fails)
    message = refused(content, assets, "ss27_amls", "--from", "ss26_amls",
                      "--start", "2027-04-12", in_process=True)
    assert message.startswith("new-term: the new offering would not load; nothing was written")
    assert "ss27_amls/course.yaml:1: tittle: unknown key 'tittle'" in message
    assert len(calls) == 2


def test_refuses_a_pattern_that_leaves_the_term(winter):
    content, assets = winter
    message = refused(content, assets, "ws27_dk", "--from", "ws26_dk", "--start",
                      "2027-10-11", "--end", "2027-12-31")
    assert message == ("new-term: 2 session(s) would move outside the new term (2027-10-11 to "
                       "2027-12-31), the first to 2028-01-10; give a later --end (or none: as "
                       "long as the old term)")
