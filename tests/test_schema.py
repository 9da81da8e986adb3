"""The exported JSON Schema agrees with the validator: valid content passes, a typo fails."""
from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest
import yaml
from conftest import ROOT

from coursesite.schema_export import json_schemas

CONTENT_DIRS = [ROOT / "tests" / "fixtures" / "amls", ROOT / "tests" / "fixtures" / "winter"]


def as_editor_reads(path) -> object:
    """The file as a YAML 1.2 editor sees it: dates are plain strings, numbers are numbers."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return json.loads(json.dumps(data, default=str))


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


def test_schema_command_writes_one_file_per_content_file(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "schema", "--out",
                           str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{name}.schema.json" for name in json_schemas())
