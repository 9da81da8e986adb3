"""The axe gate: axe-core's WCAG 2.1 A/AA violations on every page, in one headless Chromium
(through Playwright) against a server on 127.0.0.1. Where Chromium is comes from the caller
(gates.CHROMIUM), so that it can be pointed elsewhere.
"""
from __future__ import annotations

import functools
import http.server
import importlib.util
import re
import tempfile
import threading
from pathlib import Path
from urllib.parse import quote

from .gates_common import _NODE_MODULES, GateResult, _count, _find_file, _one_line, _site_path

DEFAULT_AXE_JS = _NODE_MODULES / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Served below a sub-path, as on university webspace, so a reference that only works at the
# server's root shows up in the browser as well.
SUB_PATH = "/teaching/site/"
PAGE_TIMEOUT = 30_000   # milliseconds, per page load in Chromium

AXE = "axe (WCAG 2.1 AA)"


def find_axe_js() -> tuple[Path | None, str]:
    """(axe.min.js, "") from $AXE_JS or tests/js/node_modules; (None, why) when not found."""
    return _find_file("AXE_JS", DEFAULT_AXE_JS, "set AXE_JS, or run `npm ci --prefix tests/js`")


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


def _axe_gate(root: Path, pages: list[Path], chromium: str) -> GateResult:
    """axe-core's WCAG 2.1 A/AA violations on every page, in one headless Chromium (the
    executable at `chromium`)."""
    if importlib.util.find_spec("playwright") is None:
        return GateResult(AXE, False, (), "Python package playwright is not installed "
                                          "(make install-test)")
    if not Path(chromium).is_file():
        return GateResult(AXE, False, (), f"no Chromium at {chromium} (Debian: chromium)")
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
                browser = p.chromium.launch(executable_path=chromium, headless=True,
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
