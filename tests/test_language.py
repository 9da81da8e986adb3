"""Pages, feeds and calendars in the offering's language (issue 14, step 1): `language:` in
site.yaml (the default) and per offering in course.yaml, one catalogue per language
(coursesite/locale/*.yaml), German dates from CLDR through Babel, German holiday names.
The whole German AMLS site is compared byte for byte in test_golden.py (tests/golden/amls_de)."""
from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import textwrap
import typing

import pytest
from conftest import ROOT
from helpers import FIXTURES, committed_copy, git, theme_assets

from coursesite import text as T
from coursesite.errors import ContentError
from coursesite.pipeline import Project, build

AFTER_TERM = dt.datetime(2026, 12, 1, 12, 0)


def keys(tree, prefix: str = "") -> dict[str, type]:
    """Every leaf of a catalogue: dotted key -> its type (a list's length is part of the key)."""
    if isinstance(tree, dict):
        found = {}
        for k, v in tree.items():
            found.update(keys(v, f"{prefix}{k}."))
        return found
    if isinstance(tree, list):
        return {f"{prefix}[{len(tree)}]": list}
    return {prefix.rstrip("."): type(tree)}


def leaves(tree, prefix: str = ""):
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from leaves(v, f"{prefix}{k}.")
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from leaves(v, f"{prefix}{i}.")
    else:
        yield prefix.rstrip("."), tree


def test_catalogues_have_the_same_keys():
    english = keys(T.catalogue("en"))
    for language in T.LANGUAGES:
        assert keys(T.catalogue(language)) == english, language


def test_catalogues_fill_no_placeholder_english_lacks():
    """A language may leave out what it does not say (German has no 'a'/'an'), never add one
    the code does not fill."""
    english = dict(leaves(T.catalogue("en")))
    for language in T.LANGUAGES:
        for key, value in leaves(T.catalogue(language)):
            if isinstance(value, str):
                assert set(re.findall(r"{(\w*)}", value)) <= set(
                    re.findall(r"{(\w*)}", english[key])), (language, key)


def test_schema_offers_the_catalogues_languages():
    from coursesite import schema as S  # noqa: PLC0415

    site = typing.get_type_hints(S.SiteConfig)["language"]
    course = typing.get_type_hints(S.Course)["language"]
    assert typing.get_args(site) == T.LANGUAGES
    assert typing.get_args(course) == (site, type(None))
    assert S.SiteConfig.__dataclass_fields__["language"].default == "en"


def test_german_dates_terms_and_words():
    de, en = T.labels("de"), T.labels("en")
    day = dt.date(2026, 4, 16)
    assert de.day_label(day) == "Do., 16. Apr."
    assert de.full_day_label(dt.date(2026, 5, 1)) == "Fr., 1. Mai 2026"
    assert de.when_label(day, dt.time(14, 15), dt.time(15, 45)) == \
        "Do., 16. Apr. 2026, 14:15-15:45"
    assert de.release_label(dt.datetime(2026, 4, 16, 14, 15)) == "ab Do., 16. Apr., 14:15"
    assert de.term_label("summer", 2026) == "Sommersemester 2026"
    assert de.term_short("summer", 2026) == "SoSe 2026"
    assert de.term_label("winter", 2026) == "Wintersemester 2026/27"
    assert de.term_short("winter", 2026) == "WiSe 2026/27"
    assert de.weekday_plural("thu") == "donnerstags"
    assert de.and_list(["a", "b", "c"]) == "a, b und c"
    assert de.deadline_summary("AMLS", "Projekte", dt.time(23, 59)) == \
        "AMLS Frist: Projekte (fällig 23:59)"
    assert de.module_sentence("AMLS", 6, None, [], []) == "AMLS ist ein Modul mit 6 ECTS."
    # English keeps its own formats, and its short term is the long one
    assert en.day_label(day) == "Thu, Apr 16"
    assert en.when_label(day, dt.time(14, 15)) == "Thu, Apr 16, 2026, 14:15"
    assert en.term_short("winter", 2026) == en.term_label("winter", 2026) == "Winter 2026/27"
    assert en.module_sentence("AMLS", 8, None, [], []) == "AMLS is an 8 ECTS module."


def test_german_change_sentences():
    from coursesite import calendar as C  # noqa: PLC0415

    base = {"start": "2026-05-07T16:00:00", "end": "2026-05-07T18:00:00", "all_day": False,
            "tzid": "Europe/Berlin", "location": "A", "status": "CONFIRMED", "summary": "s",
            "until": None, "exdates": []}
    de = T.labels("de")
    old = {f"lecture/0{n}": {"label": de.lecture_label(n, ""), "sig": base} for n in (1, 2, 3, 5)}
    new = {k: dict(v, sig=dict(base, location="B")) for k, v in old.items()}
    new["lecture/05"] = dict(old["lecture/05"], sig=dict(base, status="CANCELLED"))
    assert C.describe_changes(old, new, de) == ["Vorlesungen 01-03 werden verlegt auf B",
                                                "Vorlesung 05 entfällt"]
    assert C.describe_changes(old, {}, de) == [
        "Vorlesungen 01-03 und 05 werden aus dem Plan gestrichen"]
    assert de.change_title(("Vorlesung 05 entfällt",)) == "Terminänderung: Vorlesung 05 entfällt"


