"""Bad input and faults found by an independent attack (issue 10): each gives a clear
`file:line` problem or a one-line error with exit 1 or 2, never a traceback, a malformed file
or a lost file. One test per defect; each failed before its fix."""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import threading
from pathlib import Path

import pytest
from helpers import AMLS, committed_copy, run_cli, theme_assets

from coursesite import write as W
from coursesite.errors import ContentError
from coursesite.pipeline import Project, build, render_site

SLUG = "ss26_amls"


@pytest.fixture
def project(tmp_path) -> Project:
    content = committed_copy(AMLS, tmp_path / "content")
    return Project(content=content, assets=theme_assets(tmp_path / "assets"))


def append_to(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems_of(project: Project, **kwargs) -> str:
    with pytest.raises(ContentError) as info:
        render_site(project, **kwargs)
    return info.value.report()


def cli(project: Project, *args: str, cwd: Path):
    result = run_cli(*args, "--content", project.content, "--assets", project.assets, cwd=cwd)
    assert "Traceback" not in result.stderr, result.stderr
    return result


# --- 1: one file, two materials, one of them timed ------------------------------------------

def test_one_file_listed_with_and_without_a_release_is_a_problem(project):
    lectures = project.content / SLUG / "lectures.yaml"
    (project.assets / SLUG).mkdir()
    (project.assets / SLUG / "x.pdf").write_bytes(b"%PDF-1.4\n")
    replace_in(lectures, "title: Introduction and Overview, date: 2026-04-16",
               "title: Introduction and Overview, date: 2026-04-16, materials: ["
               "{kind: slides, url: ss26_amls/x.pdf}, {kind: notes, url: ss26_amls/x.pdf, "
               "release: 2026-04-16T14:00}]")
    report = problems_of(project, now=dt.datetime(2026, 4, 1))
    assert re.search(r"lectures\.yaml:\d+: parts\[0\]\.lectures\[0\]\.materials\[1\]\.url: "
                     r"ss26_amls/x\.pdf is also listed at line \d+ with another release", report)


# --- 2 and 11: line breaks and control characters in parsed values ---------------------------

@pytest.mark.parametrize("value", [r'"AM\nLS"', "|\n    AM\n    LS", r'"AM\x01LS"', r'"AM\0LS"',
                                   r'"AM\x1bLS"', r'"AM\fLS"', r'"AM\x7fLS"', r'"AM\uFFFELS"',
                                   r'"AM\u2028LS"', r'"AM\x85LS"', r'"AM\x9bLS"'])
def test_single_line_fields_refuse_line_breaks_and_control_characters(project, value):
    course = project.content / SLUG / "course.yaml"
    replace_in(course, "short: AMLS", f"short: {value}")
    report = problems_of(project)
    assert re.match(r"course\.yaml:\d+: short: |.*course\.yaml:\d+: short: ", report), report
    assert "line break" in report or "control character" in report or "not allowed" in report


def test_markdown_fields_keep_line_breaks_but_refuse_control_characters(project):
    org = project.content / SLUG / "organization.yaml"
    text = org.read_text(encoding="utf-8")
    grading = re.search(r"^grading: .*\n(?:[ \t]+.*\n)*", text, re.M).group()
    org.write_text(text.replace(grading, 'grading: "100% final exam\\nproject"\n'),
                   encoding="utf-8")
    assert "project" in render_site(project).files[f"{SLUG}/index.html"].decode()
    org.write_text(text.replace(grading, 'grading: "100% final\\nexam \\x07"\n'),
                   encoding="utf-8")
    assert re.search(r"organization\.yaml:\d+: grading: control character U\+0007 is not "
                     r"allowed", problems_of(project))


# --- 3: dates the feed cannot place ----------------------------------------------------------

def test_an_exam_far_from_its_term_is_a_problem_that_says_the_range(project):
    org = project.content / SLUG / "organization.yaml"
    replace_in(org, "date: TBD", "date: 1995-07-30")
    report = problems_of(project)
    assert re.search(r"organization\.yaml:\d+: exams\[0\]\.date: 1995-07-30 is more than a year "
                     r"from the term \(2026-04-13 to 2026-07-18\)", report), report


# --- 6, 7, 8: the command line ---------------------------------------------------------------

def test_an_unreadable_output_folder_is_a_clear_error(tmp_path, monkeypatch):
    out = tmp_path / "site"
    out.mkdir()
    (out / "x").write_text("mine")
    real = Path.is_file

    def denied(self):
        if self.name == W.MANIFEST:
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "is_file", denied)
    with pytest.raises(W.OutputError, match="cannot read the output folder"):
        W.previous_build(out)


