"""The command line as a maintainer uses it: exit statuses, what is (not) written, summaries.

Every build goes to tmp_path; the repository's own site/ is only ever read (to prove that
`check` leaves it alone).
"""
from __future__ import annotations

import re

import pytest
from helpers import AMLS, BROKEN, ROOT, committed_copy, copy_site, entries, lines, run_cli, tree

SUMMARY = re.compile(
    r"Built (\d+) offerings?, \d+ pages, \d+ files, \d+ warnings?, \d+\.\d\d s -> (.+)/")


@pytest.fixture
def content(tmp_path):
    """A private copy of the repository's default content."""
    return committed_copy(AMLS, tmp_path / "content")


@pytest.fixture
def built(tmp_path, content):
    """An output folder holding a successful build of the default content."""
    out = tmp_path / "site"
    result = run_cli("build", "--content", content, "--out", out)
    assert result.returncode == 0, result.stderr
    return out


def break_lecture_date(content):
    """Turn the first lecture's date into '16.04.' (a content error)."""
    path = content / "ss26_amls" / "lectures.yaml"
    text = path.read_text(encoding="utf-8")
    assert "date: 2026-04-16" in text
    path.write_text(text.replace("date: 2026-04-16", "date: 16.04.", 1), encoding="utf-8")


# --- exit statuses ------------------------------------------------------------------------

def test_exit_0_for_valid_content(content):
    result = run_cli("check", "--content", content)
    # the fixture sets no base_url: check's one piece of advice (see test_next.py)
    assert result.returncode == 0
    assert len(result.stderr.splitlines()) == 1
    assert "site.yaml:2: base_url: not set" in result.stderr, result.stderr


def test_exit_1_for_content_problems_without_traceback(content):
    break_lecture_date(content)
    result = run_cli("check", "--content", content)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert lines(result.stderr)[-1] == "1 problem found; nothing was written."
    assert result.stdout == ""


