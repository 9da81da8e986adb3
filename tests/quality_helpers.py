"""Helpers of tests/test_quality.py: the sites it builds, a quiet HTTP server, the Nu HTML
Checker, a link crawler, and the scripts it runs inside Chromium. No test lives here."""
from __future__ import annotations

import datetime as dt
import functools
import http.server
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import urlopen

# The Nu checker runner and the reference parser are the ones `make check` uses.
from helpers import theme_assets

from coursesite.gates_browser import AXE_RUN, AXE_TAGS, CHROMIUM_ARGS  # noqa: F401
from coursesite.gates_vnu import run_vnu  # noqa: F401
from coursesite.html_refs import code_scheme, css_refs, parse_page  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
JS = ROOT / "tests" / "js" / "node_modules"
AXE_JS = JS / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"

SUB_PATH = "/teaching/"        # every site is served below it, as on university webspace
NOW = dt.datetime(2026, 5, 20, 10, 0)          # build time (local to each site)
CLOCK = "2026-05-20T10:00:00+02:00"            # the browser's clock: inside the summer term
PAGE_TYPES = {"landing": "index.html", "course": "index.html", "schedule": "schedule.html",
              "projects": "projects.html"}
COURSE_PAGE_BUDGET = 60_000    # bytes, uncompressed: course page + its CSS + its JavaScript

# What the XSS fixture's text fields are made of (tests/fixtures/xss/); the fixture combines
# them, and the checks below look for every one of them as text.
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)",
    "javascript:alert(1)",
    "<svg onload=alert(1)>",
    "</table></td><b>",
    "<iframe src=javascript:alert(1)>",
    "{{ 7*7 }}",
]


@dataclass(frozen=True)
class SiteSpec:
    """A content folder to build, and what its assets folder needs besides assets/."""

    name: str
    content: Path
    extra_assets: dict = field(default_factory=dict)   # path under assets/ -> bytes
    prefixes: tuple = ("",)  # each language's prefix ('de/'): site.yaml's languages
    strict: bool = True      # False: its warnings are what it shows (untranslated texts)

    def offerings(self) -> list[str]:
        """Offering folders, as the loader picks them (drafts start with '_' or '.')."""
        return sorted(p.name for p in self.content.iterdir()
                      if p.is_dir() and not p.name.startswith(("_", ".")))

    def landing_pages(self) -> list[str]:
        """The landing page in each of the site's languages."""
        return [f"{prefix}index.html" for prefix in self.prefixes]

    def pages(self) -> list[str]:
        """Every page the generator should write for this content: a projects page only for
        an offering with a projects.yaml (the fixtures' projects files all say something)."""
        return self.landing_pages() + [
            f"{prefix}{slug}/{page}" for prefix in self.prefixes
                                 for slug in self.offerings()
                                 for page in ("index.html", "schedule.html", "projects.html")
                                 if page != "projects.html"
                                 or (self.content / slug / "projects.yaml").exists()]


SITES = [
    SiteSpec("default", FIXTURES / "amls"),
    SiteSpec("german", FIXTURES / "amls_de"),
    SiteSpec("winter", FIXTURES / "winter", {"ws26_xyz/01-intro.pdf": b"%PDF-1.4\n%%EOF\n"}),
    SiteSpec("xss", FIXTURES / "xss"),
    SiteSpec("archive", FIXTURES / "archive"),
    SiteSpec("bilingual", FIXTURES / "bilingual", prefixes=("", "de/"), strict=False),
]
SITE_BY_NAME = {s.name: s for s in SITES}
ALL_PAGES = [(s.name, p) for s in SITES for p in s.pages()]


def page_id(site_page: tuple[str, str]) -> str:
    return "/".join(site_page)


def build_sites(tmp: Path) -> Path:
    """Build every site into tmp/www/teaching/<name>/ from private copies of its content
    (a build writes calendar state into the content folder); returns tmp/www."""
    from coursesite.pipeline import Project, build  # noqa: PLC0415

    www = tmp / "www"
    for spec in SITES:
        content = shutil.copytree(spec.content, tmp / f"content-{spec.name}")
        assets = theme_assets(tmp / f"assets-{spec.name}")
        for rel, data in spec.extra_assets.items():
            (assets / rel).parent.mkdir(parents=True, exist_ok=True)
            (assets / rel).write_bytes(data)
        build(Project(content=content, assets=assets), www / SUB_PATH.strip("/") / spec.name,
              strict=spec.strict, now=NOW)
    return www


