"""Error messages are an interface: one broken mini-site per class of mistake, exact lines.

Each folder under tests/broken/ is a whole, minimal content folder (site.yaml, rooms.yaml and
one offering, ss26_test) that differs from tests/broken/valid/ in one mistake. The tests run
`python build.py check --content tests/broken/<name>` from the repository root, so files are
shown as the maintainer would see them, and compare the whole of stderr line by line.

In the tables, `{d}` stands for the mini-site folder, e.g. tests/broken/bad_date.
"""
from __future__ import annotations

import shutil

import pytest
from helpers import BROKEN, copy_site, lines, run_cli

from coursesite.schema import OFFERING_FILES

COURSE = "{d}/ss26_test/course.yaml"
LECTURES = "{d}/ss26_test/lectures.yaml"

# --- errors: exit status 1, every problem listed, then the count ---------------------------

ERRORS = [
    ("yaml_syntax", [
        # The '}' is missing on line 5; libyaml notices on line 6 (hence "or the one before").
        f"{LECTURES}:6: YAML syntax: did not find expected ',' or '}}', while parsing a flow "
        "mapping (column 9); check indentation, colons and quotes on this line or the one before",
    ]),
    ("unknown_key", [
        f"{COURSE}:1: tittle: unknown key 'tittle' (did you mean 'title'?)",
    ]),
    ("missing_required", [
        f"{COURSE}:1: short: missing required key 'short' "
        "(Short name used in calendars, e.g. AMLS)",
    ]),
    ("wrong_type", [
        f"{COURSE}:1: title: expected text, got a list",
    ]),
    ("bad_date", [
        f"{LECTURES}:5: parts[0].lectures[0].date: expected a date like 2026-04-16, got '16.04.'",
    ]),
    ("bad_time", [
        f"{COURSE}:11: weekly.lectures[0].start: expected a time like 16:00 (24-hour, "
        "hours:minutes), got '4pm'",
    ]),
    ("end_before_start", [
        # BUG (fails until fixed): times shown as 16:00:00, and the slot's problem repeated on
        # every lecture as 'end 16:00:00 is not after end 18:00:00'.
        f"{COURSE}:12: weekly.lectures[0].end: end 16:00 is not after start 18:00; "
        "swap them or fix the typo",
    ]),
    ("unknown_room", [
        f"{COURSE}:13: weekly.lectures[0].room: unknown room 'bh-n-234' (closest: bh-n-243); "
        "rooms are defined in rooms.yaml",
    ]),
    ("duplicate_lecture_number", [
        f"{LECTURES}:6: parts[0].lectures[1].number: duplicate lecture number 1 (also on line 5); "
        "each must be unique",
    ]),
    ("duplicate_proposal_id", [
        "{d}/ss26_test/projects.yaml:4: proposals[1].id: duplicate proposal id 'sysds-01' "
        "(also on line 2); each must be unique",
    ]),
    ("bad_url_scheme", [
        f"{LECTURES}:9: parts[0].lectures[0].materials[0].url: expected an http(s) or mailto URL, "
        "or a path of a file under assets/ (e.g. slides/01.pdf), got 'javascript:alert(1)'",
        f"{LECTURES}:10: parts[0].lectures[0].materials[1].url: expected an http(s) or mailto URL, "
        "or a path of a file under assets/ (e.g. slides/01.pdf), got 'ftp://example.org/01.pdf'",
    ]),
    ("missing_asset", [
        f"{LECTURES}:9: parts[0].lectures[0].materials[0].url: "
        "no file assets/ss26_test/01-intro.pdf; "
        "relative URLs name files under assets/ (add the file or fix the path)",
    ]),
    ("date_outside_term", [
        f"{LECTURES}:5: parts[0].lectures[0].date: 2026-09-17 is outside the term "
        "(2026-04-13 to 2026-07-18); fix the date or the term in course.yaml",
    ]),
    ("not_utf8", [
        f"{COURSE}:1: not valid UTF-8 (byte 0xe9); save the file as UTF-8",
    ]),
    ("duplicate_yaml_key", [
        f"{COURSE}:3: duplicate key 'title' (first on line 1); keep one",
    ]),
    ("unknown_offering_file", [
        "{d}/ss26_test/lecture.yaml: unknown file (did you mean 'lectures.yaml'?); offering files "
        f"are {', '.join(OFFERING_FILES)}",
    ]),
    ("missing_course_yaml", [
        f"{COURSE}: file missing; create it (title, short and term; see README: Content)",
    ]),
    ("bad_folder_name", [
        "{d}/SS26 Test: offering folder names become URLs: use lower-case letters, digits, "
        "'-' and '_' (e.g. ss26_amls)",
    ]),
    ("yaml_bomb", [
        f"{COURSE}:15: more than 100000 values (aliases expanding?); write the content out "
        "without anchors and aliases",
    ]),
    ("deep_nesting", [
        f"{COURSE}:15: nested more than 24 levels deep; content is never that deep",
    ]),
    ("office_hours_after_term", [
        f"{COURSE}:18: weekly.office_hours[0].start_date: starts 2026-08-04, after the term ends "
        "(2026-07-18); use a date inside the term",
    ]),
    # text per language (README: German and English from one data file)
    ("unknown_language", [
        f"{COURSE}:1: title.dt: unknown language 'dt' (did you mean 'de'?)",
    ]),
    ("translation_lacks_default", [
        f"{LECTURES}:5: parts[0].lectures[0].title: no English text (en, the default language "
        "here); add en: ...",
    ]),
    ("translation_of_non_text", [
        f"{COURSE}:3: ects: expected a whole number, got a mapping; only text fields take a "
        "value per language, and this one is the same in every language: write one value",
        f"{COURSE}:4: module_sentence.en: false leaves the text out in every language: write "
        "`module_sentence: false`, not one per language",
    ]),
    ("bad_languages", [
        f"{COURSE}:3: language: 'de' is not one of languages (en); add it there, or leave "
        "`language` out (the first of languages is the default)",
    ]),
    ("many_problems", [  # several files at once: sorted by file, then line
        "{d}/site.yaml:1: tittle: unknown key 'tittle' (did you mean 'title'?)",
        f"{COURSE}:12: weekly.lectures[0].end: expected a time like 16:00 (24-hour, "
        "hours:minutes), got '6pm'",
        f"{LECTURES}:5: parts[0].lectures[0].date: expected a date like 2026-04-16, got '16.04.'",
        f"{LECTURES}:6: parts[0].lectures[1].title: expected text, got a list",
    ]),
]

