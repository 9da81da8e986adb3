"""Quality gates on a built site that know nothing of its content: valid HTML and CSS (the Nu
HTML Checker), internal links and anchors, no requests to other hosts, and WCAG 2.1 A/AA
(axe-core in Chromium). `make check` runs them on a site built into a temporary folder.

A gate whose tool is missing (Java, vnu.jar, Playwright, Chromium, axe-core) is skipped with
the reason; a gate whose tool fails (vnu gives no JSON, Chromium does not start) fails with a
one-line problem. The links and third-party gates need nothing but the standard library.

The HTML reference parser (`parse_page`, `css_refs`) and the Nu checker runner (`run_vnu`) are
shared with tests/quality_helpers.py.
"""
from __future__ import annotations

import concurrent.futures
import functools
import http.server
import importlib.util
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote, unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
_NODE_MODULES = ROOT / "tests" / "js" / "node_modules"
DEFAULT_VNU_JAR = _NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
DEFAULT_AXE_JS = _NODE_MODULES / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Served below a sub-path, as on university webspace, so a reference that only works at the
# server's root shows up in the browser as well.
SUB_PATH = "/teaching/site/"
VNU_TIMEOUT = 600   # seconds, for one run over the whole site
PAGE_TIMEOUT = 30_000   # milliseconds, per page load in Chromium

VNU = "Nu HTML Checker"
LINKS = "links and anchors"
THIRD_PARTY = "third-party requests"
AXE = "axe (WCAG 2.1 AA)"


@dataclass(frozen=True)
class GateResult:
    """What one gate found. It failed when it ran and has problems; it was skipped when it
    did not run, and then `note` says why."""

    name: str
    ran: bool
    problems: tuple[str, ...]   # one line each; empty when passed or skipped
    note: str = ""              # why skipped, or what was checked ("12 pages, 230 references")


class ToolError(Exception):
    """A gate's tool is missing or gave unusable output; the message is one line."""


# --- the reference parser -----------------------------------------------------------------------

URL_ATTRS = ("href", "src", "srcset", "imagesrcset", "poster", "data", "action", "formaction",
             "xlink:href", "data-absolute")
_SRCSET_ATTRS = ("srcset", "imagesrcset")


class Ref(NamedTuple):
    """One URL a page or stylesheet refers to. `tag` is "css" for a stylesheet's url() or
    @import (attr "url()" or "@import"), "style" for those inside a page's <style> or
    style attribute; `rel` is a <link>'s rel, lower case."""

    tag: str
    attr: str
    value: str
    line: int
    rel: str = ""


_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.I)
_CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", re.I)


def css_refs(text: str, first_line: int = 1, tag: str = "css") -> list[Ref]:
    """Every url() and string @import of a stylesheet, with its line (counted from
    `first_line`); comments are ignored."""
    # Blank out comments but keep their newlines, so positions and lines stay true.
    text = _CSS_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    found = [(m.start(), "url()", next(g for g in m.groups() if g is not None))
             for m in _CSS_URL.finditer(text)]
    found += [(m.start(), "@import", next(g for g in m.groups() if g is not None))
              for m in _CSS_IMPORT.finditer(text)]
    return [Ref(tag, attr, value, first_line + text.count("\n", 0, pos))
            for pos, attr, value in sorted(found)]


