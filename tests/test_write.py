"""write.py: the only code that touches the output folder. Everything happens in tmp_path."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from coursesite import write
from coursesite.errors import ContentError
from coursesite.write import MANIFEST, OutputError, WriteReport, diff_against, write_site

SITE = {
    "index.html": b"<h1>Courses</h1>\n",
    "ss26_amls/index.html": b"<h1>AMLS</h1>\n",
    "ss26_amls/calendar.ics": b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
    "assets/style.css": b"body { margin: 0 }\n",
}


def tree(root: Path) -> dict[str, bytes]:
    """Every regular file under root, relative path -> bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def siblings(out: Path) -> list[str]:
    """Names next to out other than out itself (temp and old folders would show up here)."""
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


def mtimes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in root.rglob("*")}


# --- writing ----------------------------------------------------------------------------


def test_fresh_write_creates_files_manifest_and_modes(tmp_path):
    out = tmp_path / "site"
    report = write_site(out, SITE)

    assert report == WriteReport(written=4, added=sorted(SITE), changed=[], removed=[],
                                 unchanged=False)
    assert tree(out) == {**SITE, MANIFEST: "".join(f"{p}\n" for p in sorted(SITE)).encode()}
    for path in out.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), path
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    assert siblings(out) == []


def test_fresh_write_into_missing_parent_and_into_empty_folder(tmp_path):
    deep = tmp_path / "a" / "b" / "site"
    write_site(deep, SITE)
    assert tree(deep).keys() == set(SITE) | {MANIFEST}

    empty = tmp_path / "empty"
    empty.mkdir()
    write_site(empty, SITE)
    assert tree(empty).keys() == set(SITE) | {MANIFEST}


def test_rewrite_removes_files_no_longer_produced_and_reports_them(tmp_path):
    out = tmp_path / "site"
    write_site(out, SITE)
    smaller = {k: v for k, v in SITE.items() if not k.startswith("ss26_amls/")}
    smaller["index.html"] = b"<h1>Courses, updated</h1>\n"
    smaller["news.html"] = b"news\n"

    report = write_site(out, smaller)

    assert report.removed == ["ss26_amls/calendar.ics", "ss26_amls/index.html"]
    assert report.changed == ["index.html"]
    assert report.added == ["news.html"]
    assert report.written == 3 and not report.unchanged
    assert tree(out) == {**smaller, MANIFEST: b"assets/style.css\nindex.html\nnews.html\n"}
    assert not (out / "ss26_amls").exists()  # the folder went with the build that created it
    assert siblings(out) == []


# --- files made while the others are written (the search index) -------------------------

LATER = {"pagefind/pagefind.js": b"/* index */\n", "pagefind/index/en_1.pf_index": b"\x1f\x8b"}


def test_later_files_are_made_while_the_others_are_staged_and_land_with_them(tmp_path):
    out = tmp_path / "site"
    seen = []

    def later():
        # called once the other files are in the staging folder, before the swap
        (staging,) = (tmp_path / name for name in siblings(out))
        seen.append((sorted(tree(staging)), out.exists()))
        return LATER

    report = write_site(out, SITE, later=later)
    assert seen == [(sorted([*SITE, write.STAGING_MARK]), False)]
    assert tree(out) == {**SITE, **LATER,
                         MANIFEST: "".join(f"{p}\n" for p in sorted({**SITE, **LATER})).encode()}
    assert report == WriteReport(written=6, added=sorted({**SITE, **LATER}), changed=[],
                                 removed=[], unchanged=False)
    assert siblings(out) == []


def test_later_is_asked_first_when_the_other_files_are_unchanged(tmp_path):
    out = tmp_path / "site"
    write_site(out, {**SITE, **LATER})
    before = mtimes(out)
    calls = []
    report = write_site(out, SITE, later=lambda: calls.append(1) or LATER)
    assert report.unchanged and calls == [1] and mtimes(out) == before  # nothing touched
    changed = {**LATER, "pagefind/pagefind.js": b"/* new index */\n"}
    report = write_site(out, SITE, later=lambda: changed)
    assert report.changed == ["pagefind/pagefind.js"] and tree(out)["pagefind/pagefind.js"] == (
        b"/* new index */\n")


