"""The archive: every offering of the site on the landing page, grouped by course id (a renamed
course is one group, titled by its newest name), newest first, the running or next term marked
as of the build and kept current in the browser; every offering page links the course's other
terms; adding a term moves no page (permalinks); no two links on a page read the same but lead
to different places.

Built from tests/fixtures/archive (six offerings of two courses: AMLS ss26, ss25, a blocked
course bl25 in Graz, fa22 in New York; DBS ws19_dbs renamed to Data Management ws22_dm) and,
for the permalink test, tests/fixtures/archive_next (the term after ss26).
"""
from __future__ import annotations

import datetime as dt
import os
import posixpath
import shutil
import zoneinfo
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import FIXTURES, theme_assets
from hypothesis import given
from hypothesis import strategies as st

from coursesite.archive import LATER, NEXT, PAST, RUNNING, Archive, statuses
from coursesite.model import load_site
from coursesite.pipeline import Project, build
from coursesite.text import distinct_labels

ARCHIVE = FIXTURES / "archive"
ARCHIVE_NEXT = FIXTURES / "archive_next"   # offering folders to add to a copy of ARCHIVE

AMLS = ["ss26_amls", "bl25_amls", "ss25_amls", "fa22_amls"]   # newest first
DBS = ["ws22_dm", "ws19_dbs"]
COURSE_OF = {**{s: AMLS for s in AMLS}, **{s: DBS for s in DBS}}


def berlin(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.timezone.utc)


MID_SS26 = berlin(2026, 5, 20, 10, 0)