class PageRefs(HTMLParser):
    """Collects a page's references (URL attributes, and url() in its CSS) and its ids
    (every id, and the name of every <a>)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs: list[Ref] = []
        self.ids: set[str] = set()
        self._style: list[str] | None = None
        self._style_line = 0

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        rel = next((v or "" for n, v in attrs if n == "rel"), "").lower() if tag == "link" else ""
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (tag == "a" and name == "name"):
                self.ids.add(value)
            elif name == "style":
                self.refs += css_refs(value, line, tag="style")
            elif name in URL_ATTRS:
                values = ([v.split()[0] for v in value.split(",") if v.strip()]
                          if name in _SRCSET_ATTRS else [value])
                self.refs += [Ref(tag, name, v, line, rel) for v in values]
        if tag == "style":
            self._style, self._style_line = [], line

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "style":
            self._style = None

    def handle_data(self, data):
        if self._style is not None:
            if not self._style:
                self._style_line = self.getpos()[0]
            self._style.append(data)

    def handle_endtag(self, tag):
        if tag == "style" and self._style is not None:
            self.refs += css_refs("".join(self._style), self._style_line, tag="style")
            self._style = None


def parse_page(html: str) -> PageRefs:
    """The references and ids of one HTML page."""
    parser = PageRefs()
    parser.feed(html)
    parser.close()
    return parser


def code_scheme(value: str) -> str | None:
    """The scheme of a URL that runs code when followed ("javascript", "vbscript", or
    "data" for data:text/html), else None. Browsers ignore blanks and control characters
    in a scheme, so this does too."""
    compact = re.sub(r"[\x00-\x20]", "", value).lower()
    for scheme in ("javascript:", "vbscript:"):
        if compact.startswith(scheme):
            return scheme[:-1]
    if compact.startswith(("data:text/html", "data:application/xhtml")):
        return "data"
    return None


# --- the Nu HTML Checker ------------------------------------------------------------------------

def _find_file(env: str, default: Path, hint: str) -> tuple[Path | None, str]:
    """(the file, "") from $env if set, else `default`; (None, why) when it does not exist.
    An $env naming a missing file counts as not found: it never falls back to `default`."""
    value = os.environ.get(env, "")
    if value:
        path = Path(value).expanduser()
        return (path, "") if path.is_file() else (None, f"{env}={value}: no such file")
    return (default, "") if default.is_file() else (None, f"no {default.name} ({hint})")


def find_vnu_jar() -> tuple[Path | None, str]:
    """(vnu.jar, "") from $VNU_JAR or tests/js/node_modules; (None, why) when not found."""
    return _find_file("VNU_JAR", DEFAULT_VNU_JAR,
                      "set VNU_JAR, or run `npm ci --prefix tests/js`")


def find_axe_js() -> tuple[Path | None, str]:
    """(axe.min.js, "") from $AXE_JS or tests/js/node_modules; (None, why) when not found."""
    return _find_file("AXE_JS", DEFAULT_AXE_JS, "set AXE_JS, or run `npm ci --prefix tests/js`")


def _count(n: int, word: str) -> str:
    """'1 page', '2 pages'."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _one_line(text: str, limit: int = 300) -> str:
    """`text` on one line, at most `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


# With --also-check-css, vnu 26.9 numbers the lines of HTML documents from 0 (CSS from 1, as
# without the option). So that one run can check both and still name true lines, each run also
# checks this page, whose one error is known to be on _PROBE_LINE, and corrects by the offset.
_LINE_PROBE = ('<!DOCTYPE html>\n<html lang="en">\n<head><title>probe</title></head>\n<body>\n'
               '<img src="probe.png">\n</body>\n</html>\n')
_PROBE_LINE = _LINE_PROBE[:_LINE_PROBE.index("<img")].count("\n") + 1


def run_vnu(files: Iterable[Path], jar: Path | None = None,
            java: str | None = None) -> dict[Path | None, list[dict]]:
    """Every error the Nu HTML Checker reports, per resolved file path (each of `files` is a
    key), from one run over all `files` (HTML, and CSS with --also-check-css), with true
    1-based line numbers; messages that name no file are under None. Raises ToolError when
    Java or vnu.jar is missing, or vnu gives no JSON."""
    files = list(files)
    java = java or shutil.which("java")
    if not java:
        raise ToolError("the Nu HTML Checker needs Java 17+ on PATH (Debian: "
                        "default-jre-headless, installed by .ci/run)")
    if jar is None:
        jar, why = find_vnu_jar()
        if jar is None:
            raise ToolError(f"the Nu HTML Checker is missing: {why}")
    with tempfile.TemporaryDirectory(prefix="coursesite-vnu-") as scratch:
        probe = Path(scratch, "line-probe.html").resolve()
        probe.write_text(_LINE_PROBE, encoding="utf-8")
        try:
            proc = subprocess.run([java, "-jar", str(jar), "--errors-only", "--also-check-css",
                                   "--format", "json", *map(str, files), str(probe)],
                                  capture_output=True, text=True, timeout=VNU_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise ToolError(f"vnu.jar did not finish within {VNU_TIMEOUT} s") from None
        except OSError as exc:
            raise ToolError(f"vnu.jar could not be started: {exc}") from None
    try:
        messages = json.loads(proc.stderr or proc.stdout)["messages"]
    except (ValueError, KeyError, TypeError):
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ToolError(f"vnu.jar gave no JSON (exit {proc.returncode}): "
                        f"{_one_line(tail[0])}") from None
    by_file: dict[Path | None, list[dict]] = {Path(f).resolve(): [] for f in files}
    for m in messages:
        url = m.get("url")
        path = Path(unquote(urlsplit(url).path)).resolve() if url else None
        by_file.setdefault(path, []).append(m)
    probe_lines = [m["lastLine"] for m in by_file.pop(probe, []) if "lastLine" in m]
    offset = _PROBE_LINE - probe_lines[0] if probe_lines else 0
    for path, found in by_file.items():
        if offset and path is not None and path.suffix != ".css":
            for m in found:
                for key in ("firstLine", "lastLine"):
                    if key in m:
                        m[key] += offset
    return by_file


def _site_path(path: Path | None, root: Path) -> str:
    """`path` relative to the site, as in a problem line."""
    if path is None:
        return "(no file)"
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _vnu_gate(root: Path, pages: list[Path], sheets: list[Path]) -> GateResult:
    """The Nu checker's errors in every page and stylesheet, from one run."""
    java = shutil.which("java")
    if not java:
        return GateResult(VNU, False, (), "no Java on PATH (Debian: default-jre-headless)")
    jar, why = find_vnu_jar()
    if jar is None:
        return GateResult(VNU, False, (), why)
    note = f"{_count(len(pages), 'page')}, {_count(len(sheets), 'stylesheet')}"
    if not pages and not sheets:
        return GateResult(VNU, True, (), "no pages")
    try:
        by_file = run_vnu(pages + sheets, jar=jar, java=java)
    except ToolError as exc:
        return GateResult(VNU, True, (str(exc),), note)
    problems = []
    for path in sorted(by_file, key=lambda p: (p is None, str(p))):
        for m in by_file[path]:
            if m.get("type") == "info" or m.get("subType") == "warning":
                continue
            line = m.get("lastLine") or m.get("firstLine") or "?"
            problems.append(f"{_site_path(path, root)}:{line}: {_one_line(m.get('message', ''))}")
    return GateResult(VNU, True, tuple(problems), note)


