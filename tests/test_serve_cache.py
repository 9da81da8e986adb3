"""The preview's cached rebuild shows exactly what a cold build would.

Each test builds a private project (the archive fixture: several courses and terms, the
landing page and archive views; the AMLS fixture with materials) once with a `BuildCache`,
edits it the way a maintainer would, rebuilds with the paths the watcher would report, and
compares files and warnings with a fresh build's. Some edits are reported with no event at
all: the safety net (the sweep of stats the server runs once idle after a build, and the
rebuild it queues) must see them too.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from helpers import FIXTURES, theme_assets  # noqa: E402

from coursesite import cache as cache_module  # noqa: E402
from coursesite.cache import BuildCache  # noqa: E402
from coursesite.pipeline import (  # noqa: E402
    Project,
    preview_build,
    render_site,
    warning_lines,
)

NOW = dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.timezone.utc)


def private_project(tmp_path: Path, fixture: str = "archive") -> Project:
    """Copies of a fixture, the templates and the theme's assets (tests edit all three)."""
    shutil.copytree(FIXTURES / fixture, tmp_path / "content")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    theme_assets(tmp_path / "assets")
    return Project(content=tmp_path / "content", templates=tmp_path / "templates",
                   assets=tmp_path / "assets")


def fresh(project: Project) -> tuple[dict, str]:
    """A cold build without a cache (as `build` makes it, less the search index, which the
    preview leaves out): files and the preview's warning text."""
    result = render_site(project, now=NOW, search=False)
    return result.files, "\n".join(warning_lines(result, notes=False))


class Preview:
    """A project with a warm cache, rebuilt as the server does after each edit."""

    def __init__(self, project: Project):
        self.project, self.cache = project, BuildCache()
        self.last = preview_build(project, self.cache, NOW)

    def rebuild(self, *paths) -> tuple[dict, str]:
        """Rebuild, told that `paths` changed (none: the events were lost); then, as the
        server does once idle, sweep for changes no event reported (kept in `swept`) and
        rebuild with those."""
        changed = {os.path.abspath(p) for p in paths}
        self.last = preview_build(self.project, self.cache, NOW, changed=changed)
        self.swept = self.cache.unseen_changes()
        if self.swept:
            self.last = preview_build(self.project, self.cache, NOW, changed=self.swept)
        return self.last

    def assert_fresh(self) -> None:
        files, warnings = self.last
        cold_files, cold_warnings = fresh(self.project)
        assert sorted(files) == sorted(cold_files)
        differing = [p for p in files if files[p] != cold_files[p]]
        assert differing == [] and warnings == cold_warnings


def edit(path: Path, old: str, new: str) -> Path:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def first_title(lectures: Path) -> str:
    for line in lectures.read_text(encoding="utf-8").splitlines():
        if "title:" in line:
            return line.split("title:", 1)[1].strip().strip("\"'")
    raise AssertionError(f"no title in {lectures}")


@pytest.fixture
def preview(tmp_path) -> Preview:
    return Preview(private_project(tmp_path))


def test_lecture_edit(preview):
    lectures = preview.project.content / "ss26_amls" / "lectures.yaml"
    before = preview.last[0]
    preview.rebuild(edit(lectures, first_title(lectures), "A renamed lecture"))
    preview.assert_fresh()
    assert preview.last[0] != before


def test_lecture_edit_without_an_event_is_seen_by_its_stat(preview):
    lectures = preview.project.content / "ss26_amls" / "lectures.yaml"
    edit(lectures, first_title(lectures), "Renamed, and the event was lost")
    preview.rebuild()
    assert os.path.abspath(lectures) in preview.swept
    preview.assert_fresh()
    assert b"Renamed, and the event was lost" in preview.last[0]["ss26_amls/index.html"]
    assert preview.cache.unseen_changes() == set(), "the sweep's rebuild saw it all"


def test_a_build_told_of_an_edit_stats_only_what_the_events_name(preview, monkeypatch):
    """A save stats the files under the folders the events name, not the whole site's (the
    sweep does that once idle): the edit shows at once, and the sweep finds nothing more."""
    preview.rebuild()  # the watcher's first build trusted nothing; the next ones do
    lectures = preview.project.content / "ss26_amls" / "lectures.yaml"
    edit(lectures, first_title(lectures), "Renamed with an event")
    stated = []
    real_stat = cache_module.stat_or_none
    monkeypatch.setattr(cache_module, "stat_or_none",
                        lambda path: stated.append(path) or real_stat(path))
    changed = {os.path.abspath(lectures), os.path.abspath(lectures.parent)}
    files, _ = preview_build(preview.project, preview.cache, NOW, changed=changed)
    monkeypatch.undo()
    assert b"Renamed with an event" in files["ss26_amls/index.html"]
    assert os.path.abspath(lectures) in stated
    outside = [p for p in stated if not p.startswith(os.path.abspath(lectures.parent))]
    assert outside == [], "stat'ed although no event named them"
    assert preview.cache.unseen_changes() == set()


