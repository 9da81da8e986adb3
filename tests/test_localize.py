"""German and English from one data file (issue 14): text per language, `languages: [en, de]`.

The bilingual fixture (tests/fixtures/bilingual) is compared byte for byte in test_golden.py;
the errors and the missing-translation warning, one mini-site each, in test_errors.py. Here:
what those do not show at a glance (hreflang both ways, feeds under the prefix, the rules of
the fallback, the fast path of monolingual content, identity across worker processes).
"""
from __future__ import annotations

import datetime as dt
import pickle
import re
import shutil

import pytest
from helpers import FIXTURES, fixture_project

from coursesite import schema as S
from coursesite.convert import Problems
from coursesite.errors import ContentError
from coursesite.localize import Translated, localized
from coursesite.model import load_site
from coursesite.pipeline import render_site

MID_TERM = dt.datetime(2026, 4, 20, 12, 0)


@pytest.fixture(scope="module")
def bilingual(tmp_path_factory):
    """The bilingual fixture rendered in memory: (site, files)."""
    project = fixture_project(tmp_path_factory.mktemp("bilingual"), "bilingual")
    result = render_site(project, now=MID_TERM, search=False)
    return result.site, result.files


def html(files: dict, path: str) -> str:
    return files[path].decode("utf-8")


def alternates(page: str) -> dict:
    """hreflang -> href of the page's <link rel="alternate" hreflang> in its head."""
    head = page.split("</head>", 1)[0]
    return dict(re.findall(r'<link rel="alternate" hreflang="(\w+)" href="([^"]+)">', head))


@pytest.mark.parametrize("page", ["index.html", "schedule.html"])
def test_each_page_links_its_translation_both_ways(bilingual, page):
    _, files = bilingual
    en, de = html(files, f"ss26_dbs/{page}"), html(files, f"de/ss26_dbs/{page}")
    assert alternates(en) == {"en": page, "de": f"../de/ss26_dbs/{page}"}
    assert alternates(de) == {"en": f"../../ss26_dbs/{page}", "de": page}
    assert '<html lang="en">' in en and '<html lang="de">' in de
    # the visible switch names the other language in that language, marked as such
    assert (f'<a href="../de/ss26_dbs/{page}" hreflang="de" lang="de">Deutsch</a>') in en
    assert (f'<a href="../../ss26_dbs/{page}" hreflang="en" lang="en">English</a>') in de
    assert '<nav class="localnav languages" aria-label="Sprache">' in de


def test_links_are_relative_so_the_site_works_from_any_path_and_file(bilingual):
    _, files = bilingual
    for path, data in files.items():
        if path.endswith(".html"):
            assert not re.search(r'(href|src)="/', data.decode("utf-8")), path


def test_the_default_language_keeps_todays_urls_and_the_other_has_its_prefix(bilingual):
    _, files = bilingual
    feeds = ["calendar.ics", "lectures.ics", "exams.ics", "office-hours.ics", "news.xml"]
    for name in feeds:
        assert f"ss26_dbs/{name}" in files and f"de/ss26_dbs/{name}" in files
    assert not any(p.startswith("en/") for p in files)


def test_the_feeds_under_the_prefix_are_in_german_with_their_own_ids(bilingual):
    _, files = bilingual
    en, de = html(files, "ss26_dbs/calendar.ics"), html(files, "de/ss26_dbs/calendar.ics")
    assert "SUMMARY:DBS 01: Introduction" in en and "SUMMARY:DBS 01: Einführung" in de
    assert "X-WR-CALNAME:DBS SoSe 2026" in de
    uids = [set(re.findall(r"UID:(\S+)", text)) for text in (en, de)]
    assert uids[0] and uids[1] and not uids[0] & uids[1]  # two calendars, no event in both
    atom = html(files, "de/ss26_dbs/news.xml")
    assert 'xml:lang="de"' in atom and "<title>Willkommen</title>" in atom
    assert atom.split("<id>", 1)[1] != html(files, "ss26_dbs/news.xml").split("<id>", 1)[1]


def test_the_landing_page_links_both_versions(bilingual):
    _, files = bilingual
    landing = html(files, "index.html")
    assert '<a href="ss26_dbs/index.html">' in landing
    assert ('href="de/ss26_dbs/index.html" hreflang="de" lang="de">Deutsch<span '
            'class="visually-hidden" lang="en"> (DBS · Summer 2026)</span></a>') in landing


