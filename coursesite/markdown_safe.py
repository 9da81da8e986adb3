"""Markdown with Python-Markdown, made safe: raw HTML shown as text, links and images only
with schemes that run no code. The renderer of every text the fast path (markdown_fast)
does not take; imported only then (render.markdown), since most builds need none of it
(Python-Markdown's import is a thirtieth of a one-offering build).
"""
from __future__ import annotations

import html
import re
from functools import lru_cache

import markdown as markdown_lib

from . import schema as S
from .render import safe_url

_ENTITY = re.compile(r"&(?:#[0-9]+|#x[0-9a-f]+|[0-9a-z]+);", re.I)


def _safe_href(url: str) -> bool:
    """Links markdown may keep: http(s) and mailto (the schemes URL fields allow) and anchors
    in the page; relative links are dropped, since their target is not checked."""
    return bool(S.OUTSIDE_SCHEME.match(url)) or url.startswith("#")


class _SafeLinks(markdown_lib.treeprocessors.Treeprocessor):
    """Drop links and images whose scheme could run code (javascript:, data:, ...); an image
    without a source becomes its alt text (an <img> without src is invalid HTML). Kept links
    are percent-encoded like every other URL (see `safe_url`)."""

    def run(self, root):
        for element in root.iter():
            for attr in ("href", "src"):
                value = element.get(attr)
                if value is None:
                    continue
                if _safe_href(value.strip()):
                    # Markdown's serializer keeps "&name;" in attributes as an entity, which
                    # the browser decodes: decode it first, so safe_url sees what it means.
                    element.set(attr, safe_url(_ENTITY.sub(lambda m: html.unescape(m[0]),
                                                           value.strip())))
                elif element.tag == "img":
                    alt = element.get("alt", "")
                    element.tag, element.text = "span", alt
                    element.attrib.clear()
                else:
                    del element.attrib[attr]


class _SafeMarkdown(markdown_lib.Extension):
    """Raw HTML in markdown is shown as text, never passed through (content is not trusted
    to be HTML-safe: a pasted snippet must not break or script the page)."""

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SafeLinks(md), "safe_links", 0)


@lru_cache(maxsize=1)
def converter() -> markdown_lib.Markdown:
    """The one Markdown converter of the process, reset before each text: building one costs
    more than converting a typical field (a third of all markdown time, measured)."""
    return markdown_lib.Markdown(extensions=[_SafeMarkdown(), "sane_lists"],
                                 output_format="html")
