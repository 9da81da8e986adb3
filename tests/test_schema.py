"""The exported JSON Schema agrees with the validator: valid content passes, a typo fails.

Files are read as an editor reads them: YAML 1.2's core schema (VS Code's YAML extension),
where `16:00` and `2026-04-16` are strings, not PyYAML's YAML 1.1 sexagesimal 960 and dates.
tests/test_editing_help.py compares the two on a table of good and bad examples.
"""
from __future__ import annotations

import re
import subprocess
import sys

import jsonschema
import pytest
import yaml
from conftest import ROOT

from coursesite.schema_export import json_schemas

CONTENT_DIRS = [ROOT / "tests" / "fixtures" / name for name in ("amls", "winter", "bilingual")]


# YAML 1.2 core schema: how a plain (unquoted) scalar is typed.
_NULL = re.compile(r"null|Null|NULL|~|")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False,
         "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_SPECIAL_FLOAT = re.compile(r"[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")


def _plain(text: str) -> object:
    """A plain scalar's value under YAML 1.2's core schema."""
    if _NULL.fullmatch(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.fullmatch(text):
        return int(text)
    if text.startswith(("0o", "0x")):
        try:
            return int(text, 0)
        except ValueError:
            return text
    if _FLOAT.fullmatch(text) or _SPECIAL_FLOAT.fullmatch(text):
        return float(text.replace("inf", "Inf").replace("INF", "Inf").lower())
    return text


def _value(node) -> object:
    """A composed PyYAML node as YAML 1.2 reads it (quoted and block scalars are strings)."""
    if isinstance(node, yaml.ScalarNode):
        return _plain(node.value) if node.style is None else node.value
    if isinstance(node, yaml.SequenceNode):
        return [_value(item) for item in node.value]
    return {str(_value(k)): _value(v) for k, v in node.value}


def editor_reads(text: str) -> object:
    """YAML text as an editor using YAML 1.2 sees it: `10:00` and dates are strings, `2` is
    an integer, `true` and `True` are booleans, `yes` is a string."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    return {} if node is None else _value(node)


def as_editor_reads(path) -> object:
    """The file as a YAML 1.2 editor sees it (see editor_reads)."""
    return editor_reads(path.read_text(encoding="utf-8"))


def content_files():
    for folder in CONTENT_DIRS:
        for path in sorted(folder.rglob("*.yaml")):
            yield pytest.param(path, id=str(path.relative_to(ROOT)))


@pytest.mark.parametrize("path", list(content_files()))
def test_valid_content_matches_the_exported_schema(path):
    schema = json_schemas()[path.stem]
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(as_editor_reads(path), schema)


def test_a_misspelt_key_fails_the_schema():
    course = as_editor_reads(ROOT / "tests" / "fixtures" / "amls" / "ss26_amls" / "course.yaml")
    course["tittle"] = course.pop("title")
    errors = list(jsonschema.Draft202012Validator(json_schemas()["course"]).iter_errors(course))
    messages = " ".join(e.message for e in errors)
    assert "'title' is a required property" in messages and "'tittle'" in messages


@pytest.mark.parametrize("text, value", [
    ("start: 10:00", {"start": "10:00"}), ("date: 2026-04-16", {"date": "2026-04-16"}),
    ("n: 2", {"n": 2}), ("n: '2'", {"n": "2"}), ("b: True", {"b": True}),
    ("b: yes", {"b": "yes"}), ("x: ~", {"x": None}), ("x: 1.5", {"x": 1.5}),
    ("x: 0x10", {"x": 16}), ("x: 1_000", {"x": "1_000"}),
])
def test_the_editor_view_is_yaml_1_2(text, value):
    assert editor_reads(text) == value


def test_unquoted_times_pass_the_exported_schema():
    schema = json_schemas()["course"]
    course = as_editor_reads(ROOT / "tests" / "fixtures" / "amls" / "ss26_amls" / "course.yaml")
    course["weekly"]["lectures"][0].update(start=editor_reads("t: 10:00")["t"], end="12:00")
    jsonschema.validate(course, schema)


def test_schema_command_writes_one_file_per_content_file(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "schema", "--out",
                           str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{name}.schema.json" for name in json_schemas())