@pytest.mark.parametrize("option", ["--out", "--content", "--assets"])
def test_a_path_too_long_is_a_usage_error(project, tmp_path, option):
    args = {"--out": tmp_path / "site", "--content": project.content,
            "--assets": project.assets}
    args[option] = tmp_path / ("x" * 300)
    result = run_cli("build", *[str(v) for kv in args.items() for v in kv], cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{option}: the name is too long" in result.stderr


@pytest.mark.parametrize("epoch", ["abc", "99999999999999", "-5", "1.5"])
def test_a_bad_source_date_epoch_is_a_usage_error(tmp_path, epoch, monkeypatch):
    content = shutil.copytree(AMLS, tmp_path / "loose")  # outside git: the epoch is used
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    result = run_cli("check", "--content", content, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert f"SOURCE_DATE_EPOCH: expected whole seconds since 1970, got '{epoch}'" in result.stderr


# --- 9 and 13: what a content file may be ----------------------------------------------------

@pytest.mark.parametrize("target", ["/dev/zero", "/dev/urandom", "fifo", "/etc/passwd"])
def test_content_files_are_regular_files_inside_the_content_folder(project, target):
    course = project.content / SLUG / "course.yaml"
    course.unlink()
    if target == "fifo":
        os.mkfifo(course)
    else:
        course.symlink_to(target)
    result = [None]
    worker = threading.Thread(target=lambda: result.__setitem__(0, problems_of(project)),
                              daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "reading the content hung"
    report = result[0]
    assert "course.yaml" in report and "root:" not in report
    assert ("not a regular file" in report or "outside the content folder" in report), report


def test_a_content_file_over_the_size_limit_names_the_limit(project):
    lectures = project.content / SLUG / "lectures.yaml"
    lectures.write_bytes(b"# " + b"x" * (5 * 1024 * 1024) + b"\n")
    assert "larger than 4 MiB" in problems_of(project)


def test_an_offering_folder_linked_from_outside_is_refused(project, tmp_path):
    outside = shutil.copytree(project.content / SLUG, tmp_path / "elsewhere")
    (project.content / "ws99_linked").symlink_to(outside)
    report = problems_of(project)
    assert "ws99_linked: a symbolic link to a folder outside the content folder" in report


def test_a_symlink_inside_the_content_folder_is_followed(project):
    shared = project.content / "_shared"
    shared.mkdir()
    shutil.move(project.content / SLUG / "projects.yaml", shared / "projects.yaml")
    (project.content / SLUG / "projects.yaml").symlink_to(shared / "projects.yaml")
    assert f"{SLUG}/projects.html" in render_site(project).files


# --- 12 and 14: URLs -------------------------------------------------------------------------

def test_every_url_field_is_checked_and_rendered_alike(project):
    (project.assets / SLUG).mkdir()
    (project.assets / SLUG / "cv.pdf").write_bytes(b"%PDF-1.4\n")
    org = project.content / SLUG / "organization.yaml"
    replace_in(org, "affiliation: DAMS", "affiliation: DAMS\n    url: ss26_amls/cv.pdf")
    page = render_site(project).files[f"{SLUG}/index.html"].decode()
    assert 'href="../assets/ss26_amls/cv.pdf"' in page
    rooms = project.content / "rooms.yaml"
    replace_in(rooms, "name: BH-N 243", "name: BH-N 243\n    map_url: maps/bh.png")
    append_to(project.content / "site.yaml", "maintainer: {name: J, email: nowhere.txt}\n")
    report = problems_of(project)
    assert re.search(r"rooms\.yaml:\d+: rooms\[\d\]\.map_url: no file assets/maps/bh\.png", report)
    assert re.search(r"site\.yaml:\d+: maintainer\.email: no file assets/nowhere\.txt", report)


def test_url_schemes_are_case_insensitive(project):
    org = project.content / SLUG / "organization.yaml"
    replace_in(org, "affiliation: DAMS", "affiliation: DAMS\n    url: HTTPS://www.tu.berlin/dams")
    page = render_site(project).files[f"{SLUG}/index.html"].decode()
    assert 'href="HTTPS://www.tu.berlin/dams"' in page


# --- 15, 16: the output folder ---------------------------------------------------------------

def test_an_output_folder_inside_the_assets_folder_is_refused(project, tmp_path):
    result = cli(project, "build", "--out", project.assets / "site", cwd=tmp_path)
    assert result.returncode == 1 and "inside the assets folder" in result.stderr
    link = tmp_path / "link"
    link.symlink_to(project.content)
    result = cli(project, "build", "--out", link / "site", cwd=tmp_path)
    assert result.returncode == 1 and "inside the content folder" in result.stderr


def test_a_missing_assets_folder_is_a_usage_error(project, tmp_path):
    result = run_cli("build", "--content", project.content, "--assets", tmp_path / "nowhere",
                     "--out", tmp_path / "site", cwd=tmp_path)
    assert result.returncode == 2 and "--assets: " in result.stderr, result.stderr


def test_a_port_out_of_range_is_a_usage_error(project, tmp_path):
    for port in ("99999", "-1", "0"):
        result = run_cli("serve", "--port", port, "--content", project.content, cwd=tmp_path)
        assert result.returncode == 2 and "expected a port from 1 to 65535" in result.stderr


def test_an_output_folder_inside_the_content_folder_is_refused(project, tmp_path):
    result = cli(project, "build", "--out", project.content / "site", cwd=tmp_path)
    assert result.returncode == 1
    assert "inside the content folder" in result.stderr
    assert not (project.content / "site").exists()
    result = run_cli("build", "--content", project.content, "--assets", project.assets,
                     "--out", project.content.parent, cwd=tmp_path)
    assert result.returncode == 1 and "holds the content folder" in result.stderr


def test_stale_staging_folders_of_ours_are_removed(project, tmp_path):
    out = tmp_path / "site"
    build(project, out)
    stale = tmp_path / ".site.tmp-0123456789ab"
    stale.mkdir()
    (stale / W.MANIFEST).write_text("")
    (stale / "index.html").write_text("half")
    foreign = tmp_path / ".site.tmp-mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    replace_in(project.content / SLUG / "course.yaml", "title: Architecture",
               "title: The Architecture")
    build(project, out)
    assert not stale.exists()
    assert (foreign / "notes.txt").read_text() == "mine"


# --- 10: the preview -------------------------------------------------------------------------

def test_a_browser_that_disconnects_early_is_silent(project, capfd):
    from test_serve import live_server  # noqa: PLC0415

    with live_server(project) as srv:
        for _ in range(20):
            with socket.create_connection(("127.0.0.1", srv.port)) as s:
                s.sendall(b"GET /ss26_amls/index.html HTTP/1.1\r\nHost: x\r\n\r\n")
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             b"\x01\x00\x00\x00\x00\x00\x00\x00")
    err = capfd.readouterr().err
    assert "Traceback" not in err and "BrokenPipe" not in err and "ConnectionReset" not in err


# --- 19: a dry run changes nothing, here either ---------------------------------------------

def test_a_dry_run_deploy_writes_no_output_folder(project, tmp_path):
    target = tmp_path / "webspace"
    target.mkdir()
    result = cli(project, "deploy", "--dry-run", "--out", tmp_path / "site", "--target",
                 target, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "(dry run)" in result.stdout and "index.html" in result.stdout
    assert not (tmp_path / "site").exists() and list(target.iterdir()) == []


def test_markdown_refuses_c1_controls_too(project):
    """NEL (U+0085) is a line break to YAML but a control character to HTML: refused."""
    org = project.content / SLUG / "organization.yaml"
    text = org.read_text(encoding="utf-8")
    grading = re.search(r"^grading: .*\n(?:[ \t]+.*\n)*", text, re.M).group()
    org.write_text(text.replace(grading, 'grading: "a\\x85b"\n'), encoding="utf-8")
    assert "control character U+0085 is not allowed" in problems_of(project)