# --- the server ------------------------------------------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".ics": "text/calendar; charset=utf-8", ".xml": "application/atom+xml",
                      ".js": "text/javascript", ".css": "text/css"}

    def log_message(self, *args):  # keep pytest's output readable
        pass


class SiteServer:
    """http.server on 127.0.0.1 (a free port) serving `root`, in a daemon thread."""

    def __init__(self, root: Path):
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def base(self, site: str) -> str:
        """The URL the site is served at, ending in '/'."""
        return f"{self.origin}{SUB_PATH}{site}/"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# --- the Nu HTML Checker -----------------------------------------------------------------------

def vnu_line(m: dict) -> str:
    where = f"{m.get('lastLine', m.get('firstLine', '?'))}:{m.get('firstColumn', '?')}"
    extract = (m.get("extract") or "").replace("\n", "\\n")
    return f"  line {where}: {m.get('type')}: {m.get('message')}\n      near: {extract[:160]}"


# --- the link crawler -----------------------------------------------------------------------

@dataclass
class Crawl:
    """What a crawl of one site found: pages reached and every problem, one line each."""

    pages: set = field(default_factory=set)
    problems: list = field(default_factory=list)
    refs_checked: int = 0


def fetch(url: str) -> tuple[int, bytes, str]:
    """(status, body, content type) of a GET; status 0 when nothing answered."""
    try:
        with urlopen(url, timeout=10) as resp:
            return resp.status, resp.read(), resp.headers.get("Content-Type", "")
    except HTTPError as exc:
        return exc.code, b"", ""
    except URLError as exc:
        return 0, str(exc).encode(), ""


def crawl(base: str) -> Crawl:
    """Follow every internal href/src from base + index.html over HTTP; check each reference
    resolves inside the site, each #anchor exists on its target page, and no reference is
    root-relative (which breaks both a sub-path and file://) or uses a scheme that runs code."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base))
    result = Crawl()
    cache: dict[str, tuple[int, bytes, str]] = {}
    ids: dict[str, set] = {}

    def get(url):
        if url not in cache:
            cache[url] = fetch(url)
        return cache[url]

    def ids_of(url):
        if url not in ids:
            status, body, ctype = get(url)
            ids[url] = parse_page(body.decode("utf-8", "replace")).ids if "html" in ctype else set()
        return ids[url]

    queue = [base + "index.html"]
    while queue:
        page = queue.pop()
        if page in result.pages:
            continue
        result.pages.add(page)
        status, body, ctype = get(page)
        name = page[len(base):]
        if status != 200:
            result.problems.append(f"{name}: HTTP {status}")
            continue
        if "css" in ctype:
            refs = css_refs(body.decode("utf-8", "replace"))
        elif "html" in ctype:
            parsed = parse_page(body.decode("utf-8", "replace"))
            ids[page] = parsed.ids
            refs = parsed.refs
        else:
            continue
        for ref in refs:
            where = f"{name}:{ref.line}: <{ref.tag} {ref.attr}=\"{ref.value}\">"
            value = ref.value.strip()
            scheme = code_scheme(value) or urlsplit(value).scheme.lower()
            if value.startswith("/"):
                result.problems.append(f"{where}: starts with '/', so it breaks under a sub-path "
                                       "and from file://; links must be relative to the page")
                continue
            if scheme in ("mailto", "webcal", "tel"):
                continue
            if scheme not in ("", "http", "https"):
                result.problems.append(f"{where}: scheme '{scheme}:' is not allowed in a page")
                continue
            target = urljoin(page, value)
            if scheme and not target.startswith(origin + "/"):
                continue  # an external link: following it is not this test's business
            result.refs_checked += 1
            address, _, anchor = target.partition("#")
            if not address.startswith(base):
                result.problems.append(f"{where}: resolves to {address}, outside the site "
                                       f"({base})")
                continue
            status, _, ctype = get(address)
            if status != 200:
                result.problems.append(f"{where}: {address[len(base):]} -> HTTP {status}")
                continue
            if anchor and unquote(anchor) not in ids_of(address):
                result.problems.append(f"{where}: no element with id '{unquote(anchor)}' on "
                                       f"{address[len(base):]}")
            if ("html" in ctype or "css" in ctype) and address not in result.pages:
                queue.append(address)
    return result


# --- scripts run inside the page ----------------------------------------------------------------

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const cs = getComputedStyle(el), r = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), cls: el.className || '', id: el.id || '',
          href: el.getAttribute('href'), text: (el.textContent || '').trim().slice(0, 60),
          outlineStyle: cs.outlineStyle, outlineWidth: parseFloat(cs.outlineWidth) || 0,
          outlineColor: cs.outlineColor, top: r.top, bottom: r.bottom, left: r.left,
          right: r.right, width: r.width, height: r.height, innerWidth: innerWidth,
          innerHeight: innerHeight, visibility: cs.visibility, opacity: cs.opacity,
          clip: cs.clipPath, html: el.outerHTML.slice(0, 160)};
}"""