def test_course_edit_changes_other_terms_and_the_landing_page(preview):
    course = preview.project.content / "ss25_amls" / "course.yaml"
    text = course.read_text(encoding="utf-8")
    title = next(line.split(":", 1)[1].strip() for line in text.splitlines()
                 if line.startswith("title:"))
    preview.rebuild(edit(course, f"title: {title}", "title: Renamed Course"))
    preview.assert_fresh()


def test_template_edit(preview):
    template = preview.project.templates / "course.html"
    preview.rebuild(edit(template, "{% block main %}\n",
                         "{% block main %}\n<p>edited template</p>\n"))
    preview.assert_fresh()
    assert b"edited template" in preview.last[0]["ss26_amls/index.html"]


def test_base_template_edit_reaches_every_page(preview):
    base = preview.project.templates / "base.html"
    preview.rebuild(edit(base, "</body>", "<!-- edited base -->\n</body>"))
    preview.assert_fresh()
    assert all(b"edited base" in data for path, data in preview.last[0].items()
               if path.endswith(".html"))


def test_imported_macros_edit_reaches_the_pages_that_import_them(preview):
    macros = preview.project.templates / "_macros.html"
    text = macros.read_text(encoding="utf-8")
    assert "{% macro " in text
    macros.write_text(text.replace("{% macro ", "{# edited macros #}{% macro ", 1),
                      encoding="utf-8")
    preview.rebuild(macros)
    preview.assert_fresh()


def test_an_unchanged_page_is_kept_on_a_template_edit(preview):
    """Only pages whose template depends on the edited one are rendered again."""
    schedule = preview.last[0]["ss26_amls/schedule.html"]
    template = preview.project.templates / "course.html"
    preview.rebuild(edit(template, "{% block main %}\n", "{% block main %}\n<p>edit</p>\n"))
    assert preview.last[0]["ss26_amls/schedule.html"] is schedule
    preview.assert_fresh()


def test_template_override_added_then_removed(preview):
    override = preview.project.templates / "projects_extra.html"
    override.write_text("{# a template no page uses #}\n", encoding="utf-8")
    preview.rebuild(override)
    preview.assert_fresh()
    override.unlink()
    preview.rebuild(override)
    preview.assert_fresh()


def test_file_added_and_removed(preview):
    news = preview.project.content / "ss26_amls" / "news.yaml"
    news.write_text("news:\n  - {date: 2026-04-01, title: Welcome, "
                    "body: First lecture on Thursday}\n", encoding="utf-8")
    preview.rebuild(news)
    preview.assert_fresh()
    news.unlink()
    preview.rebuild(news)
    preview.assert_fresh()


def test_unknown_file_added_is_an_error_and_removing_it_recovers(preview):
    extra = preview.project.content / "ss26_amls" / "lecture.yaml"
    extra.write_text("parts: []\n", encoding="utf-8")
    with pytest.raises(Exception, match="unknown file"):
        preview.rebuild(extra)
    extra.unlink()
    preview.rebuild(extra)
    preview.assert_fresh()


def test_folder_renamed(preview):
    old = preview.project.content / "ws22_dm"
    new = preview.project.content / "ws22_dmx"
    old.rename(new)
    preview.rebuild(old, new)
    preview.assert_fresh()
    assert "ws22_dmx/index.html" in preview.last[0]
    assert "ws22_dm/index.html" not in preview.last[0]


def test_folder_renamed_without_events(preview):
    old = preview.project.content / "ws19_dbs"
    old.rename(preview.project.content / "ws19_db")
    preview.rebuild()
    assert os.path.abspath(preview.project.content) in preview.swept
    preview.assert_fresh()


def test_offering_added_and_removed(preview):
    content = preview.project.content
    shutil.copytree(content / "ss25_amls", content / "ss24_amls")
    for file in (content / "ss24_amls").iterdir():  # a year earlier
        file.write_text(file.read_text(encoding="utf-8").replace("2025", "2024"),
                        encoding="utf-8")
    preview.rebuild(content / "ss24_amls")
    preview.assert_fresh()
    shutil.rmtree(content / "ss24_amls")
    preview.rebuild(content / "ss24_amls")
    preview.assert_fresh()


def test_rooms_edit(preview):
    rooms = preview.project.content / "rooms.yaml"
    text = rooms.read_text(encoding="utf-8")
    name = next(line.split("name:", 1)[1].split(",")[0].strip().strip("}\"'")
                for line in text.splitlines() if "name:" in line)
    preview.rebuild(edit(rooms, name, "A renamed room"))
    preview.assert_fresh()


def test_asset_added_and_removed(tmp_path):
    preview = Preview(private_project(tmp_path, "amls"))
    extra = preview.project.assets / "slides" / "extra.pdf"
    extra.parent.mkdir(exist_ok=True)
    extra.write_bytes(b"%PDF-1.4\n")
    preview.rebuild(extra)
    preview.assert_fresh()
    assert "assets/slides/extra.pdf" in preview.last[0]
    extra.unlink()
    preview.rebuild(extra)
    preview.assert_fresh()


