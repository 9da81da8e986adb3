"""Quality gates for every generated page, of the default site and the test fixtures (winter,
XSS): valid HTML (Nu HTML Checker), accessibility (axe-core, keyboard, reduced motion), links,
privacy (no request leaves the site), layout (320 px, screenshots, print), weight, and escaping
(the XSS fixture's payloads stay text in pages, calendars and the news feed).

The sites are built once per session into a temporary folder and served by http.server on
127.0.0.1 under /teaching/<site>/; one headless Chromium (Debian's) serves all browser checks.
Screenshots and the weight table go to test-artifacts/ (git-ignored) for a person to look at.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import icalendar
import pytest
import yaml
from quality_helpers import (
    ALL_PAGES,
    ARTIFACTS,
    AXE_JS,
    AXE_RUN,
    AXE_TAGS,
    CLOCK,
    COURSE_PAGE_BUDGET,
    FOCUSED,
    MOTION,
    OVERFLOW,
    PAGE_TYPES,
    PAYLOADS,
    PROVOKE,
    RENDERED,
    SITE_BY_NAME,
    SITES,
    STATIC_XSS,
    SUB_PATH,
    TRAP,
    SiteServer,
    build_sites,
    crawl,
    page_id,
    run_vnu,
    vnu_line,
)

XSS = SITE_BY_NAME["xss"]
XSS_PAGES = [("xss", p) for p in XSS.pages()]
SCHEMES = ("light", "dark")
WIDTHS = (375, 1280)


# --- fixtures ---------------------------------------------------------------------------------

# A page with one known problem of each kind, served beside the sites: the detector tests
# below prove that each check would see a problem (a check that can see nothing passes, too).
PROBE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>probe</title></head>
<body><main id="main">
<p style="color: #bbbbbb; background: #ffffff">Low contrast text.</p>
<img src="missing.png">
<div style="width: 600px">Too wide for a phone.</div>
<a href="/root-relative.html">root-relative</a> <a href="#nowhere">missing anchor</a>
<a href="javascript:void(0)">script link</a>
</main></body></html>
"""


@pytest.fixture(scope="session")
def www(tmp_path_factory) -> Path:
    """Every site built once: <tmp>/www/teaching/<site>/; the probe at <tmp>/www/probe/."""
    www = build_sites(tmp_path_factory.mktemp("quality"))
    (www / "probe").mkdir()
    (www / "probe" / "index.html").write_text(PROBE, encoding="utf-8")
    return www


@pytest.fixture(scope="session")
def server(www):
    srv = SiteServer(www)
    yield srv
    srv.close()


# Chromium is started once for this module. Not session-scoped: Playwright's sync API allows
# one running instance per thread, and other modules (test_schedule_browser.py, ...) start
# their own, so this one must be stopped when this module is done.


@pytest.fixture(scope="session")
def vnu_errors(www) -> dict:
    """The Nu HTML Checker's errors per file, from one run over every page and the CSS."""
    files = [www / SUB_PATH.strip("/") / s / p for s, p in ALL_PAGES]
    files.append(www / SUB_PATH.strip("/") / "default" / "assets" / "style.css")
    files.append(www / "probe" / "index.html")
    return run_vnu(files)


@contextmanager
def opened(browser, url: str, width: int = 1280, height: int = 900, trap: bool = False,
           **context_options):
    """A fresh context and page at `url` (clock inside the summer term), closed afterwards.
    Console messages, page errors and dialogs are recorded on page.qa_log."""
    context = browser.new_context(viewport={"width": width, "height": height},
                                  timezone_id="Europe/Berlin", **context_options)
    if trap:
        context.add_init_script(TRAP)
    page = context.new_page()
    page.qa_log = []
    page.on("console", lambda m: page.qa_log.append(f"console.{m.type}: {m.text}"))
    page.on("pageerror", lambda e: page.qa_log.append(f"page error: {e}"))
    page.on("dialog", lambda d: (page.qa_log.append(f"dialog {d.type}: {d.message}"),
                                 d.dismiss()))
    page.clock.set_fixed_time(CLOCK)
    try:
        page.goto(url, wait_until="load")
        yield page
    finally:
        context.close()


def url_of(server, site_page) -> str:
    site, path = site_page
    return server.base(site) + path


def bullet(lines) -> str:
    return "\n".join(f"  - {line}" for line in lines)