# --- a small DOM from html.parser ----------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict, parent: Node | None = None):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def text(self) -> str:
        """The text inside, whitespace collapsed, as a reader sees it: parts with the `hidden`
        attribute left out (a visually hidden text, read aloud, is kept)."""
        parts = []

        def walk(n):
            for c in n.children:
                if isinstance(c, str):
                    parts.append(c)
                elif "hidden" not in c.attrs:
                    walk(c)
        walk(self)
        return " ".join("".join(parts).split())

    def iter(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        return [n for n in self.iter() if (tag is None or n.tag == tag)
                and (cls is None or cls in n.classes)]

    def find(self, tag: str | None = None, cls: str | None = None) -> Node | None:
        found = self.find_all(tag, cls)
        return found[0] if found else None


class _Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        n = self.current
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.current = n.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(path: Path) -> Node:
    tree = _Tree()
    tree.feed(path.read_text(encoding="utf-8"))
    tree.close()
    return tree.root


def target(page: str, href: str) -> str:
    """A link's target as a site path, from the page's own site path ('#x' stays on the page)."""
    if href.startswith(("http:", "https:", "mailto:")):
        return href
    path, _, fragment = href.partition("#")
    where = posixpath.normpath(posixpath.join(posixpath.dirname(page), path)) if path else page
    return where + ("#" + fragment if fragment else "")


def slug_of(page: str, href: str) -> str:
    return target(page, href).split("/")[0]


def badge(node: Node) -> str:
    """The shown text of an offering's term badge ('' when hidden or empty)."""
    mark = node.find("span", "term-mark")
    return "" if mark is None or "hidden" in mark.attrs else mark.text()


# --- builds ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def build_at(tmp_path_factory):
    """site folder of the archive fixture built (strict) as of a moment; one build per moment."""
    root = tmp_path_factory.mktemp("archive")
    assets = theme_assets(root / "assets")
    made: dict = {}

    def at(now: dt.datetime) -> Path:
        if now not in made:
            folder = root / f"build-{len(made)}"
            content = shutil.copytree(ARCHIVE, folder / "content")
            build(Project(content=content, assets=assets), folder / "site", strict=True, now=now)
            made[now] = folder / "site"
        return made[now]
    return at


def landing_groups(site: Path) -> list[dict]:
    doc = parse(site / "index.html")
    groups = []
    for section in doc.find_all("section", "course-group"):
        formerly = section.find("p", "formerly")
        items = []
        for li in section.find_all("li", "offering"):
            a = li.find("a")
            inst = li.find("span", "institution")
            items.append({"slug": slug_of("index.html", a.attrs["href"]), "label": a.text(),
                          "badge": badge(li), "classes": li.classes,
                          "institution": inst.text() if inst else None, "text": li.text()})
        groups.append({"title": section.find("h2").text(),
                       "formerly": formerly.text() if formerly else "", "items": items})
    return groups


def other_terms(site: Path, slug: str) -> list[dict]:
    doc = parse(site / slug / "index.html")
    p = doc.find("p", "other-terms")
    if p is None:
        return []
    result = []
    for span in p.find_all("span", "other-term"):
        a = span.find("a")
        muted = [m.text() for m in span.find_all("span", "muted")]
        result.append({"slug": slug_of(f"{slug}/index.html", a.attrs["href"]),
                       "label": a.text(), "notes": muted, "badge": badge(span),
                       "classes": span.classes})
    return result


# --- the landing page ----------------------------------------------------------------------

def test_landing_lists_courses_by_id_newest_offering_first(build_at):
    groups = landing_groups(build_at(MID_SS26))
    assert [(g["title"], g["formerly"], [i["slug"] for i in g["items"]]) for g in groups] == [
        ("Architecture of ML Systems", "", AMLS),
        ("Data Management", "formerly Database Systems", DBS),
    ]
    labels = [i["label"] for g in groups for i in g["items"]]
    assert labels == ["AMLS · Summer 2026", "AMLS · Summer 2025 (Graz University of Technology)",
                      "AMLS · Summer 2025 (TU Berlin)", "AMLS · Fall 2022",
                      "DM · WS2022/23", "DBS · Winter 2019/20"]
    # The old title is said once, under the new one: no group or heading of its own.
    doc = parse(build_at(MID_SS26) / "index.html")
    assert [h.text() for h in doc.find_all("h2")] == ["Architecture of ML Systems",
                                                      "Data Management"]
    assert doc.text().count("Database Systems") == 1


@pytest.mark.parametrize("now,marks", [
    pytest.param(MID_SS26, {"ss26_amls": "Running now"}, id="mid-ss26"),
    # Between terms: ss26 is next; no other course has a term to come.
    pytest.param(berlin(2026, 3, 1, 12), {"ss26_amls": "Next term"}, id="before-ss26"),
    # After ss25: the blocked course in September comes first, ss26 is later, not next.
    pytest.param(berlin(2025, 8, 1, 12), {"bl25_amls": "Next term"}, id="after-ss25"),
    pytest.param(berlin(2025, 9, 2, 23, 30), {"bl25_amls": "Running now"}, id="bl25-last-day"),
    pytest.param(berlin(2025, 9, 3, 0, 30), {"ss26_amls": "Next term"}, id="after-bl25"),
    # Both courses run at once: each group marks its own.
    pytest.param(berlin(2022, 11, 7, 12), {"fa22_amls": "Running now", "ws22_dm": "Running now"},
                 id="fa22-and-ws22"),
    pytest.param(berlin(2022, 10, 1, 12), {"fa22_amls": "Running now", "ws22_dm": "Next term"},
                 id="fa22-running-ws22-next"),
    pytest.param(berlin(2019, 6, 1, 12), {"fa22_amls": "Next term", "ws19_dbs": "Next term"},
                 id="before-everything"),
    pytest.param(berlin(2027, 1, 1, 12), {}, id="after-everything"),
])
def test_landing_marks_the_running_or_next_term_of_each_course(build_at, now, marks):
    items = [i for g in landing_groups(build_at(now)) for i in g["items"]]
    assert {i["slug"]: i["badge"] for i in items if i["badge"]} == marks
    for i in items:  # the class (the bar) goes with the word, never alone
        expected = {"Running now": {"running"}, "Next term": {"next"}}.get(i["badge"], set())
        assert i["classes"] & {"running", "next"} == expected, i


def test_institution_is_shown_where_it_differs_from_the_sites(build_at):
    items = {i["slug"]: i for g in landing_groups(build_at(MID_SS26)) for i in g["items"]}
    assert items["fa22_amls"]["institution"] == "at Example University"
    # Graz is named in the link text already (it tells the two Summer 2025 apart): not twice.
    assert items["bl25_amls"]["institution"] is None
    assert items["bl25_amls"]["text"].count("Graz University of Technology") == 1
    for slug in ("ss26_amls", "ws22_dm", "ws19_dbs"):  # site.yaml's TU Berlin: not repeated
        assert items[slug]["institution"] is None
        assert "TU Berlin" not in items[slug]["text"]


def same_text_elsewhere(site: Path, pages) -> list[str]:
    """'page: text -> [targets]' for every link text on a page that leads to two places."""
    problems = []
    for page in pages:
        by_text: dict[str, set] = {}
        for a in parse(site / page).find_all("a"):
            if "href" in a.attrs:
                by_text.setdefault(a.text(), set()).add(target(page, a.attrs["href"]))
        problems += [f"{page}: '{text}' -> {sorted(where)}"
                     for text, where in by_text.items() if len(where) > 1]
    return problems


LINK_CHECK_MOMENTS = (MID_SS26, berlin(2025, 8, 1, 12), berlin(2030, 1, 1))


@pytest.mark.parametrize("now", LINK_CHECK_MOMENTS, ids=str)
def test_no_two_links_on_the_archive_pages_read_the_same_but_lead_elsewhere(build_at, now):
    site = build_at(now)
    pages = ["index.html"] + [f"{slug}/index.html" for slug in AMLS + DBS]
    assert same_text_elsewhere(site, pages) == []


def test_no_two_links_on_any_page_read_the_same_but_lead_elsewhere(build_at):
    site = build_at(MID_SS26)
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    assert len(pages) == 13
    assert same_text_elsewhere(site, pages) == []


# --- the offering pages --------------------------------------------------------------------

@pytest.mark.parametrize("slug", AMLS + DBS)
def test_other_terms_link_every_other_offering_of_the_course_not_itself(build_at, slug):
    site = build_at(MID_SS26)
    terms = other_terms(site, slug)
    assert [t["slug"] for t in terms] == [s for s in COURSE_OF[slug] if s != slug]
    p = parse(site / slug / "index.html").find("p", "other-terms")
    assert p.text().startswith("Other terms: ")
    for t in terms:  # each link leads to a page that exists
        assert (site / t["slug"] / "index.html").is_file()


def test_other_terms_read_as_terms_told_apart_where_they_read_the_same(build_at):
    site = build_at(MID_SS26)
    assert [(t["label"], t["notes"]) for t in other_terms(site, "ss26_amls")] == [
        ("Summer 2025 (Graz University of Technology)", []),
        ("Summer 2025 (TU Berlin)", []),
        ("Fall 2022", ["at Example University"]),
    ]
    # On ss25's own page only one other term reads "Summer 2025": it needs no qualifier,
    # but the university it was held at is still said beside it.
    assert [(t["label"], t["notes"]) for t in other_terms(site, "ss25_amls")] == [
        ("Summer 2026", []),
        ("Summer 2025", ["at Graz University of Technology"]),
        ("Fall 2022", ["at Example University"]),
    ]


def test_other_terms_read_as_a_plain_list(build_at):
    site = build_at(MID_SS26)
    for slug in AMLS + DBS:
        text = parse(site / slug / "index.html").find("p", "other-terms").text()
        assert " ," not in text, f"{slug}: {text}"


def test_a_renamed_courses_other_term_shows_its_old_title(build_at):
    site = build_at(MID_SS26)
    assert [(t["label"], t["notes"]) for t in other_terms(site, "ws22_dm")] == [
        ("Winter 2019/20", ["(Database Systems)"])]
    assert [(t["label"], t["notes"]) for t in other_terms(site, "ws19_dbs")] == [
        ("WS2022/23", ["(Data Management)"])]
    for slug in AMLS:  # never renamed: no title beside the terms
        assert not any(n.startswith("(") for t in other_terms(site, slug) for n in t["notes"])


def test_other_terms_carry_the_builds_marks(build_at):
    before = build_at(berlin(2026, 3, 1, 12))
    assert {t["slug"]: t["badge"] for t in other_terms(before, "ss25_amls")} == {
        "ss26_amls": "Next term", "bl25_amls": "", "fa22_amls": ""}
    assert "next" in other_terms(before, "ss25_amls")[0]["classes"]
    # ss26's own page: it is the next one itself, and none of its others is marked.
    assert all(t["badge"] == "" for t in other_terms(before, "ss26_amls"))
    running = build_at(MID_SS26)
    assert {t["slug"]: t["badge"] for t in other_terms(running, "fa22_amls")} == {
        "ss26_amls": "Running now", "bl25_amls": "", "ss25_amls": ""}
    assert all(t["badge"] == "" for t in other_terms(running, "ws22_dm"))


def test_adding_an_offering_moves_no_page(tmp_path, theme, monkeypatch):
    """Permalinks: a new term adds files; every existing file stays at its path, every
    existing link keeps its target, and the existing offerings' feeds keep their bytes."""
    # Outside git the feeds' stamps are the newest content file's time, which the added
    # folder would change; the reproducible-builds clock keeps them apart from the archive.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    before_content = shutil.copytree(ARCHIVE, tmp_path / "before")
    after_content = shutil.copytree(ARCHIVE, tmp_path / "after")
    added = sorted(p.name for p in ARCHIVE_NEXT.iterdir() if p.is_dir())
    assert added == ["ss27_amls"]
    for name in added:
        shutil.copytree(ARCHIVE_NEXT / name, after_content / name)
    old, _ = build(Project(content=before_content, assets=theme), tmp_path / "site-before",
                   strict=True, now=MID_SS26)
    new, _ = build(Project(content=after_content, assets=theme), tmp_path / "site-after",
                   strict=True, now=MID_SS26)
    # The search index's chunks are named by their content: they are no one's links.
    pages = {p for p in old.files if not p.startswith("pagefind/")}
    assert pages <= set(new.files)
    assert {p.split("/")[0] for p in set(new.files) - set(old.files)} == {"ss27_amls",
                                                                          "pagefind"}
    for path, data in old.files.items():
        if path.endswith(".ics"):
            assert new.files[path] == data, f"{path} changed"

    before, after = tmp_path / "site-before", tmp_path / "site-after"
    old_links = {i["label"]: i["slug"] for g in landing_groups(before) for i in g["items"]}
    new_groups = landing_groups(after)
    new_links = {i["label"]: i["slug"] for g in new_groups for i in g["items"]}
    assert old_links.items() <= new_links.items()
    assert new_links["AMLS · Summer 2027"] == "ss27_amls"
    assert [i["slug"] for i in new_groups[0]["items"]] == ["ss27_amls", *AMLS]
    # ss26 still runs; the later term is not marked while one is running.
    assert {i["slug"]: i["badge"] for i in new_groups[0]["items"] if i["badge"]} == {
        "ss26_amls": "Running now"}
    for slug in AMLS:  # every old page links the new term too, the old links unchanged
        old_targets = [t["slug"] for t in other_terms(before, slug)]
        assert [t["slug"] for t in other_terms(after, slug)] == ["ss27_amls", *old_targets]
    assert [t["slug"] for t in other_terms(after, "ss27_amls")] == AMLS


# --- archive.statuses and text.distinct_labels ---------------------------------------------

@pytest.fixture(scope="module")
def offerings(tmp_path_factory) -> dict:
    content = shutil.copytree(ARCHIVE, tmp_path_factory.mktemp("load") / "content")
    return {o.slug: o for o in load_site(content, None).offerings}


def amls(offerings) -> list:
    return [offerings[s] for s in AMLS]


@pytest.mark.parametrize("now,expected", [
    # fa22 ends on Fri 2022-12-09 in New York. 01:00 on Dec 10 in Berlin is 19:00 on Dec 9
    # there: still running, although Berlin is a day further.
    pytest.param(berlin(2022, 12, 10, 1, 0), RUNNING, id="berlin-next-day-new-york-last-day"),
    pytest.param(utc(2022, 12, 10, 4, 59), RUNNING, id="new-york-23:59"),
    pytest.param(utc(2022, 12, 10, 5, 0), PAST, id="new-york-midnight"),
    # It starts Mon 2022-08-29: 03:00 in Berlin that day is still Sunday evening in New York.
    pytest.param(berlin(2022, 8, 29, 3, 0), NEXT, id="berlin-first-day-new-york-day-before"),
    pytest.param(utc(2022, 8, 29, 4, 0), RUNNING, id="new-york-first-day"),
])
def test_statuses_judge_each_offering_in_its_own_time_zone(offerings, now, expected):
    assert statuses([offerings["fa22_amls"]], now) == {"fa22_amls": expected}


def test_statuses_of_a_course_mark_one_running_or_the_earliest_next(offerings):
    # Vienna's block course starts 2025-09-01: at 23:30 UTC on Aug 31 it is already running
    # there; the others are past or later, and none is next while one runs.
    assert statuses(amls(offerings), utc(2025, 8, 31, 23, 30)) == {
        "ss26_amls": LATER, "bl25_amls": RUNNING, "ss25_amls": PAST, "fa22_amls": PAST}
    assert statuses(amls(offerings), utc(2025, 8, 31, 21, 30)) == {
        "ss26_amls": LATER, "bl25_amls": NEXT, "ss25_amls": PAST, "fa22_amls": PAST}
    # Before any: the earliest to come is next, whatever the order given.
    early = berlin(2020, 1, 1)
    assert statuses(list(reversed(amls(offerings))), early) == {
        "ss26_amls": LATER, "bl25_amls": LATER, "ss25_amls": LATER, "fa22_amls": NEXT}
    assert statuses(amls(offerings), berlin(2030, 1, 1)) == dict.fromkeys(AMLS, PAST)
    assert statuses(amls(offerings), None) == dict.fromkeys(AMLS, "")
    assert statuses([], MID_SS26) == {}


def test_archive_marks_every_course_on_its_own(tmp_path):
    content = shutil.copytree(ARCHIVE, tmp_path / "content")
    site = load_site(content, None)
    archive = Archive.of(site, berlin(2022, 10, 1, 12))
    assert archive.marks == {"ss26_amls": LATER, "bl25_amls": LATER, "ss25_amls": LATER,
                             "fa22_amls": RUNNING, "ws22_dm": NEXT, "ws19_dbs": PAST}
    assert [c.id for c in archive.courses] == ["amls", "dbs"]
    dbs = archive.by_course["dbs"]
    assert (dbs.title, dbs.former_titles) == ("Data Management", ("Database Systems",))
    assert [o.slug for o in dbs.offerings] == DBS
    assert Archive.of(site, None).marks == dict.fromkeys(AMLS + DBS, "")


def test_distinct_labels_leave_distinct_labels_alone():
    assert distinct_labels(["Summer 2026", "Summer 2025"], ["TU Berlin", "TU Berlin"]) == [
        "Summer 2026", "Summer 2025"]
    assert distinct_labels([]) == []
    assert distinct_labels(["a", "a"]) == ["a", "a"]  # nothing to tell them apart by


def test_distinct_labels_qualify_only_the_labels_that_read_the_same():
    assert distinct_labels(["Summer 2025", "Summer 2025", "Fall 2022"],
                           ["TU Graz", "TU Berlin", "Example University"]) == [
        "Summer 2025 (TU Graz)", "Summer 2025 (TU Berlin)", "Fall 2022"]


def test_distinct_labels_fall_back_to_the_next_qualifier():
    # Same university: the first qualifier cannot tell them apart, the folder name does.
    assert distinct_labels(["Summer 2025", "Summer 2025"], ["TU Berlin", "TU Berlin"],
                           ["ss25_amls", "ss25b_amls"]) == [
        "Summer 2025 (ss25_amls)", "Summer 2025 (ss25b_amls)"]
    # Three alike, two at one university: those two need the second qualifier, Graz does not.
    assert distinct_labels(["S", "S", "S"], ["Berlin", "Berlin", "Graz"], ["a", "b", "c"]) == [
        "S (Berlin) (a)", "S (Berlin) (b)", "S (Graz)"]
    # No university known for one: it stays plain, the other is qualified.
    assert distinct_labels(["S", "S"], [None, "Graz"], ["a", "b"]) == ["S", "S (Graz)"]


def test_distinct_labels_want_parallel_lists():
    with pytest.raises(ValueError):
        distinct_labels(["a", "b"], ["x"])


@given(st.lists(st.tuples(st.sampled_from(["Summer 2025", "Summer 2026", "Fall 2022"]),
                          st.sampled_from([None, "TU Berlin", "TU Graz"])), max_size=8))
def test_distinct_labels_with_unique_folder_names_are_all_distinct(rows):
    labels, places = [r[0] for r in rows], [r[1] for r in rows]
    slugs = [f"o{i}" for i in range(len(rows))]
    result = distinct_labels(labels, places, slugs)
    assert len(set(result)) == len(result)
    assert all(r.startswith(label) for r, label in zip(result, labels, strict=True))
    # A label that no other reads is never changed.
    for label, r in zip(labels, result, strict=True):
        if labels.count(label) == 1:
            assert r == label


# --- in the browser: the marks kept current ------------------------------------------------

BUILT_IN_2024 = berlin(2024, 6, 1, 12)  # nothing runs; the build marks ss25 "Next term"



def open_page(browser, url: str, clock: str | None, zone: str = "Europe/Berlin",
              width: int = 1280, scheme: str = "light"):
    context = browser.new_context(timezone_id=zone, java_script_enabled=clock is not None,
                                  viewport={"width": width, "height": 900},
                                  color_scheme=scheme)
    page = context.new_page()
    if clock is not None:
        page.clock.install(time=clock)
    page.goto(url)
    return context, page


SHOWN_MARKS = """sel => Array.from(document.querySelectorAll(sel)).map(el => {
  const b = el.querySelector('.term-mark');
  const a = el.querySelector('a');
  const cls = el.classList;
  return [a.getAttribute('href'), b && !b.hidden ? b.textContent.trim() : '',
          cls.contains('running') ? 'running' : cls.contains('next') ? 'next' : ''];
})"""


def shown_marks(page, selector: str, page_path: str = "index.html") -> dict:
    """href slug -> (badge text, class) of every term the page marks, as the browser shows it."""
    return {slug_of(page_path, href): (text, cls)
            for href, text, cls in page.evaluate(SHOWN_MARKS, selector) if text or cls}


def test_the_build_marks_what_the_browser_then_corrects(build_at, browser):
    site = build_at(BUILT_IN_2024)
    assert {i["slug"]: i["badge"] for g in landing_groups(site) for i in g["items"]
            if i["badge"]} == {"ss25_amls": "Next term"}
    # Without JavaScript the page shows the build's marks.
    context, page = open_page(browser, (site / "index.html").as_uri(), None)
    assert shown_marks(page, "li.offering") == {"ss25_amls": ("Next term", "next")}
    context.close()


@pytest.mark.parametrize("clock,zone,marks", [
    pytest.param("2026-05-20T10:00:00+02:00", "Europe/Berlin",
                 {"ss26_amls": ("Running now", "running")}, id="mid-ss26"),
    pytest.param("2026-05-20T10:00:00+02:00", "Pacific/Auckland",
                 {"ss26_amls": ("Running now", "running")}, id="mid-ss26-visitor-in-auckland"),
    pytest.param("2026-03-01T12:00:00+01:00", "Europe/Berlin",
                 {"ss26_amls": ("Next term", "next")}, id="before-ss26"),
    pytest.param("2025-08-01T12:00:00+02:00", "Europe/Berlin",
                 {"bl25_amls": ("Next term", "next")}, id="after-ss25"),
    # fa22's last day in New York (20:00 there) is already Dec 10 in Berlin.
    pytest.param("2022-12-10T02:00:00+01:00", "Europe/Berlin",
                 {"fa22_amls": ("Running now", "running"), "ws22_dm": ("Running now", "running")},
                 id="new-york-last-day"),
    pytest.param("2022-12-10T06:00:00+01:00", "Europe/Berlin",
                 {"ss25_amls": ("Next term", "next"), "ws22_dm": ("Running now", "running")},
                 id="new-york-day-after"),
    pytest.param("2027-01-01T12:00:00+01:00", "Europe/Berlin", {}, id="after-everything"),
])
def test_landing_marks_are_kept_current_in_the_browser(build_at, browser, clock, zone, marks):
    site = build_at(BUILT_IN_2024)
    context, page = open_page(browser, (site / "index.html").as_uri(), clock, zone)
    assert shown_marks(page, "li.offering") == marks
    visible = page.locator("li.offering .term-badge:visible")
    assert visible.count() == len(marks)
    context.close()


def test_other_terms_are_kept_current_in_the_browser(build_at, browser):
    site = build_at(BUILT_IN_2024)
    assert other_terms(site, "fa22_amls")[2]["badge"] == "Next term"  # ss25, as built
    context, page = open_page(browser, (site / "fa22_amls" / "index.html").as_uri(),
                              "2026-05-20T10:00:00+02:00")
    assert shown_marks(page, ".other-term", "fa22_amls/index.html") == {
        "ss26_amls": ("Running now", "running")}
    assert page.locator(".other-term.running .term-badge").inner_text().lower() == "running now"
    # The page's own term counts too: while bl25 runs, no other term of ss26's page is next.
    page.clock.set_system_time("2025-09-01T10:00:00+02:00")
    page.goto((site / "ss26_amls" / "index.html").as_uri())
    assert shown_marks(page, ".other-term", "ss26_amls/index.html") == {
        "bl25_amls": ("Running now", "running")}
    page.goto((site / "ss25_amls" / "index.html").as_uri())
    assert shown_marks(page, ".other-term", "ss25_amls/index.html") == {
        "bl25_amls": ("Running now", "running")}
    context.close()


# --- layout: screenshots at phone and desktop width, light and dark ------------------------

OVERFLOW = """() => ({width: document.documentElement.scrollWidth,
  wide: Array.from(document.querySelectorAll('main *'))
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .map(e => e.tagName + '.' + e.className)})"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("path", ["index.html", "ss25_amls/index.html"])
def test_archive_pages_fit_and_keep_the_badge_by_its_term(build_at, browser, tmp_path, path,
                                                         width, scheme):
    """Screenshots for a person to look at: into $ARCHIVE_SHOTS (e.g. /tmp/archive-shots)
    when set, else tmp_path."""
    site = build_at(BUILT_IN_2024)
    context, page = open_page(browser, (site / path).as_uri(), "2026-05-20T10:00:00+02:00",
                              width=width, scheme=scheme)
    found = page.evaluate(OVERFLOW)
    assert found["width"] <= width, found["wide"]
    term = page.locator("li.offering.running, .other-term.running")
    assert term.count() == 1
    link, mark = term.locator("a").bounding_box(), term.locator(".term-badge").bounding_box()
    assert mark["x"] + mark["width"] <= width
    if width == 1280:  # one line: the badge right after its link, not below it
        assert mark["x"] >= link["x"] + link["width"]
        assert abs((mark["y"] + mark["height"] / 2) - (link["y"] + link["height"] / 2)) < 6
    shots = Path(os.environ.get("ARCHIVE_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    name = path.replace("/index.html", "").replace(".html", "")
    file = shots / f"{name}-{width}-{scheme}.png"
    page.screenshot(path=str(file), full_page=True)
    assert file.stat().st_size > 1000
    context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_a_marked_term_lines_up_with_the_others(build_at, browser, width):
    site = build_at(BUILT_IN_2024)
    context, page = open_page(browser, (site / "index.html").as_uri(),
                              "2026-05-20T10:00:00+02:00", width=width)
    running = page.locator("li.offering.running a").bounding_box()
    other = page.locator("li.offering:not(.running):not(.next) a").first.bounding_box()
    context.close()
    assert abs(running["x"] - other["x"]) < 1