def test_a_later_file_changed_with_the_others_is_reported_changed(tmp_path):
    out = tmp_path / "site"
    write_site(out, {**SITE, **LATER, "old.html": b"gone"})
    report = write_site(out, {**SITE, "index.html": b"new"},
                        later=lambda: {**LATER, "pagefind/pagefind.js": b"new"})
    assert report.changed == ["index.html", "pagefind/pagefind.js"]
    assert report.removed == ["old.html"] and report.added == []
    assert report.written == 6


def test_a_later_file_made_twice_is_refused_when_the_others_are_unchanged_too(tmp_path):
    out = tmp_path / "site"
    write_site(out, {**SITE, **LATER})
    before = tree(out)
    with pytest.raises(OutputError, match="index.html: made twice"):
        write_site(out, SITE, later=lambda: {**LATER, "index.html": b"again"})
    assert tree(out) == before and siblings(out) == []


@pytest.mark.parametrize("late, reason", [
    ({"index.html": b"again"}, "index.html: made twice"),
    ({"../escape.js": b""}, "escape.js"),
    ({"Index.html": b""}, "Index.html"),
])
def test_a_bad_later_path_leaves_the_previous_site_and_no_staging_folder(tmp_path, late, reason):
    out = tmp_path / "site"
    write_site(out, SITE)
    before = tree(out)
    with pytest.raises(OutputError, match=reason):
        write_site(out, {**SITE, "ss26_amls/index.html": b"new"}, later=lambda: late)
    assert tree(out) == before and siblings(out) == []


def test_a_failing_later_leaves_the_previous_site_and_no_staging_folder(tmp_path):
    out = tmp_path / "site"
    write_site(out, SITE)
    before = tree(out)

    def later():
        raise ContentError("search: Pagefind could not index the pages")
    with pytest.raises(ContentError, match="Pagefind"):
        write_site(out, {**SITE, "index.html": b"new"}, later=later)
    assert tree(out) == before and siblings(out) == []


def test_identical_rewrite_is_unchanged_and_keeps_mtimes(tmp_path):
    out = tmp_path / "site"
    write_site(out, SITE)
    old_ns = 1_000_000_000 * 10**9  # set far in the past so any rewrite would be visible
    for path in out.rglob("*"):
        os.utime(path, ns=(old_ns, old_ns))
    before = mtimes(out)
    inode = out.stat().st_ino

    report = write_site(out, dict(SITE))

    assert report == WriteReport(written=0, added=[], changed=[], removed=[], unchanged=True)
    assert mtimes(out) == before
    assert out.stat().st_ino == inode
    assert siblings(out) == []


def test_output_is_reproducible(tmp_path):
    write_site(tmp_path / "one", SITE)
    write_site(tmp_path / "two", dict(reversed(list(SITE.items()))))
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_diff_against_reports_without_writing(tmp_path):
    out = tmp_path / "site"
    assert diff_against(out, SITE).added == sorted(SITE)
    assert not out.exists()

    write_site(out, SITE)
    before = tree(out), mtimes(out)
    report = diff_against(out, {**SITE, "index.html": b"new", "extra.html": b"x"})
    assert (report.added, report.changed, report.removed, report.unchanged) == (
        ["extra.html"], ["index.html"], [], False)
    assert report.written == 0
    assert (tree(out), mtimes(out)) == before


def test_file_missing_from_previous_build_counts_as_changed(tmp_path):
    out = tmp_path / "site"
    write_site(out, SITE)
    (out / "index.html").unlink()
    report = write_site(out, SITE)
    assert report.changed == ["index.html"] and not report.unchanged
    assert tree(out)["index.html"] == SITE["index.html"]


# --- refusing to replace what is not ours ---------------------------------------------------


