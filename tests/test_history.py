"""The change record from git history: a change is news once, dated when it was committed;
an undone edit leaves no trace; a fresh clone (CI) gives the SEQUENCE values of a local build.

Every test makes its own git repository in tmp_path from the AMLS fixture, with fixed commit
dates, so nothing depends on the repository this suite runs in."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import feedparser
import pytest
from helpers import AMLS, git, run_cli, theme_assets

from coursesite.errors import ContentError
from coursesite.pipeline import Project, render_site

UTC = dt.timezone.utc
SLUG = "ss26_amls"
D0, D1, D2 = "2026-03-02T09:00:00Z", "2026-04-20T15:30:00Z", "2026-05-04T08:00:00Z"


def commit_all(repo: Path, message: str, when: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, when=when)


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """A site repository: content/ (the AMLS fixture), first committed at D0."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    repo = tmp_path / "repo"
    shutil.copytree(AMLS, repo / "content")
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "AMLS Summer 2026", D0)
    return repo


@pytest.fixture
def theme(tmp_path) -> Path:
    return theme_assets(tmp_path / "theme")


NOW = dt.datetime(2026, 4, 1)  # the build's moment: which materials are out, which term runs


def files_of(repo: Path, theme: Path) -> dict[str, bytes]:
    return render_site(Project(content=repo / "content", assets=theme), now=NOW).files


def change_entries(files: dict) -> list:
    feed = feedparser.parse(files[f"{SLUG}/news.xml"])
    assert not feed.bozo
    return [e for e in feed.entries if e.title.startswith("Schedule change")]


def sequences(files: dict) -> dict[str, tuple[str, str]]:
    """UID -> (SEQUENCE, LAST-MODIFIED) of every event in the offering's calendar."""
    text = files[f"{SLUG}/calendar.ics"].decode().replace("\r\n ", "")
    return {re.search(r"UID:(\S+)", b).group(1): (re.search(r"SEQUENCE:(\d+)", b).group(1),
                                                   re.search(r"LAST-MODIFIED:(\S+)", b).group(1))
            for b in text.split("BEGIN:VEVENT")[1:]}


def move_slot_room(repo: Path) -> None:
    course = repo / "content" / SLUG / "course.yaml"
    text = course.read_text(encoding="utf-8")
    assert "room: bh-n-243" in text
    course.write_text(text.replace("room: bh-n-243", "room: fr-772", 1), encoding="utf-8")


def test_a_committed_room_change_is_one_entry_dated_at_its_commit(repo, theme):
    before = files_of(repo, theme)
    assert change_entries(before) == []
    move_slot_room(repo)
    commit_all(repo, "Lectures move to FR 772", D1)
    after = files_of(repo, theme)
    (entry,) = change_entries(after)
    assert entry.title.startswith("Schedule change: Lectures 01-13 move to FR 772")
    assert entry.updated == D1
    seq = sequences(after)
    lecture_uids = [u for u, (s, m) in seq.items() if m == D1.replace("-", "").replace(":", "")]
    assert len(lecture_uids) == 13 and all(seq[u][0] == "1" for u in lecture_uids)
    # Unchanged events keep SEQUENCE 0 and their first commit's time.
    assert {v for u, v in seq.items() if u not in lecture_uids} == {("0", "20260302T090000Z")}
    assert files_of(repo, theme) == after  # rebuilding changes nothing


def test_an_undone_uncommitted_edit_leaves_no_trace(repo, theme):
    move_slot_room(repo)
    commit_all(repo, "room", D1)
    before = files_of(repo, theme)
    lectures = repo / "content" / SLUG / "lectures.yaml"
    original = lectures.read_text(encoding="utf-8")
    lectures.write_text(original.replace("Parameter Servers, date: 2026-05-28",
                                         "Parameter Servers, date: 2026-05-28, "
                                         "status: cancelled"), encoding="utf-8")
    edited = files_of(repo, theme)
    entries = change_entries(edited)
    assert entries[0].title == "Schedule change: Lecture 06 is cancelled"
    assert entries[0].updated == dt.datetime.fromtimestamp(
        int(lectures.stat().st_mtime), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    lectures.write_text(original, encoding="utf-8")
    assert files_of(repo, theme) == before


def test_a_fresh_clone_gives_the_sequence_values_of_a_local_build(repo, theme, tmp_path):
    """CI builds a commit nobody built locally, from a full clone: same bytes."""
    move_slot_room(repo)
    commit_all(repo, "room", D1)
    lectures = repo / "content" / SLUG / "lectures.yaml"
    lectures.write_text(lectures.read_text(encoding="utf-8").replace(
        "Parameter Servers, date: 2026-05-28", "Parameter Servers, date: 2026-05-29"),
        encoding="utf-8")
    commit_all(repo, "lecture 6 moves", D2)
    local = files_of(repo, theme)
    clone = tmp_path / "ci"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True,
                   capture_output=True)
    ci = files_of(clone, theme)
    assert sequences(ci) == sequences(local)
    assert ci == local
    six = [v for v in sequences(local).values() if v[0] == "2"]
    assert six == [("2", "20260504T080000Z")]  # lecture 06: room, then date


