"""Timed releases, announcements, schedule-change news and the Atom feed (issue: publishing)."""
from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree

import feedparser
import pytest
from helpers import theme_assets

from coursesite.pipeline import Project, render_site

ATOM = "{http://www.w3.org/2005/Atom}"
BERLIN = dt.timezone(dt.timedelta(hours=2))  # CEST, the zone's offset in April-July 2026


@pytest.fixture
def project(tmp_path, content_copy) -> Project:
    """The default content plus timed slides for lecture 03 and a published-at base URL."""
    assets = tmp_path / "assets"
    theme_assets(assets)
    (assets / "ss26_amls").mkdir()
    (assets / "ss26_amls" / "03-rewrites.pdf").write_bytes(b"%PDF-1.4 slides 03\n")
    site_yaml = content_copy / "site.yaml"
    site_yaml.write_text(site_yaml.read_text() + "base_url: https://example.org/teaching/\n")
    lectures = content_copy / "ss26_amls" / "lectures.yaml"
    lectures.write_text(lectures.read_text().replace(
        "date: 2026-04-30}",
        "date: 2026-04-30,\n         materials: [{kind: slides, url: ss26_amls/03-rewrites.pdf,"
        " release: '2026-04-30T14:00'}]}"))
    return Project(content=content_copy, assets=assets)


def page(result, path="ss26_amls/index.html") -> str:
    return result.files[path].decode()


def test_material_is_withheld_until_its_release(project):
    before = render_site(project, now=dt.datetime(2026, 4, 30, 13, 59, tzinfo=BERLIN))
    assert "assets/ss26_amls/03-rewrites.pdf" not in before.files
    html = page(before)
    assert "03-rewrites.pdf" not in html
    assert "Slides (PDF) <span class=\"muted\">from Thu, Apr 30, 14:00</span>" in html
    assert b"03-rewrites.pdf" not in before.files["ss26_amls/lectures.ics"]
    assert "available" not in before.files["ss26_amls/news.xml"].decode()

    after = render_site(project, now=dt.datetime(2026, 4, 30, 14, 0, tzinfo=BERLIN))
    assert after.files["assets/ss26_amls/03-rewrites.pdf"] == b"%PDF-1.4 slides 03\n"
    assert 'href="../assets/ss26_amls/03-rewrites.pdf"' in page(after)
    ics = after.files["ss26_amls/lectures.ics"].decode().replace("\r\n ", "")
    assert "https://example.org/teaching/assets/ss26_amls/03-rewrites.pdf" in ics
    feed = feedparser.parse(after.files["ss26_amls/news.xml"])
    assert [e.title for e in feed.entries] == [
        "Slides (PDF) available: 03 Size Inference, Rewrites, and Operator Selection"]
    assert feed.entries[0].updated == "2026-04-30T12:00:00Z"


def test_naive_now_is_local_time_of_the_site(project):
    result = render_site(project, now=dt.datetime(2026, 4, 30, 14, 0))
    assert "assets/ss26_amls/03-rewrites.pdf" in result.files


def test_announcements_round_trip_pinned_first(project):
    (project.content / "ss26_amls" / "news.yaml").write_text(
        "news:\n"
        "  - {date: 2026-04-09, title: Welcome, body: 'First lecture on **April 16**.', "
        "pinned: true}\n"
        "  - {date: 2026-05-20, time: '09:30', title: 'Room & time unchanged', "
        "body: 'All <b>good</b>.'}\n")
    result = render_site(project, now=dt.datetime(2026, 4, 1, tzinfo=BERLIN))
    html = page(result)
    welcome, room = html.index("Welcome"), html.index("Room &amp; time unchanged")
    assert welcome < room  # pinned first although older
    assert "<strong>April 16</strong>" in html and "&lt;b&gt;good&lt;/b&gt;" in html
    feed = feedparser.parse(result.files["ss26_amls/news.xml"])
    assert feed.bozo == 0
    assert [e.title for e in feed.entries] == ["Room & time unchanged", "Welcome"]
    assert feed.entries[0].updated == "2026-05-20T07:30:00Z"
    again = render_site(project, now=dt.datetime(2026, 4, 1, tzinfo=BERLIN))
    assert again.files["ss26_amls/news.xml"] == result.files["ss26_amls/news.xml"]


def test_atom_feed_has_what_rfc_4287_requires(project):
    (project.content / "ss26_amls" / "news.yaml").write_text(
        "news: [{date: 2026-04-09, title: Welcome}]\n")
    data = render_site(project, now=dt.datetime(2026, 5, 1, tzinfo=BERLIN)).files[
        "ss26_amls/news.xml"]
    feed = ElementTree.fromstring(data)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{name}") is not None, name
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == \
        "https://example.org/teaching/ss26_amls/news.xml"
    for entry in feed.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{name}") is not None, name
        assert entry.find(f"{ATOM}id").text.startswith("urn:uuid:")
        dt.datetime.strptime(entry.find(f"{ATOM}updated").text, "%Y-%m-%dT%H:%M:%SZ")
    assert feedparser.parse(data).bozo == 0
