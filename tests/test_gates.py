"""coursesite.gates, the quality gates `make check` runs on a built site: each gate is shown a
small hand-written site with one planted defect it must report (file:line and all), and a
clean site passes them all.

The Nu checker and axe tests need Java with vnu.jar and Playwright with Debian's chromium and
axe-core. CI installs them (.ci/run, `make test`), so a missing tool fails these tests rather
than skipping them. Tests of the static gates point VNU_JAR and AXE_JS at nothing, which is
how a maintainer without those tools runs the gates too: the tool gates are skipped and the
test takes no Java or browser start-up.
"""
from __future__ import annotations

import base64
import time
from pathlib import Path

import pytest

from coursesite import gates
from coursesite.gates import GateResult, gates_report, run_gates

# A 1x1 transparent PNG.
DOT_PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAj"
                           "CB0C8AAAAASUVORK5CYII=")
GATES = ["Nu HTML Checker", "links and anchors", "third-party requests", "axe (WCAG 2.1 AA)"]


def page(body: str, head: str = "", title: str = "A page") -> str:
    """A complete, valid, accessible HTML page around `body`."""
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{title}</title>\n{head}</head>\n<body>\n<main>\n<h1>{title}</h1>\n"
            f"{body}\n</main>\n</body>\n</html>\n")