def test_an_unreadable_version_can_only_raise_sequence(repo, theme):
    """A commit today's coursesite refuses may have been deployed by an older, laxer one (here:
    a control character, allowed before): SEQUENCE rises for it and again after it, so it can
    only err upwards; no news is made of what cannot be read."""
    lectures = repo / "content" / SLUG / "lectures.yaml"
    good = lectures.read_text(encoding="utf-8")
    lectures.write_text(good.replace("LLM Training and Inference, date: 2026-06-04",
                                     'LLM Training and Inference, date: 2026-06-05, '
                                     'note: "Moved \\x01"'), encoding="utf-8")
    commit_all(repo, "moved, with a character now refused", D1)
    lectures.write_text(good, encoding="utf-8")
    commit_all(repo, "moved back", D2)
    files = files_of(repo, theme)
    assert change_entries(files) == []
    assert {s for s, _ in sequences(files).values()} == {"2"}  # published: 0, then 1, then 2


def test_an_offering_removed_and_restored_is_news_both_times(repo, theme):
    git(repo, "mv", f"content/{SLUG}", f"content/_{SLUG}")
    commit_all(repo, "withdrawn", D1)
    git(repo, "mv", f"content/_{SLUG}", f"content/{SLUG}")
    commit_all(repo, "back", D2)
    entries = change_entries(files_of(repo, theme))  # newest first
    assert [e.updated for e in entries] == [D2, D1]
    assert "is added: " in entries[0].summary
    assert entries[1].title == ("Schedule change: Office hours on Tuesdays and Lectures 01-13 "
                                "are removed from the schedule")
    assert {s for s, _ in sequences(files_of(repo, theme)).values()} == {"1"}


def test_an_offering_git_cannot_see_is_a_warning(repo, theme):
    """An offering folder that is a symbolic link to another folder of the content: git keeps
    the link, not the offering's files under its name, so its history cannot be read."""
    content = repo / "content"
    shutil.move(str(content / SLUG), str(content / "_real"))
    (content / SLUG).symlink_to("_real")
    commit_all(repo, "offering behind a link", D1)
    with pytest.raises(ContentError, match="git shows no change"):
        render_site(Project(content=content, assets=theme), strict=True)


def test_deploy_refuses_uncommitted_content(repo, theme, tmp_path):
    move_slot_room(repo)
    target = tmp_path / "webspace"
    target.mkdir()
    result = run_cli("deploy", "--content", repo / "content", "--assets", theme, "--out",
                     tmp_path / "site", "--target", target, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "uncommitted changes to the content; commit them first" in result.stderr
    assert list(target.iterdir()) == []


def test_odd_folder_names_keep_their_history(tmp_path, theme, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    repo = tmp_path / 'dept "q" [1]'
    shutil.copytree(AMLS, repo / "con*tent")
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "first", D0)
    course = repo / "con*tent" / SLUG / "course.yaml"
    course.write_text(course.read_text(encoding="utf-8").replace("room: bh-n-243",
                                                                 "room: fr-772", 1))
    commit_all(repo, "room", D1)
    files = render_site(Project(content=repo / "con*tent", assets=theme)).files
    assert [e.updated for e in change_entries(files)] == [D1]


def test_the_snapshot_cache_changes_nothing(repo, theme):
    move_slot_room(repo)
    commit_all(repo, "room", D1)
    cold = files_of(repo, theme)
    cache = repo / ".git" / "coursesite" / "history.json"
    assert cache.is_file()
    assert files_of(repo, theme) == cold
    cache.write_text("{not json", encoding="utf-8")
    assert files_of(repo, theme) == cold


def test_content_outside_git_builds_with_a_note(tmp_path, theme, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1775000000")
    content = shutil.copytree(AMLS, tmp_path / "loose" / "content")
    result = run_cli("build", "--content", content, "--out", tmp_path / "site",
                     "--assets", theme, "--strict", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "not in a git repository, so calendar changes cannot be tracked" in result.stderr
    ics = (tmp_path / "site" / SLUG / "calendar.ics").read_text()
    assert "LAST-MODIFIED:20260331T233320Z" in ics and "SEQUENCE:1" not in ics


def test_a_shallow_clone_is_fatal_under_strict(repo, theme, tmp_path):
    move_slot_room(repo)
    commit_all(repo, "room", D1)
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow)],
                   check=True, capture_output=True)
    with pytest.raises(ContentError, match="the git history is shallow"):
        render_site(Project(content=shallow / "content", assets=theme), strict=True)
    render_site(Project(content=shallow / "content", assets=theme))  # not strict: builds


def test_the_preview_sees_a_commit_made_while_it_runs(repo, theme):
    """The preview keeps the committed versions per HEAD: a new commit is replayed."""
    from coursesite.pipeline import BuildCache  # noqa: PLC0415

    project, cache = Project(content=repo / "content", assets=theme), BuildCache()
    render_site(project, cache=cache, now=NOW)
    move_slot_room(repo)
    uncommitted = render_site(project, cache=cache, now=NOW).files
    (entry,) = change_entries(uncommitted)
    assert entry.updated != D1
    commit_all(repo, "room", D1)
    committed = render_site(project, cache=cache, now=NOW).files
    assert [e.updated for e in change_entries(committed)] == [D1]
    assert committed == files_of(repo, theme)
