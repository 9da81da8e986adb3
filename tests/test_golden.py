"""Golden-file test: the whole AMLS fixture site, byte for byte (`make golden` regenerates)."""
from __future__ import annotations

import difflib
import shutil
from pathlib import Path

from conftest import ROOT
from helpers import committed_copy

from coursesite.pipeline import Project, build
from coursesite.write import MANIFEST

GOLDEN = ROOT / "tests" / "golden" / "site"


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


def test_default_site_matches_golden_files(tmp_path, theme, update_golden):
    content = tmp_path / "content"
    committed_copy(ROOT / "tests" / "fixtures" / "amls", content)
    out = tmp_path / "site"
    build(Project(content=content, assets=theme), out)
    actual = {p: b for p, b in tree(out).items() if p != MANIFEST}
    if update_golden:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for path, data in actual.items():
            (GOLDEN / path).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / path).write_bytes(data)
    differences = tree_diff(tree(GOLDEN), actual)
    assert not differences, "site differs from tests/golden/site (run `make golden` if " \
        "intended):\n" + "\n".join(differences[:400])
