"""A broken template is the maintainer's to fix: one line naming the template's file:line and
the page (so the offering) that was being rendered; and the page table drives every page."""
from __future__ import annotations

import re
import shutil

import pytest
from conftest import ROOT
from helpers import AMLS, committed_copy, theme_assets

from coursesite.errors import ContentError
from coursesite.pages import PAGES
from coursesite.pipeline import Project, check, render_site


@pytest.fixture
def project(tmp_path) -> Project:
    templates = shutil.copytree(ROOT / "templates", tmp_path / "templates")
    return Project(content=committed_copy(AMLS, tmp_path / "content"), templates=templates,
                   assets=theme_assets(tmp_path / "assets"))


def break_template(project: Project, name: str, line: str) -> None:
    """Put `line` at the start of the template's main block (what a child template shows)."""
    path = project.templates / name
    text = path.read_text(encoding="utf-8")
    assert "{% block main %}\n" in text
    path.write_text(text.replace("{% block main %}\n", "{% block main %}\n" + line, 1),
                    encoding="utf-8")


def report_of(project: Project) -> str:
    with pytest.raises(ContentError) as info:
        render_site(project)
    return info.value.report()


def test_an_undefined_value_names_template_line_and_page(project):
    break_template(project, "schedule.html", "{{ offering.no_such_value.x }}\n")
    report = report_of(project)
    assert re.search(r"templates/schedule\.html:\d+: template uses an undefined value: .*"
                     r"no_such_value.* \(while rendering ss26_amls/schedule\.html\)",
                     report), report


def test_a_syntax_error_names_template_line_and_page(project):
    break_template(project, "projects.html", "{% if %}\n")
    report = report_of(project)
    assert re.search(r"templates/projects\.html:\d+: template syntax: .* \(while rendering "
                     r"ss26_amls/projects\.html\)", report), report


def test_check_finds_a_syntax_error_without_rendering(project):
    """check compiles every template (what no page uses yet included): an unknown filter is
    found at compile time and named by file:line."""
    (project.templates / "unused.html").write_text("<p>\n{{ 1 | no_such_filter }}</p>\n",
                                                   encoding="utf-8")
    with pytest.raises(ContentError) as info:
        check(project)
    assert re.fullmatch(r".*templates/unused\.html:2: template syntax: No filter named "
                        r"'no_such_filter'\. \(while compiling the templates\)\n.*",
                        info.value.report(), re.S), info.value.report()


def test_check_validates_but_renders_nothing(project):
    """An undefined value shows only when rendering: check (validation) passes, the build
    names it; check's result carries the site and no files."""
    break_template(project, "schedule.html", "{{ offering.no_such_value.x }}\n")
    result = check(project)
    assert [o.slug for o in result.site.offerings] == ["ss26_amls"]
    assert not hasattr(result, "files")
    assert "no_such_value" in report_of(project)


def test_every_page_of_the_table_is_built(project):
    files = render_site(project).files
    wanted = {p.path.format(slug="ss26_amls") for p in PAGES}
    assert wanted <= set(files)