# --- the checks can see problems ----------------------------------------------------------------

def test_detectors_see_the_probe_pages_problems(browser, server, www, vnu_errors):
    probe = server.origin + "/probe/"
    errors = [m["message"] for m in vnu_errors[(www / "probe" / "index.html").resolve()]]
    assert any("alt" in e for e in errors), f"vnu missed the <img> without alt: {errors}"
    with opened(browser, probe + "index.html", width=320) as page:
        assert page.evaluate(OVERFLOW, 320)["scrollWidth"] > 320, "the 320 px check is blind"
        page.add_script_tag(path=str(AXE_JS))
        rules = {v["id"] for v in page.evaluate(AXE_RUN, AXE_TAGS)}
    assert {"color-contrast", "image-alt"} <= rules, f"axe found only {rules}"
    found = "\n".join(crawl(probe).problems)
    for expected in ("starts with '/'", "missing.png -> HTTP 404", "no element with id 'nowhere'",
                     "scheme 'javascript:'"):
        assert expected in found, f"the crawler missed '{expected}':\n{found}"


# --- the pages are the ones expected ------------------------------------------------------------

@pytest.mark.parametrize("spec", SITES, ids=lambda s: s.name)
def test_every_expected_page_is_built(www, spec):
    built = sorted(p.relative_to(www / SUB_PATH.strip("/") / spec.name).as_posix()
                   for p in (www / SUB_PATH.strip("/") / spec.name).rglob("*.html"))
    assert built == sorted(spec.pages()), (
        f"{spec.name}: the pages built differ from the pages these tests check; "
        "update SiteSpec.pages() in tests/quality_helpers.py")


# --- HTML validity ----------------------------------------------------------------------------

@pytest.mark.parametrize("site_page", ALL_PAGES, ids=page_id)
def test_html_is_valid(www, vnu_errors, site_page):
    path = (www / SUB_PATH.strip("/") / site_page[0] / site_page[1]).resolve()
    errors = vnu_errors.get(path, [])
    assert len(errors) == 0, (f"{page_id(site_page)}: the Nu HTML Checker reports {len(errors)} "
                        "error(s):\n" + "\n".join(vnu_line(m) for m in errors))


def test_css_is_valid(www, vnu_errors):
    path = (www / SUB_PATH.strip("/") / "default" / "assets" / "style.css").resolve()
    errors = vnu_errors.get(path, [])
    assert len(errors) == 0, "assets/style.css: the Nu CSS checker reports:\n" + "\n".join(
        vnu_line(m) for m in errors)


# --- accessibility -----------------------------------------------------------------------------

@pytest.mark.parametrize("site_page", ALL_PAGES, ids=page_id)
def test_axe_finds_no_wcag_violations(browser, server, site_page):
    """axe-core, WCAG 2.0/2.1 A and AA, light and dark, 375 and 1280 px wide."""
    problems = []
    with opened(browser, url_of(server, site_page)) as page:
        page.add_script_tag(path=str(AXE_JS))
        for scheme in SCHEMES:
            page.emulate_media(color_scheme=scheme)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                for v in page.evaluate(AXE_RUN, AXE_TAGS):
                    for node in v["nodes"]:
                        problems.append(f"[{scheme}, {width}px] {v['id']} ({v['impact']}): "
                                        f"{v['help']}\n      at {node['target']}: "
                                        f"{node['html']}\n      {node['summary'][:300]}")
    assert len(problems) == 0, (f"{page_id(site_page)}: {len(problems)} axe violation(s):\n"
                          + bullet(problems))