def test_the_site_in_several_languages_has_a_landing_page_in_each(bilingual):
    _, files = bilingual
    en, de = html(files, "index.html"), html(files, "de/index.html")
    assert alternates(en) == {"en": "index.html", "de": "de/index.html"}
    assert alternates(de) == {"en": "../index.html", "de": "index.html"}
    assert "<h1>Lehre am Fachgebiet DAMS</h1>" in de
    assert '<h2 id="course-dbs">Datenbanksysteme</h2>' in de
    assert '<a href="ss26_dbs/index.html">DBS · Sommersemester 2026</a>' in de  # de/ss26_dbs
    # the German pages' breadcrumb leads home to the German landing page
    assert '<li><a href="../index.html">Lehre am Fachgebiet DAMS</a></li>' in html(
        files, "de/ss26_dbs/index.html")


def test_texts_fall_back_to_the_default_and_names_stay_as_written(bilingual):
    site, files = bilingual
    de = html(files, "de/ss26_dbs/index.html")
    assert "Datenbanksysteme" in de and "Relationale Algebra" in de
    assert "Q&amp;A session" in de            # no German text: the English one, warned
    assert "Prof. Dr. Jane Doe" in de         # a name: the same in every language, no warning
    assert "Hauptgebäude" in de and "Main building" in html(files, "ss26_dbs/index.html")
    assert "Lehre am Fachgebiet DAMS" in de   # site.yaml's title in German
    assert [(w.file.rsplit("/", 2)[-2:], w.line, w.path) for w in site.warnings] == [
        (["ss26_dbs", "lectures.yaml"], 13, "parts[0].lectures[2].title"),
        (["ss26_dbs", "lectures.yaml"], 16, "parts[0].lectures[2].note"),
        (["ss26_dbs", "lectures.yaml"], 17, "parts[0].lectures[3].title"),
    ]


def test_a_missing_translation_is_fatal_under_strict(tmp_path):
    project = fixture_project(tmp_path, "bilingual")
    with pytest.raises(ContentError, match=r"lectures\.yaml:13: parts\[0\]\.lectures\[2\]"
                                           r"\.title: not translated into German"):
        render_site(project, strict=True, now=MID_TERM, search=False)


def test_calendar_keys_are_the_default_languages(bilingual):
    site, _ = bilingual
    (o,) = site.offerings
    (de,) = o.translations
    assert [s.key for s in de.sessions] == [s.key for s in o.sessions]
    assert de.sessions[3].lecture.title == "Q&A session" and de.folder == "de/ss26_dbs"
    assert o.versions == de.versions == (("en", ""), ("de", "de/"))