# --- warnings: exit 0 (printed with 'warning: '), exit 1 under --strict --------------------

WARNINGS = [
    ("warn_missing_translation", [  # languages: [en, de]; the de pages show the English text
        "{d}/rooms.yaml:4: rooms[0].building: no German text (de); the de pages show the en "
        "one; add de: ...",
        f"{COURSE}:4: description: not translated into German: the de pages show this text; "
        "write it as {en: ..., de: ...}",
        f"{LECTURES}:5: parts[0].lectures[0].title: no German text (de); the de pages show "
        "the en one; add de: ...",
    ]),
    ("warn_weekday", [
        f"{LECTURES}:5: parts[0].lectures[0].date: 2026-04-17 is a Friday, but the weekly lecture "
        "slot is on Thursdays; check the date, or give start: and end: for an extra session",
    ]),
    ("warn_holiday", [
        f"{LECTURES}:5: parts[0].lectures[0].date: 2026-05-14 is a public holiday in DE-BE "
        "(Ascension Day); move or cancel it",
    ]),
    ("warn_room_clash", [  # ss26_other has the same slot in the same room
        f"{LECTURES}:5: parts[0].lectures[0].date: room BH-N 243 is also booked by ss26_other "
        "'Welcome' at 2026-04-16 16:00",
    ]),
    ("warn_exclude_no_occurrence", [
        f"{COURSE}:18: weekly.office_hours[0].exclude: excluded date 2026-05-13 is a Wednesday, "
        "but these office hours are on Tuesdays; remove it or fix the date",
    ]),
]

# --- edge cases found by these tests (each was a traceback or a wrong message once) ---

BUGS = [
    ("far_future_date", [  # was: OverflowError tracebacks (office hours, calendar, schedule)
        f"{LECTURES}:5: parts[0].lectures[0].date: expected a date in the years 1900 to 2999, "
        "got '9999-12-31'",
        "{d}/ss26_test/organization.yaml:2: deadlines[0].date: expected a date in the years "
        "1900 to 2999, got '9999-12-31'",
    ]),
    ("long_asset_path", [  # was: OSError 'File name too long' traceback from is_file()
        f"{LECTURES}:9: parts[0].lectures[0].materials[0].url: no file assets/{'a' * 300}.pdf; "
        "relative URLs name files under assets/ (add the file or fix the path)",
    ]),
    ("long_timezone", [  # was: OSError 'File name too long' traceback from zoneinfo
        f"{COURSE}:14: timezone: expected an IANA time zone like Europe/Berlin, "
        f"got 'Europe/{'B' * 30}...'",
    ]),
    ("control_character", [  # was: line 1 and a second line 'in "<unicode string>", position 116'
        f"{LECTURES}:6: YAML syntax: control character U+0007 is not allowed (column 12); "
        "delete it",
    ]),
    ("lecture_end_before_slot_start", [  # was: 'end 15:00:00 is not after end 16:00:00'
        f"{LECTURES}:5: parts[0].lectures[0].end: end 15:00 is not after start 16:00; "
        "swap them or fix the typo",
    ]),
    ("key_line_break", [  # was: the quoted key "sho\nrt" split the problem over two lines
        f"{COURSE}:14: sho\\nrt: unknown key 'sho\\nrt' (did you mean 'short'?)",
    ]),
]

# A 'BH-N 243' booking 16:00-18:00 holds two shorter ones; only adjacent pairs were compared.
BUG_WARNINGS = [
    ("room_clash_three", [
        f"{LECTURES}:6: parts[0].lectures[1].date: room BH-N 243 is also booked by ss26_test "
        "'Intro' at 2026-04-16 16:00",
        f"{LECTURES}:7: parts[0].lectures[2].date: room BH-N 243 is also booked by ss26_test "
        "'Intro' at 2026-04-16 16:00",
    ]),
]