@pytest.mark.parametrize("site_page", ALL_PAGES, ids=page_id)
def test_keyboard_skip_link_and_visible_focus(browser, server, site_page):
    """The first Tab lands on a skip link that shows itself; Enter moves focus to <main>;
    every link reached by Tab shows an outline."""
    name = page_id(site_page)
    with opened(browser, url_of(server, site_page), width=375) as page:
        hidden = page.evaluate("""() => { const s = document.querySelector('a.skip');
            return s ? s.getBoundingClientRect().bottom <= 0 : null; }""")
        assert hidden is not None, f"{name}: no skip link <a class=\"skip\">"
        assert hidden, f"{name}: the skip link should be off-screen until it is focused"
        page.keyboard.press("Tab")
        first = page.evaluate(FOCUSED)
        assert first and "skip" in first["cls"].split() and first["href"] == "#main", (
            f"{name}: the first focusable element should be the skip link "
            f"<a class=\"skip\" href=\"#main\">, got {first and first['html']}")
        on_screen = (first["top"] >= 0 and first["left"] >= 0 and first["width"] > 1
                     and first["height"] > 1 and first["bottom"] <= first["innerHeight"]
                     and first["right"] <= first["innerWidth"])
        assert on_screen and first["visibility"] == "visible" and float(first["opacity"]) > 0, (
            f"{name}: the focused skip link is not visible on screen: {first}")
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main", (
            f"{name}: activating the skip link should move focus to <main id=\"main\">")

        page.goto(page.url.split("#")[0])
        problems, seen = [], 0
        for _ in range(400):
            page.keyboard.press("Tab")
            el = page.evaluate(FOCUSED)
            if el is None or (seen and "skip" in el["cls"].split()):
                break  # wrapped around to the browser chrome or the start
            seen += 1
            if el["tag"] == "a" and (el["outlineStyle"] == "none" or el["outlineWidth"] < 2):
                problems.append(f"link '{el['text']}' ({el['href']}): outline "
                                f"{el['outlineStyle']} {el['outlineWidth']}px when focused")
            if el["width"] < 1 or el["height"] < 1:
                problems.append(f"focused <{el['tag']}> '{el['text']}' has no size: "
                                f"{el['html']}")
        assert seen > 1, f"{name}: Tab reached no focusable element after the skip link"
        assert len(problems) == 0, f"{name}: focus is not visible:\n" + bullet(problems)


@pytest.mark.parametrize("site_page", ALL_PAGES, ids=page_id)
def test_reduced_motion_is_honoured(browser, server, site_page):
    """With prefers-reduced-motion: reduce, every transition and animation lasts 0 s, even
    one the page did not have before (a probe proves the check would see one)."""
    name = page_id(site_page)
    with opened(browser, url_of(server, site_page)) as page:
        page.add_style_tag(content="@keyframes qa-spin { to { opacity: 0.5; } } "
                                   ".qa-probe { transition: color 3s; "
                                   "animation: qa-spin 3s infinite; }")
        page.evaluate("""() => { const p = document.createElement('p'); p.className = 'qa-probe';
                         p.textContent = 'probe'; document.querySelector('main').append(p); }""")
        page.emulate_media(reduced_motion="no-preference")
        moving = page.evaluate(MOTION)["moving"]
        assert any(m["el"].startswith("p.qa-probe") for m in moving), (
            f"{name}: the probe's 3 s transition is not seen without reduced motion; "
            "the check itself is broken")
        page.emulate_media(reduced_motion="reduce")
        found = page.evaluate(MOTION)
        assert len(found["moving"]) == 0, (
            f"{name}: with prefers-reduced-motion: reduce these still move:\n"
            + bullet(f"{m['el']}: transition {m['transition']}, animation {m['animation']}"
                     for m in found["moving"][:10]))
        assert found["scroll"] == "auto", f"{name}: scroll-behavior is {found['scroll']}"


# --- links ----------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", SITES, ids=lambda s: s.name)
def test_links_anchors_assets_and_feeds_resolve(server, spec):
    base = server.base(spec.name)
    result = crawl(base)
    assert len(result.problems) == 0, (
        f"{spec.name} (served at {SUB_PATH}{spec.name}/): {len(result.problems)} broken "
        "reference(s):\n" + bullet(result.problems))
    reached = {p[len(base):] for p in result.pages if p.endswith(".html")}
    orphans = sorted(set(spec.pages()) - reached)
    assert len(orphans) == 0, f"{spec.name}: pages no link leads to from index.html: {orphans}"
    assert result.refs_checked > 10, f"{spec.name}: the crawl checked almost nothing"


# --- privacy -----------------------------------------------------------------------------------

