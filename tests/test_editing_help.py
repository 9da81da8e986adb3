"""Editing help: the JSON Schema editors use agrees with the validator, and mistakes explain
themselves.

`CASES` is the one table of good and bad snippets, per content file: each edits a minimal
valid site (`BASE`), which is built by the real loader (model.load_site, cross-file checks
included) and the edited file checked against its exported JSON Schema as an editor reads
it (YAML 1.2); both must accept a good snippet and both must refuse a bad one. `LIMITS` are
what only the validator can know (a room exists, April has 30 days): it refuses them while
the schema lets them pass, asserted so that the list stays honest.

Also here: the committed schema/ files and the README's field reference are current, the
README's example offering builds strictly, the editor settings name every schema, and the
messages for an unknown key, a value cut at ' #' and an e-mail address without mailto:.
"""
from __future__ import annotations

import copy
import json
import re
import subprocess
import sys

import jsonschema
import pytest
from conftest import ROOT
from helpers import theme_assets
from test_schema import editor_reads

from coursesite import schema_export
from coursesite.errors import ContentError, Problem
from coursesite.model import load_site

SLUG = "ss26_x"
FILES = {"site": "site.yaml", "rooms": "rooms.yaml",
         **{kind: f"{SLUG}/{kind}.yaml"
            for kind in ("course", "lectures", "projects", "organization", "news")}}

# A minimal valid site; leaves are YAML text exactly as written into the file.
BASE = {
    "site": {"title": "Test site", "timezone": "Europe/Berlin", "holiday_region": "DE-BE"},
    "rooms": {"rooms": [{"id": "h-1012", "name": "H 1012"},
                        {"id": "mar-4033", "name": "MAR 4.033"}]},
    "course": {"title": "Test course", "short": "TC",
               "term": {"season": "summer", "year": "2026", "start": "2026-04-13",
                        "end": "2026-07-18"},
               "weekly": {"lectures": [{"weekday": "tue", "start": '"10:00"',
                                        "length": "90min", "room": "h-1012"}]}},
    "lectures": {"parts": [{"letter": "A", "title": "Basics", "lectures": [
        {"number": "1", "title": "Intro", "date": "2026-04-14",
         "materials": [{"kind": "slides", "url": f"{SLUG}/01.pdf"}]}]}]},
    "projects": {"proposals": [{"id": "p-01", "title": "A project"}]},
    "organization": {"lecturers": [{"name": "Erika Mustermann"}],
                     "exams": [{"id": "final", "title": "Final", "date": "2026-07-21"}]},
    "news": {"news": [{"date": "2026-04-09", "title": "Welcome"}]},
}
ASSETS = (f"{SLUG}/01.pdf",)  # files under assets/ that local URLs may name
DROP = None  # as an edit's value: remove the key


def case(verdict: str, kind: str, edits: dict, why: str = ""):
    """One row: `edits` maps a path in the file (weekly.lectures[0].start) to YAML text."""
    label = f"{verdict}-{kind}-" + ",".join(f"{k}={v}" for k, v in edits.items()) + why
    return pytest.param(verdict, kind, edits, id=label)


def ok(kind, edits, why=""):
    return case("good", kind, edits, why)


def bad(kind, edits, why=""):
    return case("bad", kind, edits, why)