# --- links and anchors, third-party requests: a static look at the files --------------------------

@dataclass
class _Parsed:
    """What the static gates need of one file."""

    refs: list[Ref]
    ids: set[str]


def _parse_file(path: Path) -> _Parsed:
    """The references (and, of a page, the ids) of one page or stylesheet."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".css":
        return _Parsed(css_refs(text), set())
    page = parse_page(text)
    return _Parsed(page.refs, page.ids)


def _where(rel: str, ref: Ref) -> str:
    """Where a reference is, as a problem line starts: file:line: and the reference."""
    shown = ref.value.strip()
    if ref.tag in ("css", "style"):
        return f"{rel}:{ref.line}: {'@import ' if ref.attr == '@import' else ''}url({shown})"
    return f'{rel}:{ref.line}: <{ref.tag} {ref.attr}="{shown}">'


def _link_problem(ref: Ref, source: Path, root: Path,
                  ids_of) -> tuple[str | None, bool]:
    """(what is wrong with one reference or None, whether it was an internal reference)."""
    value = ref.value.strip()
    if not value:
        return None, False
    scheme = code_scheme(value)
    if scheme:
        return f"scheme '{scheme}:' runs code; it is not allowed in a page", False
    if value.startswith("//"):
        return ("protocol-relative ('//host/...'), which breaks from file://; "
                "write https://"), False
    if value.startswith(("/", "\\")):
        return ("starts with '/', so it breaks under a sub-path and from file://; links must "
                "be relative to the page"), False
    parts = urlsplit(value)
    if parts.scheme == "file":
        return "a file: URL points into the visitor's own disk", False
    if parts.scheme:
        return None, False   # external (https:, mailto:, webcal:, data:image...): not fetched
    if parts.path:
        target = Path(os.path.normpath(source.parent / unquote(parts.path)))
        if not target.is_relative_to(root):
            return f"resolves to {target}, outside the site", True
    else:
        target = source
    rel = _site_path(target, root)
    if target.is_dir():
        return (f"{rel} is a folder, which from file:// shows no page; link to "
                f"{parts.path.rstrip('/')}/index.html"), True
    if not target.is_file():
        return f"{rel} does not exist", True
    if not target.resolve().is_relative_to(root):
        return f"{rel} is a symbolic link to outside the site", True
    fragment = unquote(parts.fragment)
    # A stylesheet's url(#x) means an element of whichever page uses it: not checkable here.
    # "#top" scrolls to the top without an element (HTML spec); ":~:" starts a text fragment.
    if (fragment and ref.tag != "css" and target.suffix in (".html", ".htm", ".svg")
            and fragment.lower() != "top" and not fragment.startswith(":~:")
            and fragment not in ids_of(target)):
        return f"no element with id '{fragment}' on {rel}", True
    return None, True


def _links_gate(root: Path, parsed: dict[Path, _Parsed]) -> GateResult:
    """Every relative reference resolves to a file of the site, and its #fragment to an id."""
    @functools.cache
    def ids_of(path: Path) -> frozenset[str]:
        if path in parsed:
            return frozenset(parsed[path].ids)
        if path.suffix == ".css":
            return frozenset()
        return frozenset(_parse_file(path).ids)

    problems, checked = [], 0
    for source, found in parsed.items():
        rel = _site_path(source, root)
        for ref in found.refs:
            problem, internal = _link_problem(ref, source, root, ids_of)
            checked += internal
            if problem:
                problems.append(f"{_where(rel, ref)}: {problem}")
    pages = sum(p.suffix != ".css" for p in parsed)
    return GateResult(LINKS, True, tuple(problems),
                      f"{_count(pages, 'page')}, {_count(len(parsed) - pages, 'stylesheet')}, "
                      f"{_count(checked, 'internal reference')}")


