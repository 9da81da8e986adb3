"""Next things first (issue 14): the course page opens with what is next, as of the build and
kept current in the browser; the schedule opens at this week; subscribing works with and
without a base URL and says why it cannot from file://; printed, the course page fits on two
A4 pages.

Built from copies of tests/fixtures/amls: as it is (print), and with a dated exam and deadline,
lecture 06 cancelled, lecture 07 moved (14:00, FR 772), slides for lecture 05 and a later
offering ss27_amls (the "next" fixture).
"""
from __future__ import annotations

import datetime as dt
import functools
import http.server
import re
import shutil
import threading
import zoneinfo
from pathlib import Path

import pytest
from helpers import AMLS, run_cli, theme_assets

from coursesite.archive import Archive
from coursesite.model import load_site
from coursesite.pages import OfferingPages
from coursesite.pipeline import Project, build
from coursesite.upcoming import marks

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")

ORGANIZATION = """\
lecturers:
  - name: Univ.-Prof. Dr.-Ing. Matthias Boehm
exams:
  - {id: final, title: Final written exam, date: 2026-07-30, start: "10:00", end: "12:00",
     room: fr-772}
deadlines:
  - {id: projects, title: Submission of all projects, date: 2026-07-24, time: "23:59"}
"""
NEXT_TERM = {
    "course.yaml": "title: Architecture of ML Systems\nshort: AMLS\nterm: {season: summer, "
                   "year: 2027, start: 2027-04-12, end: 2027-07-17}\n",
    "lectures.yaml": "parts:\n  - letter: A\n    title: Overview\n    lectures:\n"
                     "      - {number: 1, title: Introduction, date: 2027-04-15, "
                     "start: \"16:00\", end: \"18:00\", room: bh-n-243}\n",
}


def next_fixture(dest: Path) -> Path:
    """The AMLS fixture with dated exam and deadline, a cancelled and a moved lecture, released
    slides and a later offering."""
    shutil.copytree(AMLS, dest)
    folder = dest / "ss26_amls"
    lectures = folder / "lectures.yaml"
    text = lectures.read_text(encoding="utf-8")
    text = text.replace(
        "{number: 5, title: Data- and Task-Parallel Execution, date: 2026-05-21}",
        "{number: 5, title: Data- and Task-Parallel Execution, date: 2026-05-21, "
        "materials: [{kind: link, url: \"https://example.org/05\", label: Slides}]}")
    text = text.replace("{number: 6, title: Parameter Servers, date: 2026-05-28}",
                        "{number: 6, title: Parameter Servers, date: 2026-05-28, "
                        "status: cancelled, note: Staff meeting}")
    text = text.replace("{number: 7, title: LLM Training and Inference, date: 2026-06-04}",
                        "{number: 7, title: LLM Training and Inference, date: 2026-06-04, "
                        "start: \"14:00\", end: \"16:00\", room: fr-772}")
    lectures.write_text(text, encoding="utf-8")
    (folder / "organization.yaml").write_text(ORGANIZATION, encoding="utf-8")
    later = dest / "ss27_amls"
    later.mkdir()
    for name, body in NEXT_TERM.items():
        (later / name).write_text(body, encoding="utf-8")
    return dest


