"""A fast path for the markdown most course texts use: the same HTML as render's Python-Markdown
converter, byte for byte, built with a few regular expressions instead of an element tree.

`render(text)` returns that HTML, or None for any text outside the subset below; the caller
then uses Python-Markdown. The subset is kept small enough to check by reading Python-Markdown
3.11 (the comments say why each rule holds) and is tested against it, property and examples
(tests/test_markdown_fast.py):

- blocks separated by blank lines: paragraphs, and tight lists whose every line is "- item"
  (not right after another list: Python-Markdown would join the two into one loose list);
- a line (or item) begins with a letter or digit (not "1." or "1)"), `*`, `[`, a backtick,
  "(" or a quote, and ends without a space: no block marker, indent or hard break;
- inline: `code` (single backticks, one line), *em* and **strong** holding plain text on one
  line, [plain text](http(s) URL of plain URL characters), and plain text: any character but
  control characters, white space other than space and newline, and the markup characters
  ` * [ ] \\ < (so no escapes, raw HTML or autolinks); `&` only where no entity can start
  (letters as a case-insensitive match sees them), `_` only inside a word (where smart
  emphasis never opens or closes), `!` never before `[`.
"""
from __future__ import annotations

import re
from html import escape

# One character of plain text (not a newline). Python-Markdown's serializer escapes & < > in
# text, never quotes; an `&` before no "#", letter or digit starts no entity, so it always
# becomes &amp; (letters as its case-insensitive match sees them: "İ", "ı", "ſ" and the
# Kelvin sign too). A smart `_` opens or closes emphasis only next to a non-word character,
# so one between two letters or digits stays text. `!` before `[` would start an image.
_OTHER = r"(?:[ ]|(?<=[^\W_])_(?=[^\W_])|&(?!(?i:[#0-9a-z]))|!(?!\[))"
_ORDINARY = r"[^\s\x00-\x1f\x7f-\x9f`*_\[\]\\<&!]"
_PLAIN = rf"(?:{_ORDINARY}|{_OTHER})"
_SOLID = rf"(?:(?![ ]){_PLAIN})"  # the same, but not a space

_TOKEN = re.compile(rf"""
    # Code: Python-Markdown pairs a backtick with the next run of as many backticks (all are
    # single, since "``" is refused) and strips the content.
    `(?P<code>[^`\\\n\x00-\x1f\x7f-\x9f]+)`
    # Emphasis: a run of one or two asterisks, plain content that neither begins nor ends with
    # a space, the same run closing it. Whatever surrounds it, the delimiter processor then
    # sees an opener, and the next asterisk is a closer of the same length: they pair.
  | (?<!\*)(?P<mark>\*\*?)(?P<emph>{_SOLID}(?:{_PLAIN}*{_SOLID})?)(?P=mark)(?!\*)
    # A link: no brackets, quotes, parentheses, spaces or ";" in the URL, so its end is the
    # first ")" and no title is read; `markdown_safe._SafeLinks` keeps http(s) and `safe_url`
    # changes none of these characters; without ";" no `&` is an entity, so each becomes
    # &amp; in the attribute.
  | \[(?P<text>{_PLAIN}+)\]\((?P<url>https?://(?:[-A-Za-z0-9._~:/?\#=+,@&]|%[0-9A-Fa-f]{{2}})+)\)
  | (?P<plain>(?:{_ORDINARY}++|{_OTHER})+)  # ++: whole runs at a time (quicker)
""", re.X)

# What a paragraph line or a list item (after its "- ") may not start with: every block marker
# (headers, quotes, lists, rules, setext underlines, indented code) begins with some other
# character, or with a number and a dot; a `*` here opens emphasis (a list needs "* ", a rule
# only asterisks), a `[` a link (a reference definition needs "]:").
_LINE_START = re.compile(r"""(?![^\W_]|[*\[`("'])|\d+[.)]""")
# Python-Markdown splits blocks at "\n\n" and skips the empty lines left over.
_BLOCKS = re.compile(r"\n{2,}")


def render(text: str) -> str | None:
    """The HTML Python-Markdown makes of `text` if `text` is in the subset, else None."""
    # "``" could pair backticks otherwise than one by one; a space before a line break could be
    # a hard break (two spaces).
    if "``" in text or "![" in text:
        return None
    text = text.strip("\n")
    if not text or text.endswith(" ") or " \n" in text:
        return None
    out, after_list = [], False
    for block in _BLOCKS.split(text):
        if block.startswith("- "):
            if after_list:
                return None
            items = []
            for line in block.split("\n"):
                html = _inline(line[2:]) if line.startswith("- ") else None
                if html is None:
                    return None
                items.append(f"<li>{html}</li>\n")
            out.append("<ul>\n" + "".join(items) + "</ul>")
            after_list = True
        else:
            parts = []
            for line in block.split("\n"):
                html = _inline(line)
                if html is None:
                    return None
                parts.append(html)
            out.append("<p>" + "\n".join(parts) + "</p>")
            after_list = False
    return "\n".join(out)


def _inline(line: str) -> str | None:
    """One line's inline HTML, or None if it is outside the subset. No token spans lines, so
    the backticks and asterisks Python-Markdown pairs across a paragraph are these pairs."""
    if _LINE_START.match(line):
        return None
    out, pos, end = [], 0, len(line)
    while pos < end:
        m = _TOKEN.match(line, pos)
        if m is None:
            return None
        kind = m.lastgroup
        if kind == "code":
            out.append(f"<code>{escape(m['code'].strip(), quote=False)}</code>")
        elif kind == "emph":
            tag = "em" if m["mark"] == "*" else "strong"
            out.append(f"<{tag}>{escape(m['emph'], quote=False)}</{tag}>")
        elif kind == "url":
            url = m["url"].replace("&", "&amp;")
            out.append(f'<a href="{url}">{escape(m["text"], quote=False)}</a>')
        else:
            out.append(escape(m["plain"], quote=False))
        pos = m.end()
    return "".join(out)