SLOT = "weekly.lectures[0]"
LECTURE = "parts[0].lectures[0]"
CASES = [
    ok("site", {}),  # the base itself
    ok("site", {"title": "2026"}, " (a number is text too)"),
    ok("site", {"title": "yes"}),
    ok("site", {"language": "de"}),
    ok("site", {"base_url": "https://example.org/teaching/"}),
    ok("site", {"timezone": "UTC"}),
    ok("site", {"holiday_region": "DK"}),
    ok("site", {"extra": ""}, " (nothing written: an empty mapping)"),
    ok("site", {"extra": "{color: teal, n: [1, 2]}"}),
    ok("site", {"description": "|\n  Two lines\n  of markdown."}),
    ok("site", {"maintainer": '{name: Erika, email: "mailto:erika@example.org"}'}),
    bad("site", {"title": ""}, " (nothing)"),
    bad("site", {"title": '"  "'}, " (blank)"),
    bad("site", {"title": '"two\\nlines"'}),
    bad("site", {"title": '"a\\x01b"'}, " (control character)"),
    bad("site", {"title": DROP}),
    bad("site", {"tittle": "Typo"}),
    bad("site", {"language": "[en]"}),
    bad("site", {"base_url": "https://example.org/teaching"}, " (no final /)"),
    bad("site", {"timezone": "Berlin"}),
    bad("site", {"holiday_region": "de-be"}),
    bad("site", {"extra": "[1, 2]"}),
    bad("site", {"maintainer": "{name: Erika, email: erika@example.org}"}, " (no mailto:)"),
    ok("rooms", {"rooms[1].id": "2026"}, " (a number is an id)"),
    ok("rooms", {"rooms[1].map_url": "https://example.org/map"}),
    ok("rooms", {"rooms[1].map_url": f"{SLUG}/01.pdf"}),
    ok("rooms", {"rooms[1].building": "Main building"}),
    ok("rooms", {"rooms[1].address": "Marchstraße 23, 10587 Berlin"}),
    bad("rooms", {"rooms[1].id": "MAR 4"}),
    bad("rooms", {"rooms[1].name": DROP}),
    bad("rooms", {"rooms[1].map_url": "../secret.pdf"}),
    bad("rooms", {"rooms[1].map_url": "/etc/passwd"}),
    bad("rooms", {"rooms[1].map_url": "javascript:alert(1)"}),
    bad("rooms", {"rooms": "{id: x, name: X}"}, " (a mapping, not a list)"),
    ok("course", {f"{SLOT}.start": "10:00"}, " (unquoted time: YAML 1.1 would say 600)"),
    ok("course", {f"{SLOT}.start": "9:30"}),
    ok("course", {f"{SLOT}.weekday": "Tuesday"}),
    ok("course", {f"{SLOT}.weekday": "TUE"}),
    ok("course", {f"{SLOT}.length": "90"}),
    ok("course", {f"{SLOT}.length": "1h30"}),
    ok("course", {f"{SLOT}.length": "1h 30min"}),
    ok("course", {f"{SLOT}.length": "2h"}),
    ok("course", {f"{SLOT}.length": DROP, f"{SLOT}.end": "11:30"}),
    ok("course", {f"{SLOT}.online": '[{label: Zoom, url: "https://example.org/zoom"}]'}),
    ok("course", {f"{SLOT}.online": "[{label: Zoom}]"}),
    ok("course", {"ects": "6"}),
    ok("course", {"ects": '"6"'}, " (quoted: the validator reads text)"),
    ok("course", {"term.year": "'2026'"}),
    ok("course", {"term.season": "winter"}),
    ok("course", {"term.start": '"2026-04-13"'}),
    ok("course", {"term.breaks": "[{start: 2026-05-26, end: 2026-05-29}]"}),
    ok("course", {"module_sentence": "false"}),
    ok("course", {"module_sentence": "False"}),
    ok("course", {"module_sentence": "Six credits, master."}),
    ok("course", {"module_sentence": "42"}),
    ok("course", {"codes": "[{number: 41078}]"}, " (an unquoted catalogue number)"),
    ok("course", {"programmes": "[computer science, 42]"}),
    ok("course", {"sections.lectures": "Talks"}),
    ok("course", {"course": "ds2"}),
    ok("course", {"weekly.office_hours": '[{weekday: wed, start: "14:00", end: "15:00"}]'}),
    bad("course", {f"{SLOT}.start": "4pm"}),
    bad("course", {f"{SLOT}.start": "16:00:00"}),
    bad("course", {f"{SLOT}.start": "1600"}),
    bad("course", {f"{SLOT}.start": "24:00"}),
    bad("course", {f"{SLOT}.weekday": "tues"}),
    bad("course", {f"{SLOT}.weekday": "monkey"}),
    bad("course", {f"{SLOT}.length": "0"}),
    bad("course", {f"{SLOT}.length": "90 minutes"}),
    bad("course", {f"{SLOT}.length": "1.5h"}),
    bad("course", {f"{SLOT}.online": "[{url: https://example.org/zoom}]"}, " (no label)"),
    bad("course", {"ects": "six"}),
    bad("course", {"ects": "6.5"}),
    bad("course", {"ects": "1234567890"}),
    bad("course", {"term.season": "Summer"}),
    bad("course", {"term.season": "autumn"}),
    bad("course", {"term.start": "13.04.2026"}),
    bad("course", {"term.start": "2026-4-13"}),
    bad("course", {"term": DROP}),
    bad("course", {"module_sentence": "true"}),
    bad("course", {"codes": "[{kind: VL}]"}, " (no number)"),
    bad("course", {"codes": "{number: 1}"}),
    bad("course", {"programmes": "computer science"}),
    bad("course", {"sections": "[a]"}),
    bad("course", {"course": "DS 2"}),
    bad("course", {"weekly": ""}),
    ok("lectures", {f"{LECTURE}.date": "TBD"}),
    ok("lectures", {f"{LECTURE}.number": '"1"'}),
    ok("lectures", {f"{LECTURE}.number": DROP}),
    ok("lectures", {f"{LECTURE}.status": "cancelled"}),
    ok("lectures", {f"{LECTURE}.note": "Lecturer ill."}),
    ok("lectures", {f"{LECTURE}.start": "10:30"}),
    ok("lectures", {f"{LECTURE}.room": "mar-4033"}),
    ok("lectures", {f"{LECTURE}.materials[0].release": "2026-04-14T12:00"}),
    ok("lectures", {f"{LECTURE}.materials[0].release": "2026-04-14 12:00"}),
    ok("lectures", {f"{LECTURE}.materials[0].url": "https://example.org/01.pdf"}),
    ok("lectures", {f"{LECTURE}.materials[0].url": '"mailto:erika@example.org"'}),
    ok("lectures", {f"{LECTURE}.materials[0].label": "Slides (PDF)"}),
    ok("lectures", {"intro": "|\n  Slides are online\n  before each lecture."}),
    bad("lectures", {f"{LECTURE}.date": "tbd"}),
    bad("lectures", {f"{LECTURE}.date": "16.04."}),
    bad("lectures", {f"{LECTURE}.number": "two"}),
    bad("lectures", {f"{LECTURE}.status": "canceled"}),
    bad("lectures", {f"{LECTURE}.title": "[a, b]"}),
    bad("lectures", {f"{LECTURE}.title": '"Intro\\nand more"'}),
    bad("lectures", {f"{LECTURE}.start": "half past ten"}),
    bad("lectures", {f"{LECTURE}.materials[0].kind": "pdf"}),
    bad("lectures", {f"{LECTURE}.materials[0].url": "ftp://example.org/01.pdf"}),
    bad("lectures", {f"{LECTURE}.materials[0].url": "mailto:erika"}),
    bad("lectures", {f"{LECTURE}.materials[0].url": f"{SLUG}//01.pdf"}),
    bad("lectures", {f"{LECTURE}.materials[0].release": "2026-04-14"}),
    bad("lectures", {f"{LECTURE}.materials[0].release": "2026-04-14T12:00:00"}),
    bad("lectures", {f"{LECTURE}.matrials": "[]"}),
    bad("lectures", {"parts[0].letter": DROP}),
    ok("projects", {"proposals[0].team_size": "2"}, " (an integer in YAML)"),
    ok("projects", {"proposals[0].team_size": "1-3"}),
    ok("projects", {"proposals[0].team_size": '"2"'}),
    ok("projects", {"proposals[0].status": "assigned"}),
    ok("projects", {"proposals[0].id": "01"}),
    ok("projects", {"proposals[0].supervisors": "[Erika, Max]"}),
    ok("projects", {"proposals[0].links": '[{label: Code, url: "https://example.org/c"}]'}),
    ok("projects", {"proposals_url": "https://example.org/projects"}),
    ok("projects", {"exercises": "[{title: Contest, description: Four tasks.}]"}),
    bad("projects", {"proposals[0].team_size": "0"}),
    bad("projects", {"proposals[0].team_size": "2-"}),
    bad("projects", {"proposals[0].team_size": "two"}),
    bad("projects", {"proposals[0].team_size": "1.5"}),
    bad("projects", {"proposals[0].status": "taken"}),
    bad("projects", {"proposals[0].id": "P 1"}),
    bad("projects", {"proposals_url": "erika@example.org"}, " (no mailto:)"),
    bad("projects", {"proposals[0].links": '[{label: Mail, url: "mailto:erika"}]'}),
    ok("organization", {"exams[0].date": "TBD"}),
    ok("organization", {"exams[0].start": '"10:00"', "exams[0].end": '"12:00"'}),
    ok("organization", {"exams[0].room": "h-1012"}),
    ok("organization", {"exams[0].place": "Main hall"}),
    ok("organization", {"lecturers[0].email": '"mailto:erika@example.org"'}),
    ok("organization", {"lecturers[0].url": "https://example.org/erika"}),
    ok("organization", {"deadlines": '[{id: projects, title: Due, date: 2026-07-31, '
                                     'time: "23:59"}]'}),
    ok("organization", {"grading": "Exam (100%)."}),
    bad("organization", {"exams[0].id": "Final"}),
    bad("organization", {"exams[0].date": DROP}),
    bad("organization", {"lecturers[0].email": "erika@example.org"}, " (no mailto:)"),
    bad("organization", {"deadlines": '[{id: p, title: Due, date: 2026-07-31, '
                                      'time: "23:60"}]'}),
    bad("organization", {"grading": "[1]"}),
    bad("organization", {"lecturers[0].mail": '"mailto:erika@example.org"'}),
    ok("news", {"news[0].pinned": "true"}),
    ok("news", {"news[0].pinned": "True"}, " (a YAML 1.2 boolean)"),
    ok("news", {"news[0].pinned": '"false"'}),
    ok("news", {"news[0].time": "09:00"}),
    ok("news", {"news[0].body": '"First lecture: **April 14**."'}),
    ok("news", {"news": ""}),
    bad("news", {"news[0].pinned": "yes"}, " (a string in YAML 1.2)"),
    bad("news", {"news[0].pinned": "1"}),
    bad("news", {"news[0].pinned": ""}),
    bad("news", {"news[0].date": "2026-04-09T09:00"}),
    bad("news", {"news[0].title": DROP}),
    bad("news", {"news[0].titel": "Welcome"}),
]