@pytest.mark.parametrize("site_page", ALL_PAGES, ids=page_id)
def test_loading_a_page_requests_nothing_from_other_hosts(browser, server, site_page):
    own = urlsplit(server.origin).netloc
    requests = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("request", lambda r: requests.append((r.resource_type, r.url)))
    try:
        page.goto(url_of(server, site_page), wait_until="networkidle")
        page.emulate_media(color_scheme="dark")
        page.set_viewport_size({"width": 375, "height": 800})
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    foreign = [f"{kind}: {url}" for kind, url in requests
               if urlsplit(url).scheme not in ("data", "blob", "about")
               and urlsplit(url).netloc != own]
    assert len(foreign) == 0, (f"{page_id(site_page)}: loading the page contacts other hosts:\n"
                         + bullet(foreign))
    assert requests, "no request was recorded at all: the recorder is broken"


# --- layout ----------------------------------------------------------------------------------

@pytest.mark.parametrize("site_page", ALL_PAGES, ids=page_id)
def test_no_horizontal_scrolling_at_320px(browser, server, site_page):
    with opened(browser, url_of(server, site_page), width=320, height=640) as page:
        found = page.evaluate(OVERFLOW, 320)
    assert found["scrollWidth"] <= 320, (
        f"{page_id(site_page)}: the page is {found['scrollWidth']} px wide at a 320 px "
        "viewport (horizontal scrolling); widest elements:\n" + bullet(found["wide"]))


SHOTS = [(site, kind) for site in ("default", "winter", "xss") for kind in PAGE_TYPES]


@pytest.mark.parametrize("site,kind", SHOTS, ids=[f"{s}-{k}" for s, k in SHOTS])
def test_screenshots_for_a_person_to_look_at(browser, server, site, kind):
    """test-artifacts/screenshots/<site>-<type>-<width>-<scheme>.png, full page."""
    spec = SITE_BY_NAME[site]
    path = PAGE_TYPES[kind] if kind == "landing" else f"{spec.offerings()[-1]}/{PAGE_TYPES[kind]}"
    out = ARTIFACTS / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with opened(browser, url_of(server, (site, path))) as page:
        for scheme in SCHEMES:
            page.emulate_media(color_scheme=scheme)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                file = out / f"{site}-{kind}-{width}-{scheme}.png"
                page.screenshot(path=str(file), full_page=True)
                assert file.stat().st_size > 1000, f"{file}: empty screenshot"


PRINT_HIDDEN = (".site-header nav", ".skip", "footer", ".subscribe")


@pytest.mark.parametrize("site_page", ALL_PAGES, ids=page_id)
def test_print_hides_navigation_and_keeps_the_lecture_table(browser, server, site_page):
    name = page_id(site_page)
    with opened(browser, url_of(server, site_page)) as page:
        page.emulate_media(media="print")
        shown = [f"{sel}: {el['html']}" for sel in PRINT_HIDDEN
                 for el in page.evaluate(RENDERED, sel) if el["rendered"]]
        tables = page.evaluate(RENDERED, "table.lectures")
        page.emulate_media(media="screen")
        on_screen = page.evaluate(RENDERED, "table.lectures")
    assert len(shown) == 0, f"{name}: shown in print, should be hidden:\n" + bullet(shown)
    assert len(tables) == len(on_screen), "print changed the number of lecture tables"
    hidden = [t["html"] for t in tables if not t["rendered"] or t["display"] != "table"]
    assert len(hidden) == 0, f"{name}: lecture tables not printed as tables:\n" + bullet(hidden)
    if site_page[1] not in SITE_BY_NAME[site_page[0]].landing_pages() \
            and site_page[1].endswith("/index.html"):
        assert tables, f"{name}: a course page without a lecture table"


# --- weight ----------------------------------------------------------------------------------

