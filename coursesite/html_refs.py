"""The references and ids of a built page or stylesheet: every URL it refers to (attributes,
srcset, url() and @import in its CSS, inline or in a <style>) with its line, and every id it
defines. Used by the links and third-party gates (gates.py) and by tests/quality_helpers.py.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import NamedTuple

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