# What only the validator can know: the schema lets these pass, the build refuses them.
LIMITS = [
    bad("lectures", {f"{LECTURE}.date": "2026-04-31"}, " (no such day)"),
    bad("lectures", {f"{LECTURE}.date": "2026-09-01"}, " (outside the term)"),
    bad("lectures", {f"{LECTURE}.room": "h-1013"}, " (no such room)"),
    bad("lectures", {f"{LECTURE}.materials[0].url": f"{SLUG}/02.pdf"}, " (no such file)"),
    bad("site", {"timezone": "Mars/Olympus"}),
    bad("site", {"holiday_region": "XX"}),
    bad("course", {f"{SLOT}.length": "0min"}),
    bad("course", {f"{SLOT}.length": "25h"}),
    bad("course", {f"{SLOT}.end": '"11:30"'}, " (end and length)"),
    bad("organization", {"exams[0].start": '"10:00"'}, " (a start without an end)"),
    bad("course", {"ects": "0x10"}, " (an editor reads 16)"),
]


# --- writing a site from BASE and edits ------------------------------------------------------

def split_path(path: str) -> list:
    """'weekly.lectures[0].start' -> ['weekly', 'lectures', 0, 'start']."""
    return [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", path)]


def edited(kind: str, edits: dict) -> dict:
    """BASE[kind] with each edit applied (DROP removes the key, a new key comes last)."""
    data = copy.deepcopy(BASE[kind])
    for path, value in edits.items():
        *parents, key = split_path(path)
        target = data
        for step in parents:  # a missing mapping on the way is added
            target = target[step] if isinstance(step, int) else target.setdefault(step, {})
        if value is DROP:
            target.pop(key)
        else:
            target[key] = value
    return data


def emit(value, indent: int = 0) -> list[str]:
    """Block-style YAML lines of nested dicts and lists whose leaves are YAML text, written
    as given (a leaf's further lines are indented under its key)."""
    pad, lines = " " * indent, []
    if isinstance(value, dict):
        for key, v in value.items():
            if isinstance(v, (dict, list)):
                lines += [f"{pad}{key}:", *emit(v, indent + 2)]
            else:
                first, *rest = v.split("\n")
                lines += [f"{pad}{key}: {first}".rstrip(), *(f"{pad}{r}" for r in rest)]
        return lines
    for item in value:
        sub = emit(item, indent + 2)
        lines += [f"{pad}- {sub[0].lstrip()}", *sub[1:]]
    return lines


def write_site(folder, texts: dict):
    """A content folder with the given file texts (kind -> YAML text) and an assets folder
    with the theme and ASSETS; returns (content, assets)."""
    content = folder / "content"
    for kind, name in FILES.items():
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).write_text(texts[kind], encoding="utf-8")
    assets = theme_assets(folder / "assets")
    for rel in ASSETS:
        (assets / rel).parent.mkdir(parents=True, exist_ok=True)
        (assets / rel).write_bytes(b"%PDF-1.4\n%%EOF\n")
    return content, assets