def test_page_weight_within_budget(browser, server):
    """Bytes each page transfers (bodies, uncompressed: the test server does not compress),
    written to test-artifacts/weight.txt; a course page with its CSS and JavaScript stays
    under COURSE_PAGE_BUDGET."""
    rows, over = [], []
    for site_page in ALL_PAGES:
        sizes: dict[str, int] = {}
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.on("requestfinished", lambda r, sizes=sizes: sizes.__setitem__(
            r.url, r.sizes()["responseBodySize"]))
        page.goto(url_of(server, site_page), wait_until="load")
        context.close()
        html = sum(n for u, n in sizes.items() if u.endswith(".html"))
        css = sum(n for u, n in sizes.items() if u.endswith(".css"))
        js = sum(n for u, n in sizes.items() if u.endswith(".js"))
        total = sum(sizes.values())
        rows.append((page_id(site_page), len(sizes), html, css, js, total - html - css - js, total))
        is_course = re.fullmatch(r"[^/]+/index\.html", site_page[1])
        if is_course and html + css + js >= COURSE_PAGE_BUDGET:
            over.append(f"{page_id(site_page)}: {html + css + js} bytes (HTML {html}, CSS {css}, "
                        f"JS {js}) >= {COURSE_PAGE_BUDGET}")
    head = ("page", "requests", "html", "css", "js", "other", "total")
    width = max(len(r[0]) for r in rows)
    lines = [f"{head[0]:<{width}}  " + "  ".join(f"{h:>8}" for h in head[1:])]
    lines += [f"{r[0]:<{width}}  " + "  ".join(f"{v:>8}" for v in r[1:]) for r in rows]
    lines.append(f"\nbudget: a course page with its CSS and JS < {COURSE_PAGE_BUDGET} bytes "
                 "(uncompressed)")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "weight.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n" + "\n".join(lines))
    assert all(r[6] > 0 for r in rows), "a page transferred nothing: the recorder is broken"
    assert len(over) == 0, "over the weight budget:\n" + bullet(over)


# --- escaping: the XSS fixture --------------------------------------------------------------------

def provoke(browser, url: str) -> tuple[int, list[str]]:
    """Load `url` with the dialog functions trapped, hover every visible link, then fire
    mouse/focus/load events at and click every element; (elements provoked, what ran:
    trapped calls, dialogs, console messages, page errors)."""
    with opened(browser, url, trap=True) as page:
        links = page.locator("a:not(.skip)")
        for i in range(min(links.count(), 60)):
            if links.nth(i).is_visible():
                links.nth(i).hover(timeout=5000)
        touched = page.evaluate(PROVOKE)
        page.wait_for_timeout(200)
        fired = page.evaluate("window.__fired || []")
        if page.url.split("#")[0] != url:
            fired.append(f"navigated to {page.url}")
        return touched, fired + page.qa_log


def test_xss_detector_sees_code_that_runs(browser, server, www):
    """The detector itself: a hand-written page with live payloads must be caught."""
    (www / "xss-probe.html").write_text(
        '<!DOCTYPE html><html lang="en"><title>probe</title><p>text</p>'
        '<img src="x" onerror="alert(1)"><a href="javascript:confirm(2)">link</a>'
        '<div onmouseover="prompt(3)">hover</div><script>console.log("ran")</script>',
        encoding="utf-8")
    _, ran = provoke(browser, server.origin + "/xss-probe.html")
    for expected in ("alert(1)", "confirm(2)", "prompt(3)", "console.log: ran"):
        assert any(expected in r for r in ran), f"the detector missed {expected}: {ran}"


@pytest.mark.parametrize("site_page", XSS_PAGES, ids=page_id)
def test_xss_payloads_execute_nothing(browser, server, site_page):
    """Nothing runs: no alert/confirm/prompt call, no dialog, no console message, no error."""
    touched, ran = provoke(browser, url_of(server, site_page))
    assert touched > 20, f"{page_id(site_page)}: only {touched} elements were provoked"
    assert len(ran) == 0, f"{page_id(site_page)}: content ran code:\n" + bullet(ran)


@pytest.mark.parametrize("site_page", XSS_PAGES, ids=page_id)
def test_xss_payloads_are_shown_as_text(browser, server, site_page):
    """No element, attribute or URL came from a payload; the payloads are visible as text."""
    name = page_id(site_page)
    with opened(browser, url_of(server, site_page)) as page:
        bad = page.evaluate(STATIC_XSS)
        text = page.evaluate("document.body.innerText")
    assert len(bad) == 0, f"{name}: markup from content got into the page:\n" + bullet(bad)
    site_title = yaml.safe_load((XSS.content / "site.yaml").read_text(encoding="utf-8"))["title"]
    assert site_title in text, f"{name}: the site title is not shown as text: {site_title!r}"
    assert "{{ 7*7 }}" in text, f"{name}: Jinja-looking text must be shown as it is"
    if site_page[1] != "index.html":  # offering pages show the other payloads too
        missing = [p for p in PAYLOADS if p not in text]
        assert len(missing) == 0, f"{name}: payloads not shown as text: {missing}"


def xss_yaml(name: str) -> dict:
    return yaml.safe_load((XSS.content / XSS.offerings()[0] / name).read_text(encoding="utf-8"))


