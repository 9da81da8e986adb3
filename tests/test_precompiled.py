"""The theme's templates compiled at installation (coursesite.precompiled): a build loads them
instead of compiling, with the same pages, the same dependencies between templates and the
same file names for errors; any other source is compiled as before; a build never writes the
store."""
from __future__ import annotations

import datetime as dt
import shutil

import jinja2
import pytest
from conftest import ROOT
from helpers import fixture_project

from coursesite import precompiled
from coursesite.pipeline import render_site
from coursesite.templates import TemplateSet

NOW = dt.datetime(2026, 5, 20, 10, 0)
PAGES = ("course.html", "schedule.html", "projects.html", "landing.html")


@pytest.fixture
def theme(tmp_path):
    """A copy of the theme's templates."""
    return shutil.copytree(ROOT / "templates", tmp_path / "theme")


def compiled_names(monkeypatch) -> list:
    """The names Jinja compiles from now on (appended as it compiles them)."""
    names, compile_ = [], jinja2.Environment.compile

    def noted(env, source, name=None, *args, **kwargs):
        names.append(name)
        return compile_(env, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", noted)
    return names


def use_store(monkeypatch, store) -> None:
    monkeypatch.setattr(precompiled, "STORE", store)


def test_a_precompiled_theme_is_loaded_not_compiled(theme, tmp_path, monkeypatch):
    store = tmp_path / "store"
    assert precompiled.precompile(theme, store) == len(list(theme.glob("*.*")))
    fresh = TemplateSet([theme], precompiled=False)
    use_store(monkeypatch, store)
    compiled = compiled_names(monkeypatch)
    loaded = TemplateSet([theme])
    loaded.compile(PAGES)
    assert compiled == []
    for name in PAGES:
        assert loaded.version(name) == fresh.version(name)
        assert loaded.closure(name) == fresh.closure(name) != set()
        ours, theirs = loaded.env.get_template(name), fresh.env.get_template(name)
        assert ours.filename == theirs.filename  # what a template error names
        assert ours.debug_info == theirs.debug_info  # and the line in it


def test_a_build_from_precompiled_templates_has_the_same_bytes(tmp_path, monkeypatch):
    project = fixture_project(tmp_path, "archive")
    use_store(monkeypatch, tmp_path / "no store")
    compiled = compiled_names(monkeypatch)
    before = render_site(project, now=NOW, search=False).files
    assert "course.html" in compiled
    precompiled.precompile(store=tmp_path / "store")
    use_store(monkeypatch, tmp_path / "store")
    compiled.clear()
    assert render_site(project, now=NOW, search=False).files == before
    assert compiled == []


def test_an_edited_template_is_compiled_and_the_store_left_alone(theme, tmp_path,
                                                                monkeypatch):
    """...and once the edit is undone, the installed code and references are back."""
    store = tmp_path / "store"
    precompiled.precompile(theme, store)
    stored = {p.name: p.read_bytes() for p in store.iterdir()}
    schedule = theme / "schedule.html"
    schedule.write_text(schedule.read_text(encoding="utf-8").replace(
        "{% block main %}\n", "{% block main %}\n{% include '_subscribe.html' %}\n", 1),
        encoding="utf-8")
    use_store(monkeypatch, store)
    compiled = compiled_names(monkeypatch)
    templates = TemplateSet([theme])
    templates.compile(PAGES)
    assert compiled == ["schedule.html"]
    assert "_subscribe.html" in templates.closure("schedule.html")
    assert {p.name: p.read_bytes() for p in store.iterdir()} == stored
    schedule.write_text((ROOT / "templates" / "schedule.html").read_text(encoding="utf-8"),
                        encoding="utf-8")
    templates.refresh()
    assert templates.closure("schedule.html") == {"schedule.html", "base.html", "_macros.html"}
    assert compiled == ["schedule.html"]


@pytest.mark.parametrize("installed", [True, False])
def test_a_site_override_is_compiled_over_the_precompiled_theme(theme, tmp_path,
                                                              monkeypatch, installed):
    """The theme's NAME, extended as `theme/NAME`, is Jinja's NAME from the theme's file:
    loaded from the store, and its references are its own, not those of the site's NAME."""
    store = tmp_path / "store"
    if installed:
        precompiled.precompile(theme, store)
    site = tmp_path / "site templates"
    site.mkdir()
    (site / "projects.html").write_text(
        "{% extends 'theme/projects.html' %}{% block main %}ours{% endblock %}",
        encoding="utf-8")
    use_store(monkeypatch, store)
    compiled = compiled_names(monkeypatch)
    templates = TemplateSet([site, theme])
    templates.compile(["projects.html", "course.html"])
    assert sorted(compiled) == (["projects.html"] if installed else sorted(
        ["projects.html", "projects.html", "course.html", "base.html", "_macros.html",
         "_subscribe.html"]))
    assert templates.closure("projects.html") == {"projects.html", "theme/projects.html",
                                                  "base.html", "_macros.html"}


def test_a_store_from_another_format_is_ignored(theme, tmp_path, monkeypatch):
    store = tmp_path / "store"
    precompiled.precompile(theme, store)
    for code in store.glob("*.code"):
        code.write_bytes(b"not jinja's" + code.read_bytes())
    use_store(monkeypatch, store)
    compiled = compiled_names(monkeypatch)
    TemplateSet([theme]).compile(["course.html"])
    assert "course.html" in compiled
