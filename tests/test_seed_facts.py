"""Every fact of the AMLS Summer 2026 public page is on the generated site, and every date of
it is in the calendar. The facts are written out here (the page itself lives outside the
repository) in the page's own words, normalised only for whitespace and typography."""
from __future__ import annotations

import datetime as dt
import html
import re
import shutil
from zoneinfo import ZoneInfo

import icalendar
import pytest
from conftest import ROOT
from helpers import theme_assets

from coursesite.pipeline import Project, render_site

LECTURES = [
    ("A", 1, "Introduction and Overview", "2026-04-16"),
    ("A", 2, "Languages, Architectures, and System Landscape", "2026-04-23"),
    ("A", 3, "Size Inference, Rewrites, and Operator Selection", "2026-04-30"),
    ("A", 4, "Operator Fusion and Runtime Adaptation", "2026-05-07"),
    ("A", 5, "Data- and Task-Parallel Execution", "2026-05-21"),
    ("A", 6, "Parameter Servers", "2026-05-28"),
    ("A", 7, "LLM Training and Inference", "2026-06-04"),
    ("A", 8, "Hybrid Execution and HW Accelerators", "2026-06-11"),
    ("A", 9, "Caching, Partitioning, Indexing and Compression", "2026-06-18"),
    ("B", 10, "Data Acquisition, Cleaning, and Preparation", "2026-06-25"),
    ("B", 11, "Model Selection and Management", "2026-07-02"),
    ("B", 12, "Model Debugging, Fairness, and Explainability", "2026-07-09"),
    ("B", 13, "Model Serving Systems and Techniques", "2026-07-16"),
]

FACTS = [
    "Architecture of ML Systems", "Summer 2026",
    "VL/UE, 41078 Architecture of Machine Learning Systems",
    "AMLS is a 6 ECTS module, applicable to the master study courses computer science, "
    "computer engineering, information systems management, and electrical engineering, as "
    "well as the study areas data and software engineering, cognitive systems, and distributed "
    "systems and networks.",
    "Machine learning (ML) applications profoundly transform our lives",
    "health care, finance, media, transportation, production, and information technology",
    "ML systems comprise the entire systems from ML applications, over the compiler/runtime "
    "stack, to the underlying heterogeneous hardware devices.",
    "systems for data-parallel execution, parameter servers, ML lifecycle systems, and the "
    "integration of ML into database systems",
    "a macroscopic view of end-to-end ML pipelines",
    "with a separate 90-120min lecture per topic",
    "A: Overview and ML System Internals", "B: ML Lifecycle Systems",
    "All slides will be made available prior to the individual lectures.",
    "Thursdays, 16:00-18:00, in BH-N 243", "online via Zoom",
    "Office hours: Tuesdays, 16:00-17:30, in FR 772",
    "mandatory programming projects", "3 ECTS", "roughly 90 working hours",
    "Apache SystemDS", "an open source ML system for the end-to-end data science lifecycle",
    "DAPHNE", "an open and extensible system infrastructure for integrated data analysis "
    "pipelines", "Programming contest", "ML pipeline",
    "Submission of all projects and exercises: TBD",
    "Lecturer Univ.-Prof. Dr.-Ing. Matthias Boehm, DAMS",
    "Teaching assistant M.Sc. Jannik Lindemann, DAMS",
    "Final written exam TBD",
    "100% final exam, project as prerequisite (up to 5 extra points)",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("seed")
    content = tmp / "content"
    shutil.copytree(ROOT / "tests" / "fixtures" / "amls", content)
    return render_site(Project(content=content, assets=theme_assets(tmp / "assets")),
                       now=dt.datetime(2026, 4, 1))


def text_of(page: bytes) -> str:
    """The page's visible text, tags removed and whitespace collapsed."""
    body = page.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(body)).replace(" ,", ",").replace(" .", ".")


@pytest.mark.parametrize("fact", FACTS)
def test_fact_is_on_the_course_page(built, fact):
    assert fact in text_of(built.files["ss26_amls/index.html"])


def test_every_lecture_is_listed_with_number_title_and_date(built):
    text = text_of(built.files["ss26_amls/index.html"])
    for _part, number, title, day in LECTURES:
        label = dt.date.fromisoformat(day).strftime("%a, %b ") + str(int(day[-2:]))
        assert f"{number:02d} {title} {label}" in text, (number, title)


def test_every_lecture_date_is_in_the_calendar_at_its_time_and_place(built):
    cal = icalendar.Calendar.from_ical(built.files["ss26_amls/calendar.ics"])
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    berlin = ZoneInfo("Europe/Berlin")
    for _, number, title, day in LECTURES:
        event = events[f"AMLS {number:02d}: {title}"]
        start = dt.datetime.fromisoformat(f"{day}T16:00").replace(tzinfo=berlin)
        assert event.decoded("DTSTART") == start
        assert event.decoded("DTEND") == start + dt.timedelta(hours=2)
        assert str(event["LOCATION"]).startswith("BH-N 243")
    assert not any("2026-05-14" in str(e.decoded("DTSTART")) for e in events.values()
                   if "AMLS" in str(e["SUMMARY"]) and "office" not in str(e["SUMMARY"]))


def test_office_hours_are_weekly_tuesdays_in_fr_772(built):
    cal = icalendar.Calendar.from_ical(built.files["ss26_amls/office-hours.ics"])
    (event,) = cal.walk("VEVENT")
    assert event.decoded("DTSTART").strftime("%a %H:%M") == "Tue 16:00"
    assert event.decoded("DTEND").strftime("%H:%M") == "17:30"
    assert str(event["LOCATION"]).startswith("FR 772")
    assert "FREQ=WEEKLY" in event["RRULE"].to_ical().decode()