def berlin(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


@pytest.fixture(scope="module")
def content(tmp_path_factory) -> Path:
    return next_fixture(tmp_path_factory.mktemp("next") / "content")


@pytest.fixture(scope="module")
def site(content):
    return load_site(content, None)


def box(site, now: dt.datetime) -> dict:
    """The course page's 'next' view of ss26_amls as built at `now`."""
    o = next(x for x in site.offerings if x.slug == "ss26_amls")
    made = OfferingPages(site, o, archive=Archive.of(site, now).for_offering(o),
                         marks=marks(o, now))
    return made.view["next"]


def shown(view: dict) -> list[tuple]:
    return [(x["title"], x["cancelled"], x["moved"]) for x in view["entries"] if x["shown"]]


# --- the context at chosen moments -------------------------------------------------------------

MOMENTS = {
    "before-the-term": (berlin(2026, 4, 1, 12), [
        ("Lecture 01: Introduction and Overview", False, False),
        ("Deadline: Submission of all projects", False, False)]),
    "mid-term": (berlin(2026, 5, 20, 10), [
        ("Lecture 05: Data- and Task-Parallel Execution", False, False),
        ("Deadline: Submission of all projects", False, False)]),
    # 06 is cancelled this week; the next session is 07, moved.
    "cancelled-week": (berlin(2026, 5, 26, 10), [
        ("Lecture 06: Parameter Servers", True, False),
        ("Lecture 07: LLM Training and Inference", False, True),
        ("Deadline: Submission of all projects", False, False)]),
    # the lectures are over, the deadline passed: the exam is next
    "exam-ahead": (berlin(2026, 7, 26, 10), [("Exam: Final written exam", False, False)]),
    "after-the-term": (berlin(2026, 8, 1, 12), []),
}


@pytest.mark.parametrize("moment", sorted(MOMENTS))
def test_the_box_shows_what_is_next_at_the_builds_moment(site, moment):
    now, expected = MOMENTS[moment]
    view = box(site, now)
    assert shown(view) == expected
    assert view["over"] == (moment == "after-the-term")
    assert view["hidden"] is False


def test_the_next_session_has_its_time_room_with_address_online_link_and_materials(site):
    first = next(x for x in box(site, berlin(2026, 5, 20, 10))["entries"] if x["shown"])
    assert first["when"] == "Thu, May 21, 2026, 16:00-18:00"
    assert first["room"]["name"] == "BH-N 243"
    assert first["room"]["address"] == "Hardenbergstraße 40A, 10623 Berlin"
    assert [link["label"] for link in first["online"]] == ["Zoom"]
    assert [m["url"] for m in first["materials"]] == ["https://example.org/05"]


def test_a_moved_session_shows_its_own_time_and_room_and_the_exam_its_room(site):
    entries = {x["key"]: x for x in box(site, berlin(2026, 5, 26, 10))["entries"]}
    moved = entries["lecture/07"]
    assert (moved["when"], moved["room"]["name"]) == ("Thu, Jun 4, 2026, 14:00-16:00", "FR 772")
    exam = entries["exam/final"]
    assert (exam["when"], exam["room"]["name"]) == ("Thu, Jul 30, 2026, 10:00-12:00", "FR 772")


def test_what_is_over_at_the_build_is_left_out(site):
    keys = [x["key"] for x in box(site, berlin(2026, 5, 26, 10))["entries"]]
    assert "lecture/05" not in keys and keys[0] == "lecture/06"


def test_after_the_term_it_says_so_and_points_to_the_next_offering(site):
    view = box(site, berlin(2026, 8, 1, 12))
    assert view["over_text"] == "The lecture period of Summer 2026 ended on Sat, Jul 18, 2026."
    assert (view["successor"]["url"], view["successor"]["label"]) == (
        "ss27_amls/index.html", "Summer 2027")


def test_the_newest_offering_has_no_successor(site):
    o = next(x for x in site.offerings if x.slug == "ss27_amls")
    assert Archive.of(site, berlin(2027, 8, 1, 12)).for_offering(o)["successor"] is None


# --- built pages, in the browser ---------------------------------------------------------------

@pytest.fixture(scope="module")
def build_at(tmp_path_factory, content):
    """site folder of the next fixture built as of a moment (one build per moment; with
    `base_url`, site.yaml sets it)."""
    root = tmp_path_factory.mktemp("next-sites")
    assets = theme_assets(root / "assets")
    made: dict = {}

    def at(now: dt.datetime, base_url: str | None = None, source: Path = content) -> Path:
        key = (now, base_url, source)
        if key not in made:
            folder = root / f"build-{len(made)}"
            copy = shutil.copytree(source, folder / "content")
            if base_url:
                with (copy / "site.yaml").open("a", encoding="utf-8") as f:
                    f.write(f"base_url: {base_url}\n")
            build(Project(content=copy, assets=assets), folder / "site", now=now)
            made[key] = folder / "site"
        return made[key]
    return at



def open_page(browser, url: str, clock: str | None, zone: str = "Europe/Berlin",
              height: int = 900):
    """A page in a new context; `clock` None: without JavaScript."""
    context = browser.new_context(timezone_id=zone, java_script_enabled=clock is not None,
                                  viewport={"width": 1280, "height": height})
    page = context.new_page()
    if clock is not None:
        page.clock.install(time=clock)
    page.goto(url)
    return context, page


def shown_in_browser(page) -> list[str]:
    return page.locator("[data-next] li.next-item:visible .next-what").all_inner_texts()


def titles(view: dict) -> list[str]:
    """What the page shows of each shown entry: the title and its badge."""
    return [x["title"] + (" Cancelled" if x["cancelled"] else " Moved" if x["moved"] else "")
            for x in view["entries"] if x["shown"]]


BUILT_BEFORE = berlin(2026, 4, 1, 12)


@pytest.mark.parametrize("moment", ["mid-term", "cancelled-week", "exam-ahead",
                                    "after-the-term"])
def test_the_browser_shows_what_a_build_at_its_moment_would(build_at, browser, site, moment):
    now, _ = MOMENTS[moment]
    page_site = build_at(BUILT_BEFORE)
    context, page = open_page(browser, (page_site / "ss26_amls/index.html").as_uri(),
                              now.isoformat())
    expected = box(site, now)
    assert [t.upper() for t in shown_in_browser(page)] == [t.upper() for t in titles(expected)]
    over = page.locator("[data-next-over]")
    assert over.is_visible() == expected["over"]
    if expected["over"]:
        assert over.inner_text() == ("The lecture period of Summer 2026 ended on Sat, Jul 18, "
                                     "2026. Next offering of the course: Summer 2027.")
        assert over.locator("a").get_attribute("href") == "../ss27_amls/index.html"
    context.close()


def test_the_box_opens_the_page_right_after_the_title(build_at, browser):
    context, page = open_page(browser, (build_at(BUILT_BEFORE) / "ss26_amls/index.html").as_uri(),
                              "2026-05-20T10:00:00+02:00")
    order = page.evaluate("""() => Array.from(document.querySelectorAll('main > *'))
        .map(e => e.tagName.toLowerCase() + (e.matches('[data-next]') ? '.next' : ''))""")
    assert order[:2] == ["hgroup", "section.next"]
    assert page.locator("[data-next]").bounding_box()["y"] < 300
    context.close()


def test_a_visitor_elsewhere_sees_the_offerings_time(build_at, browser):
    # 16:30 UTC = 18:30 in Berlin: lecture 05 is over there, while 12:30 in New York; 06 is
    # cancelled, so 07 is next.
    context, page = open_page(browser, (build_at(BUILT_BEFORE) / "ss26_amls/index.html").as_uri(),
                              "2026-05-21T16:30:00Z", zone="America/New_York")
    assert shown_in_browser(page)[0].startswith("Lecture 07")
    context.close()


def test_without_javascript_the_box_shows_the_builds_moment(build_at, browser):
    site = build_at(berlin(2026, 5, 26, 10))
    context, page = open_page(browser, (site / "ss26_amls/index.html").as_uri(), None)
    assert [t.upper() for t in shown_in_browser(page)] == [
        "LECTURE 06: PARAMETER SERVERS CANCELLED", "LECTURE 07: LLM TRAINING AND INFERENCE MOVED",
        "DEADLINE: SUBMISSION OF ALL PROJECTS"]
    assert "FR 772 (Franklin-Gebäude (FR), Franklinstraße 28/29, 10587 Berlin)" in page.locator(
        "[data-next] li.next-item:visible").nth(1).inner_text()
    context.close()


# --- the schedule opens at this week -------------------------------------------------------

def test_the_schedule_opens_at_this_week_in_the_browser(build_at, browser):
    site = build_at(BUILT_BEFORE)
    context, page = open_page(browser, (site / "ss26_amls/schedule.html").as_uri(),
                              "2026-05-20T10:00:00+02:00", height=700)
    assert page.eval_on_selector_all("section.week.current", "els => els.map(e => e.id)") == [
        "week-2026-05-18"]
    assert page.locator("#week-2026-05-18 .current-badge").inner_text().lower() == "this week"
    top = page.evaluate("document.getElementById('week-2026-05-18').getBoundingClientRect().top")
    assert page.evaluate("window.scrollY") > 0 and abs(top) < 5
    assert page.locator("[data-week-jump] a").get_attribute("href") == "#week-2026-05-18"
    # the course page's link opens the schedule at the week the browser is in
    page.goto((site / "ss26_amls/index.html").as_uri())
    assert page.locator("a[data-week-link]").get_attribute("href") == \
        "schedule.html#week-2026-05-18"
    context.close()


def test_the_schedule_marks_this_week_without_javascript(build_at, browser):
    site = build_at(berlin(2026, 5, 20, 10))
    context, page = open_page(browser, (site / "ss26_amls/schedule.html").as_uri(), None)
    assert page.eval_on_selector_all("section.week.current", "els => els.map(e => e.id)") == [
        "week-2026-05-18"]
    assert page.locator("#week-2026-05-18 .current-badge").is_visible()
    assert page.locator(".current-badge:visible").count() == 1
    page.goto((site / "ss26_amls/index.html").as_uri())
    assert page.locator("a[data-week-link]").get_attribute("href") == \
        "schedule.html#week-2026-05-18"
    context.close()


def test_outside_the_term_no_week_is_this_week(build_at, browser):
    site = build_at(berlin(2026, 12, 1, 12))
    context, page = open_page(browser, (site / "ss26_amls/schedule.html").as_uri(), None)
    assert page.locator("section.week.current").count() == 0
    assert not page.locator("[data-week-jump]").is_visible()
    context.close()


# --- subscribe ---------------------------------------------------------------------------------

@pytest.fixture
def served():
    """Serve a site folder on 127.0.0.1: returns its base URL."""
    servers = []

    def serve(folder: Path) -> str:
        handler = functools.partial(QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"
    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def subscribe_state(page) -> dict:
    block = page.locator("section.subscribe")
    return {"webcal": block.locator("a:visible", has_text="Subscribe (webcal)").count(),
            "download": block.locator("a[download]:visible").count(),
            "offline": block.locator("[data-offline-note]").is_visible(),
            "address": block.locator("#feed-url").is_visible()}


def test_with_a_base_url_the_links_are_there_without_javascript(build_at, browser):
    site = build_at(BUILT_BEFORE, "https://courses.example.org/teaching/")
    context, page = open_page(browser, (site / "ss26_amls/index.html").as_uri(), None)
    assert subscribe_state(page) == {"webcal": 1, "download": 1, "offline": False,
                                     "address": True}
    assert page.locator("#feed-url").input_value() == \
        "https://courses.example.org/teaching/ss26_amls/calendar.ics"
    assert page.locator("a", has_text="Subscribe (webcal)").get_attribute("href") == \
        "webcal://courses.example.org/teaching/ss26_amls/calendar.ics"
    context.close()


def test_without_a_base_url_the_script_fills_the_address_over_http(build_at, browser, served):
    base = served(build_at(BUILT_BEFORE))
    context, page = open_page(browser, base + "ss26_amls/index.html", "2026-05-20T10:00:00+02:00")
    feed = base + "ss26_amls/calendar.ics"
    assert subscribe_state(page) == {"webcal": 1, "download": 1, "offline": False,
                                     "address": True}
    assert page.locator("#feed-url").input_value() == feed
    webcal = "webcal://" + feed.removeprefix("http://")
    assert page.locator("[data-webcal]").get_attribute("href") == webcal
    assert page.locator("[data-google]").get_attribute("href") == (
        "https://calendar.google.com/calendar/r?cid=" + re.sub(
            r"[:/]", lambda m: {":": "%3A", "/": "%2F"}[m.group()], webcal))
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base.rstrip("/"))
    page.locator("[data-copy]").click()
    assert page.locator("[data-copied]").inner_text() == "Copied."
    assert page.evaluate("navigator.clipboard.readText()") == feed
    context.close()


@pytest.mark.parametrize("how", ["file-with-javascript", "http-without-javascript"])
def test_without_a_base_url_offline_there_is_a_download_and_a_reason(build_at, browser, served,
                                                                      how):
    site = build_at(BUILT_BEFORE)
    if how == "file-with-javascript":
        context, page = open_page(browser, (site / "ss26_amls/index.html").as_uri(),
                                  "2026-05-20T10:00:00+02:00")
    else:
        context, page = open_page(browser, served(site) + "ss26_amls/index.html", None)
    assert subscribe_state(page) == {"webcal": 0, "download": 1, "offline": True,
                                     "address": False}
    assert "needs the calendar's address on the web" in page.locator(
        "[data-offline-note]").inner_text()
    context.close()


def test_check_warns_when_feeds_exist_but_base_url_is_unset(tmp_path):
    content = shutil.copytree(AMLS, tmp_path / "content")
    result = run_cli("check", "--content", content)
    assert result.returncode == 0, result.stderr
    warning = [line for line in result.stderr.splitlines() if "base_url" in line]
    assert len(warning) == 1 and re.match(
        r"note: .*content/site\.yaml:\d+: base_url: not set, but the site publishes "
        r"calendar feeds", warning[0]), result.stderr
    strict = run_cli("check", "--strict", "--content", content)
    assert strict.returncode == 0, strict.stderr  # advice, never fatal: deploys are strict
    with (content / "site.yaml").open("a", encoding="utf-8") as f:
        f.write("base_url: https://courses.example.org/\n")
    assert "base_url" not in run_cli("check", "--content", content).stderr


# --- print -------------------------------------------------------------------------------------

def pdf_pages(page) -> int:
    """The number of A4 pages the page prints on (counted in the PDF's page objects)."""
    pdf = page.pdf(format="A4")
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


@pytest.mark.parametrize("moment", [BUILT_BEFORE, berlin(2026, 12, 1, 12)],
                         ids=["during", "after"])
def test_the_amls_course_page_prints_on_two_a4_pages(build_at, browser, moment):
    site = build_at(moment, source=AMLS)
    context, page = open_page(browser, (site / "ss26_amls/index.html").as_uri(), None)
    assert pdf_pages(page) == 2
    context.close()


def test_print_keeps_the_three_newest_news_entries(build_at, browser, tmp_path):
    content = shutil.copytree(AMLS, tmp_path / "content")
    (content / "ss26_amls" / "news.yaml").write_text("news:\n" + "".join(
        f"  - {{date: 2026-04-0{d}, title: Note {d}}}\n" for d in range(1, 6)), encoding="utf-8")
    site = build_at(BUILT_BEFORE, source=content)
    context, page = open_page(browser, (site / "ss26_amls/index.html").as_uri(), None)
    assert page.locator(".news-list li:visible").count() == 5
    page.emulate_media(media="print")
    assert page.locator(".news-list li:visible h3").all_inner_texts() == [
        "Sun, Apr 5, 2026: Note 5", "Sat, Apr 4, 2026: Note 4", "Fri, Apr 3, 2026: Note 3"]
    context.close()


def test_print_leaves_no_heading_or_table_header_alone_at_a_page_end(build_at, browser):
    """Chromium keeps `break-after: avoid` of headings, captions and table headers: the lecture
    tables' headers repeat or move with their first row, never end a page."""
    site = build_at(BUILT_BEFORE, source=AMLS)
    context, page = open_page(browser, (site / "ss26_amls/index.html").as_uri(), None)
    page.emulate_media(media="print")
    rules = page.evaluate("""() => ['h2', 'h3', 'caption', 'thead'].map(sel => {
        const el = document.querySelector('main ' + sel);
        return el ? [sel, getComputedStyle(el).breakAfter] : [sel, 'absent'];
    })""")
    assert [r for r in rules if r[1] not in ("avoid", "absent")] == []
    assert page.evaluate(
        "getComputedStyle(document.querySelector('thead')).display") == "table-header-group"
    context.close()
