"""The tool's tests are about the tool, not about today's course.

A copy of this repository whose content/ and assets/ a maintainer has edited as they do every
week (lectures moved and cancelled, a room changed, an exam dated, another offering, slides
under assets/<slug>/) must pass the suite's content-independent tests unchanged; and no test
may run a bare `python`, which on a fresh machine is an interpreter without our dependencies.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

# Every test file but this one and the browser suites (they add minutes, and build only
# fixtures through the same helpers as the rest): new test files are included by themselves.
NOT_RUN = ["tests/test_independence.py", "tests/test_quality.py", "tests/test_serve_browser.py",
           "tests/test_schedule_browser.py", "tests/test_next.py"]
TOP_LEVEL_NOT_COPIED = {".git", ".venv", "site", "test-artifacts"}
NOT_COPIED_ANYWHERE = {"node_modules", "__pycache__", ".pytest_cache", ".hypothesis"}


def not_copied(folder: str, names: list[str]) -> set[str]:
    """What a copy of the repository leaves out: build output, caches, installed packages."""
    top = TOP_LEVEL_NOT_COPIED if Path(folder) == ROOT else set()
    return {n for n in names if n in top or n in NOT_COPIED_ANYWHERE
            or n.endswith(".egg-info")}


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name} no longer holds {old!r}: update this test's edit"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_like_a_maintainer(repo: Path) -> None:
    """A week of ordinary edits to the copy's content/ and assets/."""
    offering = next(p for p in sorted((repo / "content").iterdir())
                    if p.is_dir() and (p / "lectures.yaml").is_file())
    lectures = offering / "lectures.yaml"
    text = lectures.read_text(encoding="utf-8")
    dates = re.findall(r"date: (\d{4}-\d\d-\d\d)", text)
    assert len(dates) >= 2, "the edit needs two dated lectures"
    replace_in(lectures, f"date: {dates[0]}", f"date: {dates[0]}, status: cancelled, "
                                              "note: Moved online.")
    replace_in(lectures, f"date: {dates[1]}", f"date: {dates[1]}, start: '08:00', "
                                              "end: '10:00'")
    course = offering / "course.yaml"
    replace_in(course, "title:", "title: Renamed:")
    extra = repo / "content" / f"x{offering.name}"
    shutil.copytree(offering, extra)
    slides = repo / "assets" / offering.name
    slides.mkdir(parents=True, exist_ok=True)
    (slides / "01-intro.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    (repo / "assets" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")


def fake_python(folder: Path) -> Path:
    """A `python` and `python3` that are interpreters without the project's dependencies."""
    folder.mkdir()
    for name in ("python", "python3"):  # names of the fakes, not commands
        script = folder / name
        script.write_text("#!/bin/sh\necho 'this python has no coursesite dependencies' >&2\n"
                          "exit 97\n")
        script.chmod(0o755)
    return folder


@pytest.mark.skipif(os.environ.get("COURSESITE_INNER_RUN") == "1",
                    reason="already inside the copied repository's run")
def test_the_suite_passes_on_a_copy_with_edited_content(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT, repo, ignore=not_copied, symlinks=True)
    modules = ROOT / "tests" / "js" / "node_modules"
    if modules.is_dir():  # installed packages (ical.js, vnu-jar) are linked, not copied
        (repo / "tests" / "js" / "node_modules").symlink_to(modules)
    edit_like_a_maintainer(repo)
    build = subprocess.run([sys.executable, "build.py", "check", "--strict"], cwd=repo,
                           capture_output=True, text=True, timeout=300)
    assert "Traceback" not in build.stderr, build.stderr
    env = dict(os.environ, COURSESITE_INNER_RUN="1",
               PATH=f"{fake_python(tmp_path / 'bin')}{os.pathsep}{os.environ['PATH']}")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "-x", "tests", *(f"--ignore={path}" for path in NOT_RUN)],
                         cwd=repo, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]


def test_no_test_runs_a_bare_python():
    """Subprocesses run sys.executable: a bare python on PATH may lack every dependency."""
    bare = re.compile(r"""[\[(,]\s*["'](python3?)["']\s*[,\])]""")
    found = [f"{p.name}:{n}: {line.strip()}"
             for p in sorted((ROOT / "tests").glob("*.py"))
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if bare.search(line) and not line.endswith("# names of the fakes, not commands")]
    assert found == [], "use sys.executable instead:\n" + "\n".join(found)