@pytest.mark.parametrize("argv", [
    ["check", "--bogus"],                   # unknown flag
    ["frobnicate"],                         # unknown command
    ["build", "--out"],                     # flag without its value
    ["check", "--content", "a", "extra"],   # stray argument
])
def test_exit_2_for_usage_errors(argv, tmp_path):
    result = run_cli(*argv, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: build.py")
    assert "Traceback" not in result.stderr
    assert entries(tmp_path) == []


def test_missing_content_folder_is_exit_1(tmp_path):
    result = run_cli("check", "--content", "nowhere", cwd=tmp_path)
    assert result.returncode == 1
    assert lines(result.stderr) == ["nowhere: content folder not found; pass --content DIR"]


# --- what a build writes ------------------------------------------------------------------

def test_build_ends_with_one_line_summary(tmp_path, content):
    out = tmp_path / "site"
    result = run_cli("build", "--content", content, "--out", out)
    assert (result.returncode, result.stderr) == (0, "")
    assert len(lines(result.stdout)) == 1
    match = SUMMARY.fullmatch(lines(result.stdout)[0])
    assert match, result.stdout
    assert match.group(1) == "1"
    assert match.group(2) == str(out)  # outside the working folder: shown absolute
    assert (out / "index.html").is_file() and (out / "ss26_amls" / "index.html").is_file()


def test_build_is_the_default_command(tmp_path, content):
    out = tmp_path / "site"
    result = run_cli("--content", content, "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Built 1 offering, ")
    assert (out / "index.html").is_file()


def test_check_writes_nothing(tmp_path, content):
    """check validates only: no output folder, no change to content or site/."""
    repo_site = tree(ROOT / "site")  # read, never written
    before = tree(content)
    result = run_cli("check", "--content", content, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert lines(result.stdout)[0].startswith("Checked: 1 offering, ")
    assert len(lines(result.stdout)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content"]
    assert tree(content) == before
    assert tree(ROOT / "site") == repo_site


def test_failed_build_leaves_output_byte_identical(tmp_path, content, built):
    before_out, before_entries = tree(built), entries(tmp_path)
    break_lecture_date(content)
    before_content = tree(content)
    result = run_cli("build", "--content", content, "--out", built)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert lines(result.stderr)[-1] == "1 problem found; nothing was written."
    assert tree(built) == before_out
    assert tree(content) == before_content  # no calendar state written either
    assert entries(tmp_path) == before_entries  # no temporary folders left behind


def test_failed_first_build_creates_no_output_folder(tmp_path, content):
    break_lecture_date(content)
    result = run_cli("build", "--content", content, "--out", tmp_path / "site")
    assert result.returncode == 1
    assert not (tmp_path / "site").exists()


def test_foreign_output_folder_is_refused_and_untouched(tmp_path, content):
    mine = tmp_path / "mine"
    (mine / "sub").mkdir(parents=True)
    (mine / "notes.txt").write_text("my notes\n")
    (mine / "sub" / "data.bin").write_bytes(b"\x00\x01")
    before = tree(mine), entries(tmp_path)
    result = run_cli("build", "--content", content, "--out", mine)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = lines(result.stderr)
    assert f"refusing to replace {mine}" in line
    assert "not a coursesite build" in line
    assert (tree(mine), entries(tmp_path)) == before


def test_foreign_file_in_previous_build_is_refused_and_untouched(content, built):
    (built / "ss26_amls" / "my-notes.txt").write_text("keep me\n")
    before = tree(built)
    (content / "ss26_amls" / "course.yaml").write_text(
        (content / "ss26_amls" / "course.yaml").read_text().replace("level: master",
                                                                    "level: bachelor"))
    result = run_cli("build", "--content", content, "--out", built)
    assert result.returncode == 1
    assert "ss26_amls/my-notes.txt" in result.stderr
    assert tree(built) == before


def test_build_twice_gives_identical_bytes(tmp_path, content, built):
    first = tree(built)
    mtimes = {p: p.stat().st_mtime_ns for p in built.rglob("*")}
    result = run_cli("build", "--content", content, "--out", built)
    assert result.returncode == 0, result.stderr
    assert tree(built) == first
    # Nothing changed, so nothing was touched (rsync-friendly).
    assert {p: p.stat().st_mtime_ns for p in built.rglob("*")} == mtimes
    # And a fresh folder from the same content gets the same bytes.
    other = tmp_path / "other"
    assert run_cli("build", "--content", content, "--out", other).returncode == 0
    assert tree(other) == first


# --- warnings -----------------------------------------------------------------------------

HOLIDAY_WARNING = ("ss26_test/lectures.yaml:5: parts[0].lectures[0].date: 2026-05-14 is a "
                   "public holiday in DE-BE (Ascension Day); move or cancel it")


def test_warnings_do_not_stop_a_build(tmp_path):
    content = committed_copy(BROKEN / "warn_holiday", tmp_path / "content")
    out = tmp_path / "site"
    result = run_cli("build", "--content", "content", "--out", "site", cwd=tmp_path)
    assert result.returncode == 0
    assert lines(result.stderr) == [f"warning: content/{HOLIDAY_WARNING}"]
    assert SUMMARY.fullmatch(lines(result.stdout)[0])
    assert ", 1 warning, " in result.stdout
    assert (out / "ss26_test" / "index.html").is_file()
    assert content.is_dir()


def test_strict_makes_warnings_fatal(tmp_path):
    copy_site(BROKEN / "warn_holiday", tmp_path / "content")
    result = run_cli("build", "--content", "content", "--out", "site", "--strict", cwd=tmp_path)
    assert result.returncode == 1
    assert lines(result.stderr) == [
        f"content/{HOLIDAY_WARNING} [warning, fatal under --strict]",
        "1 problem found; nothing was written.",
    ]
    assert result.stdout == ""
    assert not (tmp_path / "site").exists()


def test_strict_keeps_previous_output(tmp_path):
    copy_site(BROKEN / "warn_holiday", tmp_path / "content")
    assert run_cli("build", "--content", "content", "--out", "site", cwd=tmp_path).returncode == 0
    before = tree(tmp_path / "site")
    result = run_cli("build", "--content", "content", "--out", "site", "--strict", cwd=tmp_path)
    assert result.returncode == 1
    assert tree(tmp_path / "site") == before


def test_strict_passes_clean_content(tmp_path, content):
    result = run_cli("build", "--content", content, "--out", tmp_path / "site", "--strict")
    assert (result.returncode, result.stderr) == (0, "")
