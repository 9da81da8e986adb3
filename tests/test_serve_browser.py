"""The live preview end to end: headless Chromium against `serve()` on a free port.

The server runs in a thread on private copies of content/, templates/ and assets/ (the CLI has
no option for templates or assets, the CSS and template tests edit them, and the repository's
own may be edited while the tests run). Every wait
is a deadline on a condition, never a fixed sleep.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from test_serve import (
    BAD_INPUTS,
    FIRST_TITLE,
    SLUG,
    TIMEOUT,
    copy_project,
    live_server,
    rename_lecture,
    wait_until,
)

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
MS = int(TIMEOUT * 1000)

# Count the page's event streams and note when the server's "hello" arrived: an edit made
# before the stream is connected would (rightly) not be reported to that page.
TRACK_EVENTS = """
(() => {
  const Native = window.EventSource;
  window.__hello = false;
  window.EventSource = function (url, options) {
    const source = new Native(url, options);
    source.addEventListener("hello", () => { window.__hello = true; });
    return source;
  };
  window.EventSource.prototype = Native.prototype;
})();
"""

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 900, "height": 500})
    context.add_init_script(TRACK_EVENTS)
    page = context.new_page()
    page.set_default_timeout(MS)
    yield page
    context.close()


def open_page(page, srv, path: str = f"/{SLUG}/"):
    response = page.goto(srv.url + path)
    assert response.status == 200
    connected(page)


def connected(page):
    """Wait until this page's event stream has had the server's hello."""
    page.wait_for_function("window.__hello === true")


def overlay(page):
    return page.locator("#coursesite-problems")


def test_title_edit_reloads_the_page_and_keeps_the_scroll_position(page, tmp_path):
    project = copy_project(tmp_path)
    with live_server(project) as srv:
        open_page(page, srv)
        page.evaluate("window.scrollTo(0, 400)")
        page.wait_for_function("window.scrollY === 400")
        page.evaluate("window.__before_reload = true")
        rename_lecture(Path(project.content), FIRST_TITLE, "Welcome to ML Systems")
        page.get_by_text("Welcome to ML Systems").first.wait_for()
        assert page.evaluate("window.__before_reload") is None, "expected a full reload"
        assert page.get_by_text(FIRST_TITLE).count() == 0
        page.wait_for_function("Math.abs(window.scrollY - 400) <= 2")
        connected(page)
        # A second edit on the reloaded page works the same way.
        rename_lecture(Path(project.content), "Welcome to ML Systems", "Welcome again")
        page.get_by_text("Welcome again").first.wait_for()
        page.wait_for_function("Math.abs(window.scrollY - 400) <= 2")


def test_broken_yaml_shows_the_overlay_and_the_fix_removes_it(page, tmp_path):
    project = copy_project(tmp_path)
    lectures = Path(project.content) / SLUG / "lectures.yaml"
    good = lectures.read_text(encoding="utf-8")
    lines = good.splitlines(keepends=True)
    assert lines[11].startswith("      - {number: 3,")
    lines[11] = "\t" + lines[11].lstrip()  # a tab on line 12
    with live_server(project) as srv:
        open_page(page, srv)
        page.evaluate("window.__same_page = true")
        lectures.write_text("".join(lines), encoding="utf-8")
        box = overlay(page)
        box.wait_for(state="visible")
        wait_until(lambda: "lectures.yaml:12" in box.text_content(), what="the file:line")
        assert "Build failed; showing the last good version." in box.text_content()
        assert page.get_by_text(FIRST_TITLE).count() == 1, "the last good page stays"
        assert page.evaluate("window.__same_page") is True, "problems must not reload"
        assert srv.get(f"/{SLUG}/")[0] == 200, "the server keeps serving"
        lectures.write_text(good.replace(FIRST_TITLE, "Fixed title"), encoding="utf-8")
        page.get_by_text("Fixed title").first.wait_for()
        box.wait_for(state="detached")


def test_overlay_fix_that_restores_the_last_good_site_removes_it(page, tmp_path):
    project = copy_project(tmp_path)
    lectures = Path(project.content) / SLUG / "lectures.yaml"
    good = lectures.read_text(encoding="utf-8")
    with live_server(project) as srv:
        open_page(page, srv)
        lectures.write_text(good.replace("parts:", "parts: [", 1), encoding="utf-8")
        overlay(page).wait_for(state="visible")
        lectures.write_text(good, encoding="utf-8")  # back to the exact last good bytes
        overlay(page).wait_for(state="detached")


def test_opening_a_page_while_the_build_is_broken_shows_the_overlay(page, tmp_path):
    project = copy_project(tmp_path)
    lectures = Path(project.content) / SLUG / "lectures.yaml"
    with live_server(project) as srv:
        generation = srv.live.generation
        lectures.write_text(lectures.read_text().replace("parts:", "parts: [", 1))
        srv.wait_generation(generation)
        open_page(page, srv)
        overlay(page).wait_for(state="visible")
        assert "lectures.yaml:" in overlay(page).text_content()


def test_css_edit_restyles_without_a_full_reload(page, tmp_path):
    project = copy_project(tmp_path)
    css = Path(project.assets) / "style.css"
    with live_server(project) as srv:
        open_page(page, srv)
        page.evaluate("window.__survives = 42")
        before = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert before != "rgb(1, 2, 3)"
        css.write_text(css.read_text() + "\nbody { background: rgb(1, 2, 3) !important; }\n")
        page.wait_for_function(
            "getComputedStyle(document.body).backgroundColor === 'rgb(1, 2, 3)'")
        assert page.evaluate("window.__survives") == 42, "the page was reloaded"
        href = page.evaluate("document.querySelector('link[rel=stylesheet]').href")
        assert "coursesite=" in href


def test_template_edit_reloads(page, tmp_path):
    project = copy_project(tmp_path)
    base = Path(project.templates) / "base.html"
    with live_server(project) as srv:
        open_page(page, srv)
        text = base.read_text()
        assert "</body>" in text
        base.write_text(text.replace("</body>", '<p id="added">from the template</p>\n</body>'))
        page.locator("#added").wait_for()


@pytest.mark.parametrize("bad", BAD_INPUTS)
def test_bad_input_shows_the_overlay_and_the_server_keeps_serving(page, tmp_path, bad):
    project = copy_project(tmp_path)
    with live_server(project) as srv:
        open_page(page, srv)
        where, what = BAD_INPUTS[bad](project)
        box = overlay(page)
        box.wait_for(state="visible")
        wait_until(lambda: where in box.text_content() and what in box.text_content(),
                   what=f"{where} {what} in the overlay")
        page.reload()
        assert page.get_by_text(FIRST_TITLE).count() == 1
        overlay(page).wait_for(state="visible")  # the hello carries the problems


def test_deleted_offering_404s_and_added_offering_appears(page, tmp_path):
    project = copy_project(tmp_path)
    content = Path(project.content)
    with live_server(project) as srv:
        open_page(page, srv, "/")
        assert page.locator(f'a[href*="{SLUG}"]').count() > 0
        staging = tmp_path / "staging"
        shutil.copytree(content / SLUG, staging / "ws26_extra")
        os.rename(staging / "ws26_extra", content / "ws26_extra")
        page.locator('a[href*="ws26_extra"]').first.wait_for()  # the landing page reloaded
        assert page.request.get(srv.url + "/ws26_extra/").status == 200
        assert page.request.get(srv.url + "/ws26_extra/schedule.html").status == 200
        shutil.rmtree(content / SLUG)
        page.wait_for_function(f"!document.querySelector('a[href*=\"{SLUG}\"]')")
        wait_until(lambda: page.request.get(srv.url + f"/{SLUG}/").status == 404,
                   what="a 404 for the deleted offering")
        assert page.request.get(srv.url + f"/{SLUG}/projects.html").status == 404
        assert page.request.get(srv.url + "/ws26_extra/").status == 200


def test_page_fetched_before_a_rebuild_still_reloads(page, tmp_path):
    """The page is served at build N; its event stream connects only after build N+1 (a save
    right after opening or reloading a page). The client must still end up on build N+1;
    today the stream starts at the generation current when it connects, so it never hears of
    the change and the page stays stale until the next save."""
    project = copy_project(tmp_path)
    held = []
    with live_server(project) as srv:
        page.route(re.compile(r"/__coursesite/events"),  # hold the first stream only
                   lambda route: route.continue_() if held else held.append(route))
        page.goto(srv.url + f"/{SLUG}/")
        wait_until(lambda: (page.evaluate("0"), held)[1], what="the page's event request")
        generation = srv.live.generation
        rename_lecture(Path(project.content), FIRST_TITLE, "Changed before connecting")
        srv.wait_generation(generation)
        held[0].continue_()
        page.get_by_text("Changed before connecting").first.wait_for()
        assert page.get_by_text(FIRST_TITLE).count() == 0