# What makes a browser fetch a resource when it opens a page (not a link a visitor follows).
_LOADING_ATTRS = {"src", "srcset", "imagesrcset", "poster"}
_LOADING_HREF_TAGS = {"image", "use", "feimage"}   # SVG elements that fetch their href
_LOADING_RELS = {"stylesheet", "icon", "preload", "modulepreload", "manifest", "prefetch",
                 "preconnect", "dns-prefetch", "apple-touch-icon",
                 "apple-touch-icon-precomposed", "mask-icon"}


def _loads(ref: Ref) -> bool:
    """Whether opening the page makes the browser fetch this reference."""
    if ref.tag in ("css", "style") or ref.attr in _LOADING_ATTRS:
        return True
    if ref.attr == "data":
        return ref.tag == "object"
    if ref.attr in ("href", "xlink:href"):
        return (ref.tag in _LOADING_HREF_TAGS
                or (ref.tag == "link" and bool(_LOADING_RELS & set(ref.rel.split()))))
    return False


def _other_host(value: str) -> str | None:
    """The host an absolute http(s) or protocol-relative URL names, else None."""
    value = re.sub(r"[\x00-\x20]", "", value)
    if value.startswith("//"):
        value = "https:" + value
    parts = urlsplit(value)
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return parts.hostname or parts.netloc
    return None


def _third_party_gate(root: Path, parsed: dict[Path, _Parsed]) -> GateResult:
    """No resource a browser loads on opening a page comes from another host."""
    problems, loads = [], 0
    for source, found in parsed.items():
        rel = _site_path(source, root)
        for ref in found.refs:
            if not _loads(ref):
                continue
            loads += 1
            host = _other_host(ref.value)
            if host:
                problems.append(f"{_where(rel, ref)}: loads from another host ({host}) on "
                                "every visit; serve a copy from the site")
    return GateResult(THIRD_PARTY, True, tuple(problems),
                      f"{_count(len(parsed), 'file')}, "
                      f"{_count(loads, 'resource')} a browser loads")


# --- axe-core in Chromium -----------------------------------------------------------------------