def lines_of(markdown_text: str | None) -> str:
    """What a calendar DESCRIPTION holds of a markdown field (coursesite.calendar.join_lines)."""
    return "\n".join(line.strip() for line in (markdown_text or "").splitlines() if line.strip())


def test_xss_payloads_stay_text_in_the_calendar(www):
    slug = XSS.offerings()[0]
    data = (www / SUB_PATH.strip("/") / "xss" / slug / "calendar.ics").read_bytes()
    events = {str(e.get("summary")): e for e in icalendar.Calendar.from_ical(data).walk("VEVENT")}
    course, lectures, org = xss_yaml("course.yaml"), xss_yaml("lectures.yaml"), xss_yaml(
        "organization.yaml")
    short = course["short"]
    expected = {}  # SUMMARY -> the lines its DESCRIPTION must contain
    for part in lectures["parts"]:
        for lec in part["lectures"]:
            if lec["date"] == "TBD":
                continue
            title = (f"{short} {lec['number']:02d}: {lec['title']}" if "number" in lec
                     else f"{short}: {lec['title']}")
            if lec.get("status") == "cancelled":
                title = "Cancelled: " + title
            expected[title] = [f"Part {part['letter']}: {part['title']}", *lines_of(
                lec.get("note")).splitlines()]
    for exam in org["exams"]:
        expected[f"{short} exam: {exam['title']}"] = lines_of(exam.get("text")).splitlines()
    for d in org["deadlines"]:
        due = f" (due {d['time']})" if d.get("time") else ""
        expected[f"{short} deadline: {d['title']}{due}"] = lines_of(d.get("text")).splitlines()
    missing = sorted(set(expected) - set(events))
    assert len(missing) == 0, ("calendar.ics: no VEVENT whose SUMMARY equals the YAML text:\n"
                         + bullet(missing) + "\n  SUMMARYs found:\n" + bullet(sorted(events)))
    problems = []
    for summary, want in expected.items():
        description = str(events[summary].get("description") or "").splitlines()
        if description[:len(want)] != want and not all(w in description for w in want):
            problems.append(f"{summary}: DESCRIPTION {description!r} lacks {want!r}")
    rooms = {r["id"]: r for r in yaml.safe_load((XSS.content / "rooms.yaml").read_text(
        encoding="utf-8"))["rooms"]}
    room = rooms[course["weekly"]["lectures"][0]["room"]]
    where = ", ".join(room[k] for k in ("name", "building", "address") if room.get(k))
    first = next(iter(expected))
    if str(events[first].get("location")) != where:
        problems.append(f"{first}: LOCATION {str(events[first].get('location'))!r} != {where!r}")
    exam = org["exams"][0]
    if exam.get("text"):
        got = str(events[f"{short} exam: {exam['title']}"].get("description"))
        if got != lines_of(exam["text"]):
            problems.append(f"exam DESCRIPTION {got!r} != YAML text {lines_of(exam['text'])!r}")
    assert len(problems) == 0, "calendar.ics changed the payloads:\n" + bullet(problems)


def test_xss_payloads_stay_text_in_the_news_feed(www):
    slug = XSS.offerings()[0]
    path = www / SUB_PATH.strip("/") / "xss" / slug / "news.xml"
    feed = feedparser.parse(path.read_bytes())
    assert feed.bozo == 0, f"news.xml is not well-formed: {feed.get('bozo_exception')}"
    titles = [e.title for e in feed.entries]
    kinds = {e.title: e.title_detail.type for e in feed.entries}
    wanted = [n["title"] for n in xss_yaml("news.yaml")["news"]]
    missing = [t for t in wanted if t not in titles]
    assert len(missing) == 0, (
        f"news.xml: these titles are not entries' titles as text: {missing}\n"
        f"  titles found: {titles}")
    assert all(kinds[t] == "text/plain" for t in wanted), f"titles are not text: {kinds}"
    course = xss_yaml("course.yaml")
    assert feed.feed.title.startswith(course["short"]), (
        f"the feed title {feed.feed.title!r} does not start with {course['short']!r}")
    raw = path.read_text(encoding="utf-8")
    assert "<script>" not in raw and "<svg" not in raw and "<iframe" not in raw, (
        "news.xml holds unescaped markup from content")