def test_saved_by_rename_over_the_file(preview):
    """Editors that write a temporary file and rename it over the original: the event may
    name only the temporary file (ignored); the inode changes, so the stat sees it."""
    lectures = preview.project.content / "ss26_amls" / "lectures.yaml"
    temp = lectures.with_name(".lectures.yaml.swp")
    temp.write_text(lectures.read_text(encoding="utf-8").replace(
        first_title(lectures), "Saved by rename", 1), encoding="utf-8")
    os.replace(temp, lectures)
    preview.rebuild(temp)
    preview.assert_fresh()
    assert b"Saved by rename" in preview.last[0]["ss26_amls/index.html"]


def test_a_failed_build_then_a_fix(preview):
    lectures = preview.project.content / "ss26_amls" / "lectures.yaml"
    good = lectures.read_text(encoding="utf-8")
    lectures.write_text(good + "\n  : broken\n", encoding="utf-8")
    with pytest.raises(Exception):  # noqa: B017, PT011 - the content error itself is tested elsewhere
        preview.rebuild(lectures)
    lectures.write_text(good.replace(first_title(lectures), "Fixed", 1), encoding="utf-8")
    preview.rebuild(lectures)
    preview.assert_fresh()


def test_an_edit_its_stat_cannot_show_is_seen_by_its_event(preview):
    """Two saves within one tick of the clock, of the same size: only the event tells."""
    lectures = preview.project.content / "ss26_amls" / "lectures.yaml"
    before = os.stat(lectures)
    title = first_title(lectures)
    edit(lectures, title, "X" * len(title))
    os.utime(lectures, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(lectures).st_size == before.st_size
    preview.rebuild(lectures)
    preview.assert_fresh()
    assert ("X" * len(title)).encode() in preview.last[0]["ss26_amls/index.html"]


def test_an_event_naming_a_folder_keeps_its_unchanged_files(preview):
    folder = preview.project.content / "ss26_amls"
    preview.rebuild(folder, preview.project.content)
    preview.assert_fresh()


def test_site_settings_edit_reaches_every_offering(preview):
    site = preview.project.content / "site.yaml"
    text = site.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    preview.rebuild(edit(site, title, "title: A renamed department"))
    preview.assert_fresh()
    assert all(b"A renamed department" in data for path, data in preview.last[0].items()
               if path.endswith(".html"))


def test_a_department_edited_twice_equals_its_cold_build(tmp_path):
    """Enough offerings that the cold build reads and renders them in workers."""
    from bench import write_department  # noqa: PLC0415 - the benchmark's synthetic department

    write_department(tmp_path / "content", 20)
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    theme_assets(tmp_path / "assets")
    preview = Preview(Project(content=tmp_path / "content", templates=tmp_path / "templates",
                              assets=tmp_path / "assets"))
    lectures = tmp_path / "content" / "o0003" / "lectures.yaml"
    preview.rebuild(edit(lectures, "number: 1, title: ", "number: 1, title: Edited "),
                    lectures.parent)
    preview.assert_fresh()
    template = tmp_path / "templates" / "schedule.html"
    preview.rebuild(edit(template, "{% block main %}\n", "{% block main %}\n<p>edit</p>\n"))
    preview.assert_fresh()


def test_bilingual_edits_reach_both_languages(tmp_path):
    """An offering published in English and German: a lecture's German title, a site
    setting and a template, each edited in turn."""
    preview = Preview(private_project(tmp_path, "bilingual"))
    content = preview.project.content
    preview.rebuild(edit(content / "ss26_dbs" / "lectures.yaml", "de: Einführung",
                         "de: Eine Einführung"))
    preview.assert_fresh()
    assert "Eine Einführung".encode() in preview.last[0]["de/ss26_dbs/index.html"]
    preview.rebuild(edit(content / "site.yaml", "de: Lehre am Fachgebiet DAMS",
                         "de: Lehre im Fachgebiet DAMS"))
    preview.assert_fresh()
    template = preview.project.templates / "course.html"
    preview.rebuild(edit(template, "{% block main %}\n", "{% block main %}\n<p>edit</p>\n"))
    preview.assert_fresh()


def test_a_folder_is_quiet_when_no_event_names_it_anything_in_it_or_a_folder_above_it():
    cache = BuildCache()
    cache.begin(None)
    assert not cache.quiet("/c/o2"), "a build told nothing trusts nothing"
    cache.begin({"/c/o1/lectures.yaml", "/c/o3"})
    assert cache.quiet("/c/o2") and cache.quiet("/c/o10")
    assert not cache.quiet("/c/o1") and not cache.quiet("/c")
    assert not cache.quiet("/c/o3") and not cache.quiet("/c/o3/slides")
    cache.begin(set())
    assert not cache.quiet("/c/o1"), "the last build did not finish: its events still count"
    cache.finish()
    cache.begin(set())
    assert cache.quiet("/c/o1")
