"""Search: the build writes a Pagefind index of every offering's pages (lectures, sessions,
proposals, rooms, people, announcements; offering and term with each page), the same bytes on
every build, none in the live preview; in Chromium the header's box finds ranked hits naming
offering and term, under a sub-path, by keyboard; from file:// and without JavaScript the page
says why there is no search.

Built from tests/fixtures/archive (six offerings) and tests/fixtures/amls (with a proposal and
an announcement added here)."""
from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import FIXTURES, theme_assets
from quality_helpers import SiteServer

from coursesite import search as search_module
from coursesite.errors import ContentError
from coursesite.pipeline import BuildCache, Project, build, preview_build, render_site
from coursesite.search import search_files
from coursesite.text import labels

SEARCH_LABELS = labels("en").search

NOW = dt.datetime(2026, 5, 20, 10, 0)   # Summer 2026 running
SUB_PATH = "teaching/archive"           # the site is served below the server's root


def records(files: dict[str, bytes]) -> dict[str, dict]:
    """URL -> what Pagefind stored of the page (its text, metadata, anchors), read from the
    index's fragments (gzip, a signature, then JSON)."""
    found = {}
    for path, data in files.items():
        if path.startswith("pagefind/fragment/"):
            raw = gzip.decompress(data)
            record = json.loads(raw[raw.index(b"{"):])
            found[record["url"]] = record
    return found


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[Project, dict[str, bytes]]:
    root = tmp_path_factory.mktemp("search")
    project = Project(content=FIXTURES / "archive", assets=theme_assets(root / "assets"))
    return project, render_site(project, now=NOW).files


def test_every_offering_page_is_indexed_with_its_offering_and_term(archive):
    _project, files = archive
    found = records(files)
    pages = sorted(p for p in files if p.endswith(".html") and "/" in p)
    assert sorted(u.lstrip("/") for u in found) == pages  # the landing page is no hit
    assert {"pagefind/pagefind.js", "pagefind/pagefind-entry.json",
            "pagefind/wasm.en.pagefind"} <= files.keys()
    assert not [p for p in files if p.startswith("pagefind/pagefind-ui")]  # our own UI instead
    assert found["/ws22_dm/index.html"]["meta"] == {
        "title": "Data Management (WS2022/23)", "offering": "Data Management",
        "term": "WS2022/23"}
    assert found["/fa22_amls/schedule.html"]["meta"] == {
        "title": "Schedule: AMLS Fall 2022", "offering": "Architecture of ML Systems",
        "term": "Fall 2022"}
    text = " ".join(r["content"] for r in found.values())
    assert "Distributed Training" in text and "GHC 4101" in text
    # What the page hides for its script (badges, the empty "Coming up" box), the calendar
    # instructions and the links to other terms are not text to find.
    for absent in ("This week", "Coming up", "Subscribe", "Other terms"):
        assert absent not in text, absent


def test_the_index_is_the_same_bytes_on_every_build(archive, tmp_path):
    project, files = archive
    again = render_site(project, now=NOW).files
    index = {p: b for p, b in files.items() if p.startswith("pagefind/")}
    assert index and index == {p: b for p, b in again.items() if p.startswith("pagefind/")}
    # and written out: two builds into two folders, byte for byte
    build(project, tmp_path / "a", now=NOW)
    build(project, tmp_path / "b", now=NOW)
    written = [{p.relative_to(out).as_posix(): p.read_bytes()
                for p in sorted((out / "pagefind").rglob("*")) if p.is_file()}
               for out in (tmp_path / "a", tmp_path / "b")]
    assert written[0] == written[1] == index


def test_the_live_preview_leaves_the_index_out(archive):
    project, _files = archive
    files, _warnings = preview_build(project, BuildCache(), now=NOW)
    assert "ss26_amls/index.html" in files
    assert not [p for p in files if p.startswith("pagefind/")]


def test_lectures_sessions_proposals_rooms_people_and_announcements_are_found(tmp_path, theme):
    content = tmp_path / "content"
    shutil.copytree(FIXTURES / "amls", content)
    offering = content / "ss26_amls"
    projects = (offering / "projects.yaml").read_text()
    (offering / "projects.yaml").write_text(projects.replace(
        "proposals: []", "proposals:\n  - {id: sysds-01, title: Sparse tensor kernels}"))
    (offering / "news.yaml").write_text(
        "news:\n  - {date: 2026-04-10, title: Room change for the tutorial}\n")
    files = render_site(Project(content=content, assets=theme), now=NOW).files
    found = records(files)
    course = found["/ss26_amls/index.html"]["content"]
    assert "Introduction and Overview" in course                 # a lecture
    assert "Room change for the tutorial" in course              # an announcement
    assert "Matthias Boehm" in course                            # a person
    assert "BH-N 243" in course                                  # a room
    assert "Sparse tensor kernels" in found["/ss26_amls/projects.html"]["content"]  # a proposal
    assert "Office hours" in found["/ss26_amls/schedule.html"]["content"]  # a session


def test_a_missing_pagefind_binary_is_a_content_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "no-such-pagefind"))
    with pytest.raises(ContentError, match=r"search: the Pagefind binary is missing"):
        search_files({"a/index.html": b"<html><main data-pagefind-body>x</main></html>"})


def test_pages_without_a_search_mark_need_no_index():
    assert search_files({"index.html": b"<html><main>x</main></html>"}) == {}


# --- in Chromium --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The archive fixture built under www/teaching/archive/, served over http."""
    root = tmp_path_factory.mktemp("search-www")
    project = Project(content=FIXTURES / "archive", assets=theme_assets(root / "assets"))
    build(project, root / "www" / SUB_PATH, now=NOW)
    server = SiteServer(root / "www")
    yield server, root / "www" / SUB_PATH
    server.close()