def base_texts() -> dict:
    """kind -> the YAML text of BASE's file."""
    return {kind: "\n".join(emit(data)) + "\n" for kind, data in BASE.items()}


def validator_problems(folder, texts: dict):
    """(errors, warnings) of the real loader on the site: Problems as strings."""
    content, assets = write_site(folder, texts)
    try:
        site = load_site(content, assets)
    except ContentError as exc:
        return [str(p) for p in exc.problems], []
    return [], [str(p) for p in site.warnings]


def schema_errors(kind: str, text: str) -> list[str]:
    """What the exported JSON Schema says about the file, read as an editor reads it."""
    validator = jsonschema.Draft202012Validator(schema_export.json_schemas()[kind])
    return [e.message for e in validator.iter_errors(editor_reads(text))]


def verdicts(tmp_path, kind: str, edits: dict) -> tuple[list, list]:
    """(validator errors, schema errors) on BASE with the edits to one file."""
    texts = base_texts()
    texts[kind] = "\n".join(emit(edited(kind, edits))) + "\n"
    errors, _ = validator_problems(tmp_path, texts)
    return errors, schema_errors(kind, texts[kind])


@pytest.mark.parametrize("verdict, kind, edits", CASES)
def test_the_schema_and_the_validator_agree(tmp_path, verdict, kind, edits):
    errors, schema = verdicts(tmp_path, kind, edits)
    if verdict == "good":
        assert (errors, schema) == ([], [])
    else:
        assert errors and schema, f"validator: {errors}; schema: {schema}"
    assert all(re.match(r"\S+\.yaml:\d+: ", e) for e in errors), errors  # file:line