AXE_RUN = """async (tags) => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                     resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200),
                              summary: (n.failureSummary || '').replace(/\\s+/g, ' ')}))}));
}"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".css": "text/css",
                      ".ics": "text/calendar; charset=utf-8", ".xml": "application/atom+xml"}

    def log_message(self, *args):   # the report is the output, not an access log
        pass


class _Server:
    """A stdlib HTTP server on 127.0.0.1 (a free port) serving `site` under SUB_PATH."""

    def __init__(self, site: Path):
        # The sub-path is a symbolic link in a scratch folder: nothing outside it is served.
        self._scratch = tempfile.TemporaryDirectory(prefix="coursesite-gates-")
        mount = Path(self._scratch.name, *SUB_PATH.strip("/").split("/"))
        mount.parent.mkdir(parents=True)
        mount.symlink_to(site, target_is_directory=True)
        handler = functools.partial(_QuietHandler, directory=self._scratch.name)
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.base = self.origin + SUB_PATH
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self._scratch.cleanup()


def _axe_gate(root: Path, pages: list[Path]) -> GateResult:
    """axe-core's WCAG 2.1 A/AA violations on every page, in one headless Chromium."""
    if importlib.util.find_spec("playwright") is None:
        return GateResult(AXE, False, (), "Python package playwright is not installed "
                                          "(make install-test)")
    if not Path(CHROMIUM).is_file():
        return GateResult(AXE, False, (), f"no Chromium at {CHROMIUM} (Debian: chromium)")
    axe_js, why = find_axe_js()
    if axe_js is None:
        return GateResult(AXE, False, (), why)
    try:
        from playwright.sync_api import Error as PlaywrightError  # noqa: PLC0415
        from playwright.sync_api import sync_playwright  # noqa: PLC0415
    except ImportError as exc:
        return GateResult(AXE, False, (), f"playwright does not import: {_one_line(str(exc))}")
    note = f"{_count(len(pages), 'page')} at 1280 px, light"
    if not pages:
        return GateResult(AXE, True, (), "no pages")
    axe_source = axe_js.read_text(encoding="utf-8")
    server = _Server(root)
    problems = []
    try:
        with sync_playwright() as p:
            try:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                            args=CHROMIUM_ARGS)
            except PlaywrightError as exc:
                return GateResult(AXE, True, (f"Chromium failed to start: "
                                              f"{_one_line(str(exc))}",), note)
            try:
                context = browser.new_context(viewport={"width": 1280, "height": 900},
                                              color_scheme="light")
                # axe in every page and frame, before the page's own scripts (and whatever
                # Content-Security-Policy they set); nothing leaves 127.0.0.1 while checking.
                context.add_init_script(script=axe_source)
                context.route(re.compile("^(?!" + re.escape(server.origin + "/") + ")"),
                              lambda route: route.abort())
                page = context.new_page()
                for path in pages:
                    rel = _site_path(path, root)
                    problems += _axe_page(page, server.base + quote(rel), rel, PlaywrightError)
            finally:
                browser.close()
    except PlaywrightError as exc:
        problems.append(f"Chromium failed: {_one_line(str(exc))}")
    finally:
        server.close()
    return GateResult(AXE, True, tuple(problems), note)


def _axe_page(page, url: str, rel: str, error_type) -> list[str]:
    """Problem lines for one page: axe's violations, or why it could not be checked."""
    try:
        response = page.goto(url, wait_until="load", timeout=PAGE_TIMEOUT)
        if response is not None and not response.ok:
            return [f"{rel}:  HTTP {response.status}"]
        violations = page.evaluate(AXE_RUN, AXE_TAGS)
    except error_type as exc:
        return [f"{rel}:  axe could not run: {_one_line(str(exc))}"]
    return [f"{rel}:  {v['id']}: {v['help']} ({_count(len(v['nodes']), 'node')})"
            for v in violations]


# --- all gates ----------------------------------------------------------------------------------

def run_gates(site_dir: Path) -> list[GateResult]:
    """Every gate over the built site in `site_dir`, in the order Nu HTML Checker, links and
    anchors, third-party requests, axe; a gate failed when it ran and has problems. Raises
    NotADirectoryError when site_dir is not a folder; never raises for a missing or failing
    tool (see the module docstring)."""
    root = Path(site_dir).resolve()
    if not root.is_dir():
        raise NotADirectoryError(f"{site_dir}: no built site here")
    pages = sorted(p for p in root.rglob("*") if p.suffix in (".html", ".htm") and p.is_file())
    sheets = sorted(p for p in root.rglob("*.css") if p.is_file())
    # vnu (a Java process) runs while the other gates do; Playwright's sync API stays here.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        vnu = pool.submit(_vnu_gate, root, pages, sheets)
        parsed = {path: _parse_file(path) for path in pages + sheets}
        links = _links_gate(root, parsed)
        third_party = _third_party_gate(root, parsed)
        axe = _axe_gate(root, pages)
        return [vnu.result(), links, third_party, axe]


def gates_report(results: Iterable[GateResult]) -> str:
    """One line per gate, "name  passed (note)", "name  FAILED (n problems)" or
    "name  skipped: reason", each problem indented beneath its gate."""
    results = list(results)
    width = max((len(r.name) for r in results), default=0)
    lines = []
    for r in results:
        if not r.ran:
            status = f"skipped: {r.note}"
        elif r.problems:
            n = len(r.problems)
            status = f"FAILED ({n} problem{'' if n == 1 else 's'})"
        else:
            status = f"passed ({r.note})" if r.note else "passed"
        lines.append(f"{r.name:<{width}}  {status}")
        lines += [f"    {p}" for p in r.problems]
    return "\n".join(lines)
