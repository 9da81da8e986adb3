"""The schedule and course pages mark the current week and the next lecture in the browser,
in the offering's time zone, whatever the visitor's own zone; without JavaScript they are
complete. Headless Chromium through Playwright, with the clock set inside the term."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest
from helpers import AMLS, theme_assets

from coursesite.pipeline import Project, build


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("schedule")
    shutil.copytree(AMLS, root / "content")
    # Built before the term: the clocks below are later, as a visitor's would be.
    build(Project(content=root / "content", assets=theme_assets(root / "assets")), root / "site",
          now=dt.datetime(2026, 4, 1, 12, 0))
    return root / "site"



def open_page(browser, url: str, clock: str, zone: str = "Europe/Berlin", js: bool = True):
    context = browser.new_context(timezone_id=zone, java_script_enabled=js,
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    if js:
        page.clock.install(time=clock)
    page.goto(url)
    return context, page


def marked(page) -> tuple[list[str], list[str]]:
    weeks = page.eval_on_selector_all("section.week.current", "els => els.map(e => e.id)")
    nxt = page.eval_on_selector_all(".event.next .what a, .event.next .what del",
                                    "els => els.map(e => e.textContent.trim())")
    return weeks, nxt


def test_schedule_marks_current_week_and_next_lecture(browser, site):
    context, page = open_page(browser, (site / "ss26_amls/schedule.html").as_uri(),
                              "2026-05-20T10:00:00+02:00")
    assert marked(page) == (["week-2026-05-18"], ["05 Data- and Task-Parallel Execution"])
    assert page.locator("#week-2026-05-18 .current-badge").is_visible()
    assert page.locator(".event.next .next-badge").is_visible()
    assert page.locator("section.week[aria-current='date']").count() == 1
    context.close()


def test_next_lecture_follows_the_offerings_zone_not_the_visitors(browser, site):
    # 17:30 UTC = 19:30 in Berlin: lecture 05 (16:00-18:00 Berlin) is over there, although
    # it is only 13:30 for a visitor in New York.
    context, page = open_page(browser, (site / "ss26_amls/schedule.html").as_uri(),
                              "2026-05-21T17:30:00Z", zone="America/New_York")
    assert marked(page) == (["week-2026-05-18"], ["06 Parameter Servers"])
    context.close()


def test_sunday_night_in_berlin_is_already_next_week_there(browser, site):
    context, page = open_page(browser, (site / "ss26_amls/schedule.html").as_uri(),
                              "2026-05-24T22:30:00Z", zone="UTC")  # Mon 00:30 in Berlin
    assert marked(page)[0] == ["week-2026-05-25"]
    context.close()


def test_course_page_says_what_comes_next(browser, site):
    context, page = open_page(browser, (site / "ss26_amls/index.html").as_uri(),
                              "2026-06-04T18:30:00+02:00")
    box = page.locator("[data-next]")
    assert box.is_visible()
    assert box.locator("li:visible .next-what").all_inner_texts() == [
        "Lecture 08: Hybrid Execution and HW Accelerators"]
    assert page.locator("tr.lecture.next").get_attribute("id") == "lecture-08"
    assert page.locator("tr.lecture.past").count() == 7
    context.close()


def test_after_the_term_nothing_is_next(browser, site):
    context, page = open_page(browser, (site / "ss26_amls/schedule.html").as_uri(),
                              "2026-11-29T12:00:00+01:00")
    assert marked(page) == ([], [])
    context.close()


def test_without_javascript_the_pages_are_complete(browser, site):
    context, page = open_page(browser, (site / "ss26_amls/schedule.html").as_uri(), "", js=False)
    lectures = page.locator("li.kind-lecture").count()
    holidays = page.locator("li.kind-holiday").all_inner_texts()
    assert lectures == 13
    assert any("Ascension Day" in h for h in holidays)
    assert marked(page) == ([], [])
    page.goto((site / "ss26_amls/index.html").as_uri())
    assert page.locator("tr.lecture").count() == 13
    # without the script the box shows what was next when the site was built
    assert page.locator("[data-next] li:visible .next-what").all_inner_texts() == [
        "Lecture 01: Introduction and Overview"]
    context.close()