@pytest.mark.parametrize("verdict, kind, edits", LIMITS)
def test_what_only_the_validator_can_know(tmp_path, verdict, kind, edits):
    errors, schema = verdicts(tmp_path, kind, edits)
    assert verdict == "bad" and errors and not schema, (errors, schema)


def test_the_table_covers_every_content_file():
    assert {kind for _, kind, _ in (c.values for c in CASES)} == set(FILES)
    assert set(FILES) == set(schema_export.json_schemas())


def test_every_pattern_is_portable_to_json_schema_regex():
    """ECMA-262 (what editors run) has no inline flags, named groups or \\A \\Z."""
    text = "".join(schema_export.schema_files().values())
    patterns = [json.loads(f'"{p}"') for p in re.findall(r'"pattern": "((?:[^"\\]|\\.)*)"', text)]
    assert patterns
    for pattern in patterns:
        assert not re.search(r"\(\?[iPmsx<]|\\[AZ]", pattern.replace("(?<!", "")), pattern


# --- the committed files and the editor settings ---------------------------------------------

def test_the_committed_schema_files_are_current():
    folder = ROOT / schema_export.SCHEMA_DIR
    expected = schema_export.schema_files()
    found = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.schema.json")}
    assert found == expected, "schema/ is stale: run `make schema`"
    for text in expected.values():
        jsonschema.Draft202012Validator.check_schema(json.loads(text))