MOTION = """() => {
  const out = [];
  const zero = v => v.split(',').every(d => parseFloat(d) === 0);
  for (const el of document.querySelectorAll('*')) {
    for (const pseudo of [null, '::before', '::after']) {
      const cs = getComputedStyle(el, pseudo);
      if (!zero(cs.transitionDuration) || !zero(cs.animationDuration)) {
        out.push({el: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                      (el.className && typeof el.className === 'string'
                       ? '.' + el.className.trim().replace(/\\s+/g, '.') : '') +
                      (pseudo || ''),
                  transition: cs.transitionDuration, animation: cs.animationDuration});
      }
    }
  }
  return {moving: out, scroll: getComputedStyle(document.documentElement).scrollBehavior};
}"""

OVERFLOW = """(limit) => {
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > limit + 0.5 &&
        ![...el.children].some(c => c.getBoundingClientRect().right > limit + 0.5)) {
      wide.push(el.tagName.toLowerCase() +
                (el.className ? '.' + String(el.className).trim().replace(/\\s+/g, '.') : '') +
                ' right=' + Math.round(r.right) + ': ' + el.outerHTML.slice(0, 120));
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 8)};
}"""

RENDERED = """(selector) => [...document.querySelectorAll(selector)].map(el => ({
  html: el.outerHTML.slice(0, 100), display: getComputedStyle(el).display,
  rendered: el.getClientRects().length > 0 && el.checkVisibility()}))"""

# XSS: record every call of the dialog functions, in every frame, before any page script runs.
TRAP = """(() => {
  window.__fired = [];
  for (const name of ['alert', 'confirm', 'prompt', 'print', 'open']) {
    const record = (...args) => {
      (window.top.__fired || window.__fired).push(name + '(' + args.join(',') + ')');
    };
    try {
      Object.defineProperty(window, name, {value: record, writable: false, configurable: false});
    }
    catch (e) { window[name] = record; }
  }
  // Clicking a link must not navigate away (the page would be gone), except where its
  // address would run code: that is what this test is looking for, so let it happen.
  document.addEventListener('click', e => {
    const a = e.target.closest && e.target.closest('a[href], area[href]');
    if (a && /^(https?|file|mailto|webcal):/i.test(a.href)) e.preventDefault();
  }, true);
})();"""

PROVOKE = """async () => {
  const events = ['mouseover', 'mouseenter', 'mousemove', 'mousedown', 'mouseup', 'focus',
                  'focusin', 'blur', 'keydown', 'input', 'change', 'load', 'error',
                  'animationstart', 'transitionend', 'toggle', 'pointerover', 'pointerdown',
                  'dblclick'];
  const all = [...document.querySelectorAll('body *')];
  for (const el of all) {
    for (const type of events) {
      el.dispatchEvent(new Event(type, {bubbles: true, cancelable: true}));
    }
    if (typeof el.click === 'function') el.click();
  }
  await new Promise(r => setTimeout(r, 300));
  return all.length;
}"""

STATIC_XSS = """() => {
  const bad = [];
  const own = ['coursesite.js', 'search.js'];  // the theme's scripts (THEME_ASSETS)
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (['iframe', 'svg', 'img', 'object', 'embed', 'frame', 'b', 'base', 'form'].includes(tag)) {
      bad.push('element <' + tag + '>: ' + el.outerHTML.slice(0, 120));
    }
    if (tag === 'script' && !(el.src && own.some(n => el.src.endsWith('/assets/' + n)) &&
                              !el.text.trim())) {
      bad.push("script other than the theme's: " + el.outerHTML.slice(0, 120));
    }
    for (const attr of el.attributes) {
      const v = attr.value.trim().toLowerCase();
      if (attr.name.startsWith('on')) {
        bad.push('event handler attribute ' + attr.name + ' on <' + tag + '>: ' +
                 el.outerHTML.slice(0, 120));
      }
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data'].includes(attr.name) &&
          /^(javascript|data|vbscript):/.test(v.replace(/[\\s\\x00-\\x1f]/g, ''))) {
        bad.push(attr.name + '="' + attr.value + '" on <' + tag + '>');
      }
    }
  }
  return bad;
}"""