def edit(path, old: str, new: str) -> None:
    """Replace `old` (which must be there) by `new` in the file."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def german_default_copy(tmp_path):
    """The bilingual fixture, every mapping with German text (German may be the default)."""
    content = shutil.copytree(FIXTURES / "bilingual", tmp_path / "content")
    edit(content / "ss26_dbs" / "lectures.yaml", "{en: Q&A session}",
         "{en: Q&A session, de: Fragestunde}")
    edit(content / "ss26_dbs" / "course.yaml", "languages: [en, de]\n", "")
    return content


def test_site_wide_languages_are_the_default_of_offerings(tmp_path):
    content = german_default_copy(tmp_path)
    shutil.copytree(content / "ss26_dbs", content / "ss26_mono")
    edit(content / "ss26_mono" / "course.yaml", "short: DBS\n", "short: DBS\nlanguage: de\n")
    edit(content / "site.yaml", "language: en\n", "")
    site = load_site(content, None)
    by_slug = {o.slug: o for o in site.offerings}
    assert [t.folder for t in by_slug["ss26_dbs"].translations] == ["de/ss26_dbs"]
    # an offering that names its one language is published in it alone
    assert by_slug["ss26_mono"].translations == () and by_slug["ss26_mono"].language == "de"
    assert by_slug["ss26_mono"].course.title == "Datenbanksysteme"


def test_site_languages_may_put_german_first(tmp_path):
    content = german_default_copy(tmp_path)
    edit(content / "site.yaml", "language: en\nlanguages: [en, de]", "languages: [de, en]")
    site = load_site(content, None)
    assert site.config.language == "de" and site.config.title == "Lehre am Fachgebiet DAMS"
    (o,) = site.offerings
    assert o.language == "de" and [t.folder for t in o.translations] == ["en/ss26_dbs"]


def test_monolingual_files_are_not_walked():
    lectures = S.Lectures(intro="Plain.")
    assert localized(lectures, "en", "en", Problems()) is lectures
    assert localized(lectures, "de", "en", Problems()) is lectures  # nothing to warn about


def test_a_translated_file_resolves_to_each_language():
    title = Translated((("en", "Intro"), ("de", "Einführung")), "lectures.yaml", 4, "title")
    part = S.Part(letter="A", title=title, where=S.Where("lectures.yaml", 3, "parts[0]"))
    lectures = S.Lectures(parts=[part], where=S.Where("lectures.yaml", 1, translated=True))
    out = Problems()
    assert localized(lectures, "de", "en", out).parts[0].title == "Einführung"
    assert localized(lectures, "en", "en", out).parts[0].title == "Intro"
    assert (out.errors, out.warnings) == ([], [])


def test_tbd_keeps_its_identity_through_pickle():
    """Workers send offerings back pickled; `date is S.TBD` must still hold."""
    assert pickle.loads(pickle.dumps(S.TBD)) is S.TBD
    exam = S.Exam(id="final", title="Final", date=S.TBD)
    assert pickle.loads(pickle.dumps(exam)).date is S.TBD


def test_offerings_with_translations_survive_pickle(bilingual):
    site, _ = bilingual
    (o,) = site.offerings
    again = pickle.loads(pickle.dumps(o))
    assert again == o and again.translations[0].folder == "de/ss26_dbs"


def test_other_terms_link_the_version_in_the_pages_language(tmp_path):
    content = german_default_copy(tmp_path)
    edit(content / "ss26_dbs" / "course.yaml", "short: DBS\n", "short: DBS\nlanguages: [en, de]\n")
    old = shutil.copytree(content / "ss26_dbs", content / "ss25_dbs")
    for path in old.glob("*.yaml"):
        path.write_text(path.read_text(encoding="utf-8").replace("2026", "2025"), encoding="utf-8")
    project = fixture_project(tmp_path, "bilingual")
    project = type(project)(content=content, assets=project.assets)
    files = render_site(project, now=MID_TERM, search=False).files
    de = html(files, "de/ss26_dbs/index.html")
    # from de/ss26_dbs/ that is de/ss25_dbs/: the other term in German, not in English
    assert 'href="../ss25_dbs/index.html"' in de and "../../ss25_dbs/" not in de
    assert 'href="../ss25_dbs/index.html"' in html(files, "ss26_dbs/index.html")
    assert "Datenbanksysteme" not in html(files, "ss26_dbs/index.html").split(
        'href="../ss25_dbs/index.html"', 1)[1][:200]  # not taken for a renamed course


def test_the_converter_marks_files_that_hold_a_mapping():
    from coursesite.model import read_file

    out = Problems()
    bilingual = read_file(FIXTURES / "bilingual" / "ss26_dbs" / "course.yaml", S.Course, out)
    plain = read_file(FIXTURES / "amls" / "ss26_amls" / "course.yaml", S.Course, out)
    assert out.errors == []
    assert bilingual.where.translated and isinstance(bilingual.title, Translated)
    assert not plain.where.translated and isinstance(plain.title, str)


def test_an_offering_folder_named_like_a_prefix_is_refused(tmp_path):
    content = german_default_copy(tmp_path)
    shutil.copytree(content / "ss26_dbs", content / "de")
    with pytest.raises(ContentError, match=r"/de: an offering folder named 'de' would share "
                                           r"its URLs with the pages in German \(de/\.\.\.\)"):
        load_site(content, None)


@pytest.mark.parametrize("key, hint", [("German", " (did you mean 'de'?)"),
                                       ("EN", " (did you mean 'en'?)"),
                                       ("fr", "; languages are en, de")])
def test_an_unknown_language_key_names_the_code_meant(key, hint):
    from coursesite.localize import language_hint

    assert language_hint(key) == hint


@pytest.mark.parametrize("fixture", ["amls", "bilingual"])
def test_the_previews_cache_keeps_an_unchanged_offering_and_its_warnings(fixture):
    from coursesite.cache import BuildCache

    cache = BuildCache()
    first, again = (load_site(FIXTURES / fixture, None, cache) for _ in range(2))
    assert first.offerings[0] is again.offerings[0]
    assert first.warnings == again.warnings