def test_the_editor_settings_map_every_content_file_to_its_schema():
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    assert settings["yaml.yamlVersion"] == "1.2"  # else 16:00 is 960 to the editor
    schemas = settings["yaml.schemas"]
    for stem in schema_export.json_schemas():
        globs = schemas[f"./schema/{stem}.schema.json"]
        assert (f"content/{stem}.yaml" if stem in ("site", "rooms")
                else f"content/*/{stem}.yaml") in globs
    assert all((ROOT / path).is_file() for path in schemas)


def test_the_schema_comment_line_is_ignored(tmp_path):
    texts = {kind: f"# yaml-language-server: $schema=../../schema/{kind}.schema.json\n{text}"
             for kind, text in base_texts().items()}
    assert validator_problems(tmp_path, texts) == ([], [])


def test_the_schema_command_rewrites_the_field_reference(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# X\n\n{schema_export.FIELDS_START}\nold\n{schema_export.FIELDS_END}\n"
                      "tail\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "schema", "--out",
                           str(tmp_path / "schema"), "--readme", str(readme)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert readme.read_text(encoding="utf-8") == schema_export.with_field_reference(
        f"# X\n\n{schema_export.FIELDS_START}\n{schema_export.FIELDS_END}\ntail\n")
    assert "| `weekly.lectures[].length` |" in readme.read_text(encoding="utf-8")


def test_the_schema_command_refuses_a_readme_without_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# X\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "schema", "--out",
                           str(tmp_path / "schema"), "--readme", str(readme)],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "fields:start" in proc.stderr
    assert readme.read_text(encoding="utf-8") == "# X\n"


# --- the README ------------------------------------------------------------------------------

README = ROOT / "README.md"


def test_the_readme_field_reference_is_current():
    text = README.read_text(encoding="utf-8")
    assert schema_export.with_field_reference(text) == text, "run `make schema`"
    fields = text.index("## Field reference")
    later = [m.start() for m in re.finditer(r"^## (Tests|Development)", text, re.M)]
    assert all(fields < at for at in later)


def readme_example() -> dict:
    """The README's example offering: content path -> YAML text."""
    section = README.read_text(encoding="utf-8").split("## Field reference", 1)[1]
    section = section.split(schema_export.FIELDS_START, 1)[0]
    return dict(re.findall(r"^`(content/[^`]+\.yaml)`:\n\n```yaml\n(.*?)^```", section,
                           re.M | re.S))