def write_site(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return root


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first occurrence of `needle` in `text`."""
    assert needle in text, needle
    return text[:text.index(needle)].count("\n") + 1


def gate(results: list[GateResult], name: str) -> GateResult:
    found = [r for r in results if r.name == name]
    assert len(found) == 1, [r.name for r in results]
    return found[0]


def must_have_run(result: GateResult) -> GateResult:
    """The gate, which must have run: in CI its tool is installed, so a skip is a failure."""
    assert result.ran, f"{result.name} did not run: {result.note} (CI installs its tool)"
    return result


STYLE = ("/* a comment with url(not-a-reference.png) */\n"
         "body { font-family: sans-serif; }\n"
         ".marker { background: url(dot.png) no-repeat; }\n")
HEAD = '<link rel="stylesheet" href="assets/style.css">\n<link rel="icon" href="assets/dot.png">\n'
SUB_HEAD = '<link rel="stylesheet" href="../assets/style.css">\n'


def clean_files(defect: str = "") -> dict[str, str | bytes]:
    """Four pages that pass every gate: relative links with anchors and query strings,
    external links, a stylesheet with a relative url(), an image with alt text; `defect` is
    markup added at the end of index.html's <main>."""
    return {
        "index.html": page(
            '<p id="intro"><a href="sub/part.html#part">Part</a>, '
            '<a href="sub/part.html?from=index#part">with a query</a>, '
            '<a href="#intro">intro</a>, <a href="about.html">about</a>, '
            '<a href="https://example.org/">an external site</a>, '
            '<a href="mailto:someone@example.org">mail</a>.</p>\n'
            '<p><img src="assets/dot.png" srcset="assets/dot.png 1x, assets/dot.png 2x" '
            'alt="A dot" width="1" height="1"></p>' + defect, HEAD, "Home"),
        "about.html": page('<p><a href="index.html#intro">Back</a> <a href="#top">top</a></p>',
                           HEAD, "About"),
        "sub/part.html": page('<h2 id="part">Part</h2>\n<p><a href="../index.html">Home</a>, '
                              '<a href="other.html">other</a></p>', SUB_HEAD, "Part"),
        "sub/other.html": page('<p><a href="part.html">Part</a></p>', SUB_HEAD, "Other"),
        "assets/style.css": STYLE,
        "assets/dot.png": DOT_PNG,
    }


@pytest.fixture
def static_only(monkeypatch):
    """Only the static gates run: vnu.jar and axe-core are looked for where nothing is."""
    monkeypatch.setenv("VNU_JAR", "/nonexistent/vnu.jar")
    monkeypatch.setenv("AXE_JS", "/nonexistent/axe.min.js")


# --- every gate ----------------------------------------------------------------------------------

def test_a_clean_site_passes_every_gate(tmp_path):
    site = write_site(tmp_path / "site", clean_files())
    started = time.perf_counter()
    results = run_gates(site)
    seconds = time.perf_counter() - started
    assert [r.name for r in results] == GATES
    for r in results:
        must_have_run(r)
    assert {r.name: r.problems for r in results} == {name: () for name in GATES}
    assert gate(results, "Nu HTML Checker").note == "4 pages, 1 stylesheet"
    assert gate(results, "links and anchors").note == (
        "4 pages, 1 stylesheet, 19 internal references")
    report = gates_report(results)
    assert report.splitlines() == [
        "Nu HTML Checker       passed (4 pages, 1 stylesheet)",
        "links and anchors     passed (4 pages, 1 stylesheet, 19 internal references)",
        "third-party requests  passed (5 files, 10 resources a browser loads)",
        "axe (WCAG 2.1 AA)     passed (4 pages at 1280 px, light)",
    ]
    print(f"\nrun_gates on a 4-page site: {seconds:.1f} s")


@pytest.mark.usefixtures("static_only")
def test_tools_that_are_not_found_skip_their_gate_with_the_reason(tmp_path):
    site = write_site(tmp_path / "site", clean_files())
    results = run_gates(site)
    vnu, axe = gate(results, "Nu HTML Checker"), gate(results, "axe (WCAG 2.1 AA)")
    assert (vnu.ran, vnu.problems, vnu.note) == (
        False, (), "VNU_JAR=/nonexistent/vnu.jar: no such file")
    assert (axe.ran, axe.problems, axe.note) == (
        False, (), "AXE_JS=/nonexistent/axe.min.js: no such file")
    report = gates_report(results).splitlines()
    assert report[0] == "Nu HTML Checker       skipped: VNU_JAR=/nonexistent/vnu.jar: no such file"
    assert report[3] == ("axe (WCAG 2.1 AA)     skipped: AXE_JS=/nonexistent/axe.min.js: "
                         "no such file")
    assert report[1].startswith("links and anchors     passed")


def test_no_java_on_path_skips_the_nu_checker(tmp_path, monkeypatch):
    site = write_site(tmp_path / "site", clean_files())
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("AXE_JS", "/nonexistent/axe.min.js")
    vnu = gate(run_gates(site), "Nu HTML Checker")
    assert (vnu.ran, vnu.note) == (False, "no Java on PATH (Debian: default-jre-headless)")


def test_a_site_folder_that_does_not_exist_is_an_error(tmp_path):
    with pytest.raises(NotADirectoryError, match="no built site here"):
        run_gates(tmp_path / "missing")


def test_the_report_lists_each_problem_beneath_its_gate():
    results = [GateResult("one", True, ("a.html:3: bad", "b.html:1: worse")),
               GateResult("second gate", True, (), "2 pages"),
               GateResult("three", False, (), "no tool"),
               GateResult("four", True, ("x",))]
    assert gates_report(results) == (
        "one          FAILED (2 problems)\n"
        "    a.html:3: bad\n"
        "    b.html:1: worse\n"
        "second gate  passed (2 pages)\n"
        "three        skipped: no tool\n"
        "four         FAILED (1 problem)\n"
        "    x")


# --- the Nu HTML Checker -------------------------------------------------------------------------

def test_the_nu_checker_reports_an_img_without_alt_and_invalid_css(tmp_path, monkeypatch):
    monkeypatch.setenv("AXE_JS", "/nonexistent/axe.min.js")
    files = clean_files()
    files["sub/other.html"] = page('<p><img src="../assets/dot.png"></p>', SUB_HEAD, "Other")
    files["assets/style.css"] = STYLE + "p { color: not-a-colour; }\n"
    site = write_site(tmp_path / "site", files)
    vnu = must_have_run(gate(run_gates(site), "Nu HTML Checker"))
    img_line = line_of(files["sub/other.html"], "<img")
    css_line = line_of(files["assets/style.css"], "not-a-colour")
    assert len(vnu.problems) == 2, vnu.problems
    assert vnu.problems[0].startswith(f"assets/style.css:{css_line}: "), vnu.problems
    assert "not-a-colour" in vnu.problems[0]
    assert vnu.problems[1].startswith(f"sub/other.html:{img_line}: "), vnu.problems
    assert "“alt” attribute" in vnu.problems[1]


def test_a_nu_checker_that_gives_no_json_fails_the_gate_in_one_line(tmp_path, monkeypatch):
    broken_jar = tmp_path / "vnu.jar"
    broken_jar.write_bytes(b"not a jar")
    monkeypatch.setenv("VNU_JAR", str(broken_jar))
    monkeypatch.setenv("AXE_JS", "/nonexistent/axe.min.js")
    site = write_site(tmp_path / "site", clean_files())
    vnu = must_have_run(gate(run_gates(site), "Nu HTML Checker"))
    assert len(vnu.problems) == 1, vnu.problems
    assert vnu.problems[0].startswith("vnu.jar gave no JSON (exit 1): "), vnu.problems
    assert "\n" not in vnu.problems[0]


# --- links and anchors ---------------------------------------------------------------------------

LINK_DEFECTS = {
    "broken relative link": (
        '<a href="sub/gone.html">gone</a>', "index.html",
        '<a href="sub/gone.html">: sub/gone.html does not exist'),
    "missing anchor": (
        '<a href="sub/part.html#nowhere">nowhere</a>', "index.html",
        "<a href=\"sub/part.html#nowhere\">: no element with id 'nowhere' on sub/part.html"),
    "missing anchor on the same page": (
        '<a href="#nowhere">nowhere</a>', "index.html",
        "<a href=\"#nowhere\">: no element with id 'nowhere' on index.html"),
    "root-relative href": (
        '<a href="/about.html">about</a>', "index.html",
        "<a href=\"/about.html\">: starts with '/', so it breaks under a sub-path and from "
        "file://; links must be relative to the page"),
    "javascript: URL": (
        '<a href="javascript:void(0)">script</a>', "index.html",
        "<a href=\"javascript:void(0)\">: scheme 'javascript:' runs code; it is not allowed "
        "in a page"),
    "data:text/html URL": (
        '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">data</a>', "index.html",
        "<a href=\"data:text/html,<script>alert(1)</script>\">: scheme 'data:' runs code; it is "
        "not allowed in a page"),
    "link to a folder": (
        '<a href="sub/">sub</a>', "index.html",
        '<a href="sub/">: sub is a folder, which from file:// shows no page; link to '
        "sub/index.html"),
    "outside the site": (
        '<a href="../../elsewhere.html">up</a>', "index.html",
        '<a href="../../elsewhere.html">: resolves to '),
    "missing image in srcset": (
        '<img src="assets/dot.png" srcset="assets/dot.png 1x, assets/big.png 2x" alt="Dot">',
        "index.html", '<img srcset="assets/big.png">: assets/big.png does not exist'),
}


@pytest.mark.usefixtures("static_only")
@pytest.mark.parametrize("markup,where,expected", LINK_DEFECTS.values(), ids=LINK_DEFECTS)
def test_the_links_gate_reports_a_planted_defect(tmp_path, markup, where, expected):
    files = clean_files(f"\n<p>{markup}</p>")
    site = write_site(tmp_path / "site", files)
    links = gate(run_gates(site), "links and anchors")
    line = line_of(files["index.html"], markup)
    assert len(links.problems) == 1, links.problems
    assert links.problems[0].startswith(f"{where}:{line}: {expected}"), links.problems


@pytest.mark.usefixtures("static_only")
def test_the_links_gate_reads_stylesheets_and_inline_css(tmp_path):
    files = clean_files()
    files["assets/style.css"] = STYLE + "@font-face { src: url('fonts/gone.woff2'); }\n"
    files["about.html"] = page('<p style="background: url(assets/none.png)">x</p>', HEAD,
                               "About")
    site = write_site(tmp_path / "site", files)
    links = gate(run_gates(site), "links and anchors")
    css_line = line_of(files["assets/style.css"], "gone.woff2")
    style_line = line_of(files["about.html"], "none.png")
    assert sorted(links.problems) == [
        f"about.html:{style_line}: url(assets/none.png): assets/none.png does not exist",
        f"assets/style.css:{css_line}: url(fonts/gone.woff2): assets/fonts/gone.woff2 does "
        "not exist",
    ]


# --- third-party requests ------------------------------------------------------------------------

THIRD_PARTY = {
    "script from a CDN": (
        "index.html", '<script src="https://cdn.example.org/x.js"></script>',
        '<script src="https://cdn.example.org/x.js">: loads from another host '
        "(cdn.example.org) on every visit; serve a copy from the site"),
    "protocol-relative image": (
        "index.html", '<img src="//img.example.net/a.png" alt="A">',
        '<img src="//img.example.net/a.png">: loads from another host (img.example.net)'),
    "stylesheet from a font service": (
        "index.html", '<link rel="stylesheet" href="https://fonts.example.com/css">',
        '<link href="https://fonts.example.com/css">: loads from another host '
        "(fonts.example.com)"),
    "font in the site's CSS": (
        "assets/style.css", "@font-face { src: url(https://fonts.example.com/a.woff2); }",
        "url(https://fonts.example.com/a.woff2): loads from another host (fonts.example.com)"),
    "@import in a <style>": (
        "index.html", '<style>@import "https://fonts.example.com/b.css";</style>',
        "@import url(https://fonts.example.com/b.css): loads from another host "
        "(fonts.example.com)"),
}


@pytest.mark.usefixtures("static_only")
@pytest.mark.parametrize("where,markup,expected", THIRD_PARTY.values(), ids=THIRD_PARTY)
def test_the_third_party_gate_reports_a_resource_from_another_host(tmp_path, where, markup,
                                                                   expected):
    files = clean_files("" if where.endswith(".css") else "\n" + markup)
    if where.endswith(".css"):
        files[where] = STYLE + markup + "\n"
    site = write_site(tmp_path / "site", files)
    third_party = gate(run_gates(site), "third-party requests")
    line = line_of(files[where], markup)
    assert len(third_party.problems) == 1, third_party.problems
    assert third_party.problems[0].startswith(f"{where}:{line}: {expected}"), third_party.problems


@pytest.mark.usefixtures("static_only")
def test_links_and_forms_to_other_hosts_are_not_requests(tmp_path):
    files = clean_files(
        '<p><a href="https://example.org/x">x</a></p>\n'
        '<form action="https://search.example.org/"><p><label>Search <input name="q">'
        "</label> <button>Go</button></p></form>")
    files["about.html"] = page("<p>About</p>", HEAD + '<link rel="canonical" '
                               'href="https://example.org/"><link rel="alternate" '
                               'href="https://example.org/feed">\n', "About")
    site = write_site(tmp_path / "site", files)
    assert gate(run_gates(site), "third-party requests").problems == ()


# --- axe-core ------------------------------------------------------------------------------------

def test_axe_reports_an_img_without_alt(tmp_path, monkeypatch):
    monkeypatch.setenv("VNU_JAR", "/nonexistent/vnu.jar")
    files = clean_files()
    files["sub/part.html"] = page('<h2 id="part">Part</h2>\n<p><img src="../assets/dot.png" '
                                  'width="1" height="1"></p>', SUB_HEAD, "Part")
    site = write_site(tmp_path / "site", files)
    axe = must_have_run(gate(run_gates(site), "axe (WCAG 2.1 AA)"))
    assert axe.problems == ("sub/part.html:  image-alt: Images must have alternative text "
                            "(1 node)",)


def test_a_chromium_that_does_not_start_fails_the_gate_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("VNU_JAR", "/nonexistent/vnu.jar")
    not_a_browser = tmp_path / "chromium"
    not_a_browser.write_text("not a program\n", encoding="utf-8")
    monkeypatch.setattr(gates, "CHROMIUM", str(not_a_browser))
    site = write_site(tmp_path / "site", clean_files())
    axe = must_have_run(gate(run_gates(site), "axe (WCAG 2.1 AA)"))
    assert len(axe.problems) == 1, axe.problems
    assert axe.problems[0].startswith("Chromium failed to start: "), axe.problems
    assert "\n" not in axe.problems[0]