def test_refuses_nonempty_foreign_folder_and_leaves_it_untouched(tmp_path):
    out = tmp_path / "thesis"
    (out / "chapters").mkdir(parents=True)
    (out / "main.tex").write_bytes(b"\\documentclass{article}\n")
    (out / "chapters" / "one.tex").write_bytes(b"one\n")
    before = tree(out), mtimes(out)

    with pytest.raises(OutputError) as caught:
        write_site(out, SITE)

    assert str(caught.value) == (
        f"output: refusing to replace {out}: it is not a coursesite build "
        "(no .coursesite-manifest); "
        "move it away or pass --out to another folder"
    )
    assert isinstance(caught.value, ContentError)
    assert (tree(out), mtimes(out)) == before
    assert siblings(out) == []
    with pytest.raises(OutputError):
        diff_against(out, SITE)  # a dry run reports the same refusal


def test_refuses_when_maintainer_added_files_to_previous_build(tmp_path):
    out = tmp_path / "site"
    write_site(out, SITE)
    (out / "notes.txt").write_bytes(b"my notes\n")
    (out / "ss26_amls" / "slides").mkdir()
    before = tree(out)

    with pytest.raises(OutputError) as caught:
        write_site(out, {"index.html": b"other"})

    message = str(caught.value)
    assert message.startswith(f"output: refusing to replace {out}: "
                              "it contains files coursesite did not write: ")
    assert "notes.txt, ss26_amls/slides/;" in message
    assert tree(out) == before


def test_refusal_names_at_most_five_foreign_files(tmp_path):
    out = tmp_path / "site"
    write_site(out, SITE)
    for i in range(8):
        (out / f"mine{i}.txt").write_bytes(b"x")
    with pytest.raises(OutputError) as caught:
        write_site(out, SITE)
    message = str(caught.value)
    assert "mine0.txt, mine1.txt, mine2.txt, mine3.txt, mine4.txt and 3 more;" in message
    assert "mine5.txt" not in message


def test_symlink_inside_previous_build_is_foreign(tmp_path):
    out = tmp_path / "site"
    write_site(out, SITE)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_bytes(b"keep")
    (out / "link").symlink_to(elsewhere)
    with pytest.raises(OutputError, match="link/?;"):
        write_site(out, SITE)
    assert (elsewhere / "keep.txt").read_bytes() == b"keep"


def test_output_folder_that_is_a_symlink_is_refused(tmp_path):
    real = tmp_path / "real"
    write_site(real, SITE)
    link = tmp_path / "site"
    link.symlink_to(real)
    before = tree(real)

    with pytest.raises(OutputError, match="is a symbolic link"):
        write_site(link, {"index.html": b"other"})

    assert link.is_symlink() and tree(real) == before


def test_output_path_that_is_a_file_is_refused(tmp_path):
    out = tmp_path / "site"
    out.write_bytes(b"not a folder")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        write_site(out, SITE)
    assert out.read_bytes() == b"not a folder"


# --- bad output paths ------------------------------------------------------------------------


@pytest.mark.parametrize("path, reason", [
    ("../x", "leaves the output folder"),
    ("a/../../x", "leaves the output folder"),
    ("/abs", "is absolute"),
    ("a//b", "empty segment"),
    ("a/", "empty segment"),
    ("", "empty"),
    ("a\\b", "backslash"),
    ("a\0b", "NUL"),
    ("a\nb", "line break"),
    ("./a", "'.' segment"),
    (MANIFEST, "reserved"),
])
def test_bad_paths_are_refused_before_touching_disk(tmp_path, path, reason):
    out = tmp_path / "site"
    with pytest.raises(OutputError, match=reason) as caught:
        write_site(out, {"index.html": b"ok", path: b"bad"})
    assert repr(path) in str(caught.value) or path == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("files, expected", [
    ({"A.html": b"1", "a.html": b"2"}, "'A.html' and 'a.html' differ only in letter case"),
    ({"a": b"1", "a/b": b"2"}, "'a' is a file, but 'a/b' needs it to be a folder"),
    ({"A": b"1", "a/b/c": b"2"}, "'A' is a file, but 'a/b/c' needs it to be a folder"),
])
def test_colliding_paths_are_refused(tmp_path, files, expected):
    with pytest.raises(OutputError) as caught:
        write_site(tmp_path / "site", files)
    assert expected in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_every_bad_path_is_reported_at_once(tmp_path):
    with pytest.raises(OutputError) as caught:
        write_site(tmp_path / "site", {"../x": b"", "/abs": b"", "ok.html": b""})
    lines = str(caught.value).splitlines()
    assert lines == [
        "output: output path '../x' leaves the output folder ('..')",
        "output: output path '/abs' is absolute; it must be relative to the output folder",
        f"2 problems with the output; nothing was written to {tmp_path / 'site'}.",
    ]