def test_the_readme_example_offering_builds_strictly(tmp_path):
    example = readme_example()
    stems = {path.rsplit("/", 1)[1].removesuffix(".yaml") for path in example}
    assert stems == set(FILES)  # every content file is in the example
    for path, text in example.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        depth = path.count("/")
        assert text.startswith(f"# yaml-language-server: $schema={'../' * depth}schema/")
        stem = path.rsplit("/", 1)[1].removesuffix(".yaml")
        assert schema_errors(stem, text) == [], path
    site = load_site(tmp_path / "content", theme_assets(tmp_path / "assets"))
    assert site.warnings == ()  # strict: a warning would stop `check --strict`
    (offering,) = site.offerings
    assert offering.course.weekly.lectures[0].start.hour == 10  # unquoted 10:00


# --- messages ----------------------------------------------------------------------------------

def test_an_unknown_key_without_a_near_miss_lists_the_allowed_keys(tmp_path):
    texts = base_texts()
    texts["news"] = "\n".join(emit(edited("news", {"news[0].headline": "Hi"}))) + "\n"
    errors, _ = validator_problems(tmp_path, texts)
    news = tmp_path / "content" / SLUG / "news.yaml"
    assert errors == [str(Problem(
        str(news), 4, "news[0].headline", "unknown key 'headline'; allowed keys here: date, "
        "title, time, body, pinned"))]


def test_an_unknown_key_near_a_known_one_gets_did_you_mean(tmp_path):
    texts = base_texts()
    texts["news"] = "\n".join(emit(edited("news", {"news[0].titel": "Hi"}))) + "\n"
    errors, _ = validator_problems(tmp_path, texts)
    assert any(e.endswith("news[0].titel: unknown key 'titel' (did you mean 'title'?)")
               for e in errors), errors


@pytest.mark.parametrize("kind, path, line", [
    ("lectures", f"{LECTURE}.title", 6), ("site", "title", 1), ("news", "news[0].title", 3),
    ("course", "title", 1), ("lectures", f"{LECTURE}.note", 11),
])
def test_a_value_cut_at_a_comment_is_a_warning_naming_file_and_line(tmp_path, kind, path,
                                                                    line):
    texts = base_texts()
    texts[kind] = "\n".join(emit(edited(kind, {path: "Intro #1 basics"}))) + "\n"
    errors, warnings = validator_problems(tmp_path, texts)
    key = split_path(path)[-1]
    assert errors == []
    assert warnings == [str(Problem(
        str(tmp_path / "content" / FILES[kind]), line, path,
        f"YAML reads this value as 'Intro' and drops '#1 basics' as a comment (' #' starts "
        f"one); if it belongs to the value, quote it: {key}: \"Intro #1 basics\""))]


@pytest.mark.parametrize("value", ['"Intro #1 basics"', "Intro   # a comment",
                                   "Intro # a comment", "C#", "Intro#1"])
def test_quoted_values_and_ordinary_comments_are_not_taken_for_cuts(tmp_path, value):
    texts = base_texts()
    texts["lectures"] = "\n".join(emit(edited("lectures", {f"{LECTURE}.title": value}))) + "\n"
    assert validator_problems(tmp_path, texts) == ([], [])


@pytest.mark.parametrize("kind, path, line", [
    ("organization", "lecturers[0].email", 3), ("projects", "proposals_url", 4),
    ("site", "maintainer", 4),
])
def test_an_email_address_without_mailto_gets_a_hint(tmp_path, kind, path, line):
    value = "{name: Erika, email: erika@example.org}" if kind == "site" else \
        "erika@example.org"
    texts = base_texts()
    texts[kind] = "\n".join(emit(edited(kind, {path: value}))) + "\n"
    errors, _ = validator_problems(tmp_path, texts)
    where = "maintainer.email" if kind == "site" else path
    assert errors == [str(Problem(
        str(tmp_path / "content" / FILES[kind]), line, where, "'erika@example.org' is an "
        "e-mail address, not a file under assets/; write mailto:erika@example.org"))]
