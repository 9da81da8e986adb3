"""Golden-file tests: whole fixture sites, byte for byte (`make golden` regenerates): the AMLS
fixture in English and in German (amls_de: `language: de`), and the archive fixture (six
offerings of two courses, one renamed, a fall term abroad, a blocked course, date-only
sessions), and the bilingual fixture (one offering in English and, under de/, German)."""
from __future__ import annotations

import datetime as dt
import difflib
import shutil
from pathlib import Path

import pytest
from conftest import ROOT
from helpers import committed_copy

from coursesite.pipeline import Project, build
from coursesite.write import MANIFEST

GOLDEN = ROOT / "tests" / "golden"
# The search bundle is Pagefind's output (its WASM, scripts and binary index), not ours: its
# bytes follow Pagefind's version; tests/test_search.py checks what it holds and that it is
# reproducible.
SEARCH = "pagefind/"
# Fixture -> (golden folder, the build's moment: it decides released materials and which term
# runs, so it is fixed here).
SITES = {
    "amls": ("site", dt.datetime(2026, 12, 1, 12, 0)),               # after the term
    "amls_de": ("amls_de", dt.datetime(2026, 12, 1, 12, 0)),         # the same, in German
    "archive": ("archive", dt.datetime(2026, 5, 20, 10, 0)),         # Summer 2026 running
    "bilingual": ("bilingual", dt.datetime(2026, 4, 20, 12, 0)),     # en and de/, mid-term
}
# Built without --strict: their warnings are part of what they show (the bilingual fixture's
# untranslated texts fall back to English; tests/test_localize.py checks the warnings).
WARNED = {"bilingual"}


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under folder (relative POSIX path -> bytes)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def tree_diff(expected: dict[str, bytes], actual: dict[str, bytes]) -> list[str]:
    """Human-readable differences: missing and extra files, a unified diff per changed file."""
    report = []
    for path in sorted(expected.keys() - actual.keys()):
        report.append(f"missing from the build: {path}")
    for path in sorted(actual.keys() - expected.keys()):
        report.append(f"not in the golden files: {path}")
    for path in sorted(expected.keys() & actual.keys()):
        if expected[path] != actual[path]:
            report.extend(difflib.unified_diff(
                expected[path].decode("utf-8", "replace").splitlines(),
                actual[path].decode("utf-8", "replace").splitlines(),
                f"golden/{path}", f"build/{path}", lineterm="", n=2))
    return report


@pytest.mark.parametrize("fixture", sorted(SITES))
def test_site_matches_golden_files(tmp_path, theme, update_golden, fixture):
    folder, now = SITES[fixture]
    golden = GOLDEN / folder
    content = tmp_path / "content"
    committed_copy(ROOT / "tests" / "fixtures" / fixture, content)
    out = tmp_path / "site"
    build(Project(content=content, assets=theme), out, strict=fixture not in WARNED, now=now)
    actual = {p: b for p, b in tree(out).items() if p != MANIFEST and not p.startswith(SEARCH)}
    if update_golden:
        shutil.rmtree(golden, ignore_errors=True)
        for path, data in actual.items():
            (golden / path).parent.mkdir(parents=True, exist_ok=True)
            (golden / path).write_bytes(data)
    differences = tree_diff(tree(golden), actual)
    assert not differences, f"site differs from tests/golden/{folder} (run `make golden` if " \
        "intended):\n" + "\n".join(differences[:400])