def built(tmp_path, fixture: str = "amls_de", edit=None, now=AFTER_TERM):
    """The files of the fixture built from a git copy (`edit(content)` first, then committed
    as a second version a month later), by path."""
    content = committed_copy(FIXTURES / fixture, tmp_path / "content")
    if edit is not None:
        edit(content)
        git(content, "commit", "-qam", "edit", when="2026-04-02T09:00:00Z")
    out = tmp_path / "site"
    build(Project(content=content, assets=theme_assets(tmp_path / "assets")), out, strict=True,
          now=now)
    return lambda path: (out / path).read_bytes().decode("utf-8")


def test_german_offering_pages_feeds_and_holidays(tmp_path):
    page = built(tmp_path)
    course = page("ss26_amls/index.html")
    assert '<html lang="de">' in course
    assert "<title>Architecture of ML Systems (Sommersemester 2026)</title>" in course
    assert '<time datetime="2026-04-16">Do., 16. Apr.</time>' in course
    assert '<h2 id="subscribe">Kalender abonnieren</h2>' in course
    assert "<dt>Dozent/in</dt>" in course and "Skip to content" not in course
    schedule = page("ss26_amls/schedule.html")
    assert "Feiertag:</span> Erster Mai" in schedule
    assert "Christi Himmelfahrt" in schedule and "Ascension" not in schedule
    assert "Woche 3 <span class=\"muted\">Mo., 27. Apr. - So., 3. Mai</span>" in schedule
    calendar = page("ss26_amls/calendar.ics")
    assert "X-WR-CALNAME:AMLS SoSe 2026\r\n" in calendar
    assert "SUMMARY:AMLS Sprechstunde\r\n" in calendar
    assert "X-WR-CALNAME:AMLS SoSe 2026: Vorlesungen\r\n" in page("ss26_amls/lectures.ics")
    news = page("ss26_amls/news.xml")
    assert 'xml:lang="de"' in news
    assert "<title>AMLS Sommersemester 2026: Neuigkeiten</title>" in news
    # the landing page is the site's, and site.yaml says English
    landing = page("index.html")
    assert '<html lang="en">' in landing and "AMLS · Summer 2026" in landing


def cancel_lecture_6(content):
    path = content / "ss26_amls" / "lectures.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Parameter Servers, date: 2026-05-28}",
                                 "Parameter Servers, date: 2026-05-28, status: cancelled}"),
                    encoding="utf-8")


def test_cancelled_session_in_german_calendar_page_and_news(tmp_path):
    page = built(tmp_path, edit=cancel_lecture_6)
    assert "SUMMARY:Entfällt: AMLS 06: Parameter Servers\r\n" in page("ss26_amls/calendar.ics")
    assert "<del>Parameter Servers</del> <strong class=\"badge\">Entfällt</strong>" in \
        page("ss26_amls/index.html")
    assert "<title>Terminänderung: Vorlesung 06 entfällt</title>" in page("ss26_amls/news.xml")


def test_site_language_is_the_default_and_an_offering_may_differ(tmp_path):
    def german_site(content):
        site = content / "site.yaml"
        site.write_text(site.read_text(encoding="utf-8").replace("language: en", "language: de"),
                        encoding="utf-8")

    page = built(tmp_path / "de", fixture="amls", edit=german_site)
    assert '<html lang="de">' in page("index.html") and "AMLS · Sommersemester 2026" in \
        page("index.html")
    assert '<html lang="de">' in page("ss26_amls/index.html")

    def english_offering(content):
        german_site(content)
        course = content / "ss26_amls" / "course.yaml"
        course.write_text(course.read_text(encoding="utf-8").replace(
            "short: AMLS\n", "short: AMLS\nlanguage: en\n"), encoding="utf-8")

    page = built(tmp_path / "en", fixture="amls", edit=english_offering)
    assert '<html lang="de">' in page("index.html")
    assert '<html lang="en">' in page("ss26_amls/index.html")
    assert "Thu, Apr 16" in page("ss26_amls/index.html")


def test_unknown_language_names_file_and_line(tmp_path):
    content = committed_copy(FIXTURES / "amls_de", tmp_path / "content")
    course = content / "ss26_amls" / "course.yaml"
    course.write_text(course.read_text(encoding="utf-8").replace("language: de", "language: fr"),
                      encoding="utf-8")
    with pytest.raises(ContentError) as error:
        build(Project(content=content, assets=theme_assets(tmp_path / "assets")),
              tmp_path / "site", now=AFTER_TERM)
    line = next(i for i, text in enumerate(course.read_text().splitlines(), 1)
                if text.startswith("language:"))
    assert re.search(rf"course\.yaml:{line}: language: .*'fr'", str(error.value)), \
        str(error.value)


def test_english_build_does_not_import_babel(tmp_path):
    """Babel costs about 50 ms to import: only a page in another language pays for it."""
    script = textwrap.dedent(f"""
        import datetime as dt, shutil, sys
        from pathlib import Path
        sys.path.insert(0, {str(ROOT / "tests")!r})
        from helpers import FIXTURES, theme_assets
        from coursesite.pipeline import Project, build
        tmp = Path({str(tmp_path)!r})
        def run(fixture):
            content = shutil.copytree(FIXTURES / fixture, tmp / "content" / fixture)
            build(Project(content=content, assets=theme_assets(tmp / "assets" / fixture)),
                  tmp / "site" / fixture, now=dt.datetime(2026, 12, 1, 12, 0))
            return "babel" in sys.modules
        print(run("amls"), run("amls_de"))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]