def test_non_bytes_content_is_a_bug_not_a_content_error(tmp_path):
    with pytest.raises(TypeError):
        write_site(tmp_path / "site", {"index.html": "<h1>str</h1>"})
    assert list(tmp_path.iterdir()) == []


# --- failures half-way ---------------------------------------------------------------------


def failing_after(n: int, real, error: BaseException):
    """A stand-in for `real` that raises `error` on its (n+1)-th call."""
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(args)
        if len(calls) > n:
            raise error
        return real(*args, **kwargs)
    return wrapper


def test_failure_while_writing_keeps_previous_site_and_leaves_no_temp_folder(tmp_path, monkeypatch):
    out = tmp_path / "site"
    write_site(out, SITE)
    before = tree(out), mtimes(out)
    monkeypatch.setattr(write, "_write_file",
                        failing_after(2, write._write_file, OSError(28, "No space left on device")))

    with pytest.raises(OutputError) as caught:
        write_site(out, {**SITE, "index.html": b"new", "more.html": b"more"})

    assert "No space left on device" in str(caught.value)
    assert "the previous site is unchanged" in str(caught.value)
    assert (tree(out), mtimes(out)) == before
    assert siblings(out) == []


def test_bug_while_writing_keeps_its_traceback_type_and_cleans_up(tmp_path, monkeypatch):
    out = tmp_path / "site"
    write_site(out, SITE)
    before = tree(out)
    monkeypatch.setattr(write, "_write_file",
                        failing_after(1, write._write_file, RuntimeError("bug")))

    with pytest.raises(RuntimeError, match="bug"):
        write_site(out, {**SITE, "index.html": b"new"})

    assert tree(out) == before
    assert siblings(out) == []


def test_failure_during_swap_restores_previous_site(tmp_path, monkeypatch):
    out = tmp_path / "site"
    write_site(out, SITE)
    before = tree(out)
    real_rename = os.rename

    def rename(src, dst):
        # Let 'site -> .site.old-*' through, then fail moving the new build into place.
        if ".tmp-" in os.fspath(src):
            raise OSError(13, "Permission denied")
        return real_rename(src, dst)
    monkeypatch.setattr(write.os, "rename", rename)

    with pytest.raises(OutputError, match="Permission denied"):
        write_site(out, {**SITE, "index.html": b"new"})

    monkeypatch.undo()
    assert tree(out) == before
    assert siblings(out) == []


def test_file_saved_into_build_during_write_is_not_deleted(tmp_path, monkeypatch):
    out = tmp_path / "site"
    write_site(out, SITE)
    real_stage = write._stage

    def stage_while_maintainer_saves(out_dir, files, later=None):
        staged = real_stage(out_dir, files, later)
        (out / "late.txt").write_bytes(b"saved meanwhile")  # after the check, before the swap
        return staged
    monkeypatch.setattr(write, "_stage", stage_while_maintainer_saves)

    with pytest.raises(OutputError, match="late.txt"):
        write_site(out, {**SITE, "index.html": b"new"})

    assert (out / "late.txt").read_bytes() == b"saved meanwhile"
    assert tree(out)["index.html"] == SITE["index.html"]
    assert siblings(out) == []