def shown(site: str, expected: list[str]) -> list[str]:
    """The expected lines with {d} replaced by the mini-site folder as build.py shows it."""
    return [line.replace("{d}", f"tests/broken/{site}") for line in expected]


def with_count(problem_lines: list[str]) -> list[str]:
    n = len(problem_lines)
    return [*problem_lines, f"{n} problem{'s' if n != 1 else ''} found; nothing was written."]


def check(site: str, *flags: str):
    return run_cli("check", "--content", f"tests/broken/{site}", *flags)


def without_notes(stderr: str) -> list[str]:
    """stderr lines except `note:` lines (a successful check notes that a mini-site has no
    calendar-state.json; that is not what these tests are about)."""
    return [line for line in lines(stderr) if not line.startswith("note: ")]


def _ids(table):
    return [site for site, _ in table]


def test_every_mini_site_is_in_a_table():
    tables = ERRORS + WARNINGS + BUGS + BUG_WARNINGS
    assert sorted(p.name for p in BROKEN.iterdir() if p.is_dir()) == sorted(
        ["valid", *(site for site, _ in tables)])


def test_valid_mini_site_checks_clean():
    result = check("valid")
    assert (result.returncode, without_notes(result.stderr)) == (0, [])
    assert result.stdout.startswith("Checked: 1 offering, ")


@pytest.mark.parametrize("site, expected", ERRORS + BUGS, ids=_ids(ERRORS + BUGS))
def test_error_lines(site, expected):
    result = check(site)
    assert "Traceback" not in result.stderr, result.stderr
    assert lines(result.stderr) == with_count(shown(site, expected))
    assert (result.returncode, result.stdout) == (1, "")


@pytest.mark.parametrize("site, expected", WARNINGS + BUG_WARNINGS,
                         ids=_ids(WARNINGS + BUG_WARNINGS))
def test_warning_lines(site, expected):
    result = check(site)
    assert without_notes(result.stderr) == [f"warning: {w}" for w in shown(site, expected)]
    assert result.returncode == 0
    assert result.stdout.startswith("Checked: ")
    n = len(expected)
    assert f", {n} warning{'s' if n != 1 else ''}, " in result.stdout


@pytest.mark.parametrize("site, expected", WARNINGS + BUG_WARNINGS,
                         ids=_ids(WARNINGS + BUG_WARNINGS))
def test_warnings_are_fatal_under_strict(site, expected):
    result = check(site, "--strict")
    fatal = [f"{w} [warning, fatal under --strict]" for w in shown(site, expected)]
    assert lines(result.stderr) == with_count(fatal)
    assert (result.returncode, result.stdout) == (1, "")


def _valid_copy_with(tmp_path, rel: str, append: str):
    content = copy_site(BROKEN / "valid", tmp_path / "content")
    with open(content / rel, "a", encoding="utf-8") as f:
        f.write(append)
    return content


def test_huge_whole_number_is_a_problem_not_a_traceback(tmp_path):
    """5000 digits: int() refuses more than 4300 (ValueError), so _INT must bound the digits."""
    content = _valid_copy_with(tmp_path, "ss26_test/course.yaml", "ects: " + "9" * 5000 + "\n")
    result = run_cli("check", "--content", content)
    assert "Traceback" not in result.stderr, result.stderr[-600:]
    assert lines(result.stderr) == with_count([
        f"{content}/ss26_test/course.yaml:14: ects: expected a whole number, got '{'9' * 37}...'"])


def test_very_deep_nesting_is_a_problem_not_a_crash(tmp_path):
    """100 000 nested '[': libyaml's composer recurses in C and the interpreter segfaults."""
    depth = 100_000
    content = _valid_copy_with(tmp_path, "ss26_test/course.yaml",
                               "extra: " + "[" * depth + "]" * depth + "\n")
    result = run_cli("check", "--content", content)
    assert result.returncode == 1, f"exit status {result.returncode} (-11 is a segfault)"
    assert lines(result.stderr) == with_count([
        f"{content}/ss26_test/course.yaml:14: nested more than 24 levels deep; content is never "
        "that deep"])


def test_broken_mini_sites_are_never_written_to():
    """check must not leave files (e.g. calendar state) in the committed mini-sites."""
    before = {p.relative_to(BROKEN) for p in BROKEN.rglob("*")}
    for site, _ in ERRORS[:3] + WARNINGS[:1]:
        check(site)
    assert {p.relative_to(BROKEN) for p in BROKEN.rglob("*")} == before


def test_paths_are_shown_relative_to_the_working_folder(tmp_path):
    """Run from elsewhere, the same mistake names the file by the path that reaches it."""
    shutil.copytree(BROKEN / "bad_date", tmp_path / "bad_date")
    result = run_cli("check", "--content", "bad_date", cwd=tmp_path)
    assert lines(result.stderr)[0].startswith("bad_date/ss26_test/lectures.yaml:5: ")
    assert result.returncode == 1