def open_page(browser, url: str, js: bool = True):
    context = browser.new_context(java_script_enabled=js, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    return context, page, requests


def search(page, query: str) -> list[dict]:
    """Type the query into the header's box, press Enter, wait for the announced count; the
    hits in order, each its title, the offering and term line, and its link."""
    page.get_by_label(SEARCH_LABELS["label"]).fill(query)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => { const s = document.querySelector('[data-search-status]').textContent;"
        " return s && !s.startsWith('Searching'); }")
    return page.eval_on_selector_all(".search-results > li", """items => items.map(li => ({
        title: li.querySelector('.search-title').textContent,
        where: li.querySelector('.search-where').textContent,
        href: li.querySelector('.search-title a').href}))""")


def test_search_finds_ranked_hits_naming_offering_and_term(browser, served):
    server, _site = served
    context, page, requests = open_page(browser,
                                        f"{server.origin}/{SUB_PATH}/ss26_amls/schedule.html")
    hits = search(page, "relational algebra")
    assert page.locator("[data-search-status]").text_content() == \
        SEARCH_LABELS["many"].format(n=len(hits), q="relational algebra")
    assert {h["where"] for h in hits} == {"Database Systems · Winter 2019/20",
                                          "Data Management · WS2022/23"}
    hits = search(page, "distributed training")
    # ranked: the course page, where the lecture is a row of its table, before the schedule
    assert [h["title"] for h in hits] == ["Architecture of ML Systems (Fall 2022)",
                                          "Schedule: AMLS Fall 2022"]
    assert hits[0]["where"] == "Architecture of ML Systems · Fall 2022"
    # links resolve below the sub-path the site is served at, and lead to the page
    assert hits[0]["href"].startswith(f"{server.origin}/{SUB_PATH}/fa22_amls/index.html")
    page.locator(".search-title a").first.click()
    page.wait_for_url(f"{server.origin}/{SUB_PATH}/fa22_amls/**")
    assert all(u.startswith(server.origin) for u in requests)  # no third-party request
    context.close()


def test_search_works_by_keyboard_and_says_when_nothing_is_found(browser, served):
    server, _site = served
    context, page, _requests = open_page(browser, f"{server.origin}/{SUB_PATH}/index.html")
    assert search(page, "zebrafish") == []
    assert page.get_by_role("status").text_content() == SEARCH_LABELS["none"].format(q="zebrafish")
    search(page, "operator fusion")
    page.keyboard.press("Tab")  # from the box past its button to the first hit
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Architecture of ML Systems (Summer 2025)"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Escape")  # clears the box and the hits
    assert page.locator(".search-results").is_hidden()
    context.close()


def test_from_a_file_or_without_javascript_the_page_says_why_there_is_no_search(browser, served):
    server, site = served
    for url, js in ((Path(site, "ss26_amls", "index.html").as_uri(), True),
                    (f"{server.origin}/{SUB_PATH}/index.html", False)):
        context, page, _requests = open_page(browser, url, js=js)
        assert page.get_by_text(SEARCH_LABELS["unavailable"]).is_visible()
        assert page.locator("[data-search-form]").is_hidden()
        context.close()


def test_without_the_index_the_box_says_search_is_not_available_here(browser, served):
    server, site = served
    bare = Path(site).parent / "bare"
    shutil.copytree(site, bare, ignore=shutil.ignore_patterns("pagefind"))
    context, page, _requests = open_page(browser, f"{server.origin}/teaching/bare/index.html")
    page.get_by_label(SEARCH_LABELS["label"]).fill("sql")
    page.keyboard.press("Enter")
    status = page.get_by_role("status")
    status.filter(has_text=SEARCH_LABELS["no_index"]).wait_for()
    context.close()


def test_a_refused_build_stops_pagefind_and_leaves_no_scratch_folder(archive, tmp_path,
                                                                     monkeypatch):
    project, _files = archive
    memory = tmp_path / "memory"
    memory.mkdir()
    monkeypatch.setattr(search_module, "_MEMORY_FOLDER", str(memory))
    foreign = tmp_path / "site"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("the maintainer's")
    with pytest.raises(ContentError, match="not a coursesite build"):
        build(project, foreign, now=NOW)
    assert list(memory.iterdir()) == [] and (foreign / "notes.txt").exists()


def test_without_a_folder_in_memory_the_index_is_made_on_disk_alike(archive, monkeypatch):
    project, files = archive
    monkeypatch.setattr(search_module, "_MEMORY_FOLDER", "/no/such/folder")
    assert search_module.scratch_folder(1) is None
    again = search_files(files)
    assert records(again) == records(files)


def test_the_benchmarks_pagefind_alone_indexes_what_a_build_indexes(archive, tmp_path):
    # benchmark/run.py times Pagefind alone to show what the index costs a build: its
    # command must index the same pages into the same records as the build's own.
    project, files = archive
    site = tmp_path / "site"
    build(project, site, now=NOW)
    script = Path(__file__).resolve().parents[1] / "benchmark" / "pagefind_input.py"
    argv = json.loads(subprocess.run(
        [sys.executable, str(script), str(site), str(tmp_path / "input"), str(tmp_path / "out")],
        check=True, capture_output=True, text=True).stdout)
    copied = sorted(p.relative_to(tmp_path / "input").as_posix()
                    for p in (tmp_path / "input").rglob("*.html"))
    assert copied == sorted(search_module.indexed_pages(files))
    subprocess.run(argv, check=True, capture_output=True)
    alone = {f"pagefind/{p.relative_to(tmp_path / 'out').as_posix()}": p.read_bytes()
             for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert records(alone) == records(files)
