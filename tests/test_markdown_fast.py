"""The markdown fast path (coursesite/markdown_fast.py) against Python-Markdown itself: whenever
the fast path answers, its HTML is byte-identical to the converter render.markdown falls back
to; and it does answer for the texts courses typically hold (else the property is vacuous).
"""
from __future__ import annotations

import os

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from coursesite import markdown_safe, render
from coursesite.markdown_fast import render as fast

EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", 1000))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None)


def reference(text: str) -> str:
    """What the real Python-Markdown converter makes of `text` (render's fallback)."""
    return markdown_safe.converter().reset().convert(text)


def check(text: str) -> str | None:
    """The fast path's answer for `text`, asserted equal to Python-Markdown's when it has one."""
    html = fast(text)
    if html is not None:
        assert html == reference(text), text
    return html


# Texts from the benchmark workload and the fixtures: each must take the fast path.
TYPICAL = [
    "With Kofi Tanaka.",
    "Transaction energy system journal lock log thread heap table. We use *process* and "
    "`scheduler_table()` heavily. Memory system lock system kernel socket thread.",
    "See [the space notes](https://example.org/notes/process.html) for **background**.\n\n"
    "Queue garbage clock scheduler lock. We use *timer* and `compiler_scheduler()` heavily.\n",
    "Deliverables:\n\n- a prototype in `postgresql`\n- an evaluation\n- a 4-page report\n",
    "Grading is based on the project and the final exam:\n\n- Project (teams): **50%**\n"
    "- Written exam: **50%**\n\nA bonus of up to 0.3 grade steps is given for *excellent* reviews.",
    "Lecture notes\nspan two lines; \"quotes\" and 'apostrophes' stay, > and & are escaped.",
    "Übung: *Gödel* and `a < b && c > d` (see [Wiki](http://de.wikipedia.org/wiki/G%C3%B6del)).",
    "Use snake_case names, e.g. `max_value`; this is #1... *and this is emphasis*!",
    "[Start here](https://example.org/a?x=1&y=2#top) and **read** *all*.",
]


@pytest.mark.parametrize("text", TYPICAL)
def test_typical_texts_take_the_fast_path_and_match_python_markdown(text):
    assert check(text) is not None


# Edge cases near the subset's border: each is either refused or identical.
EDGES = [
    "a &ſt; b", "*a&ſ;*", "- X{&İ;", "&K; &ı;",  # letters only case-insensitive matching sees
    "", "\n", "a", "a\n\n\n\nb", "\n\na\n\n", "a \nb", "a  \nb", "a\n b", "    code",
    "# h", "a\n# h", "a\n=", "a\n---", "- a\n\n- b", "- a\nb", "-  a", "- ", "* a", "+ a",
    "1. a", "1) a", "2024. A year", "> q", "a > b", "[r]: https://x.org", "a\n[r]: https://x.org",
    "*a*b", "a*b*c", "(*a*)", "*a*.", "**a**.", "*a**b*", "**a***", "***a***", "* a*", "*a *",
    "**a*", "*a**", "*a* *b*", "*a\nb*", "`a`*b*", "*b*`a`", "` a `", "` `", "`a``b`", "``a``",
    "`a\nb`", "`*a*`", "`[a](b)`", "`&amp; <b>`", "a_b", "_a_", "a_ b", "a__b", "*a_b*",
    "[a_b](https://x.org)", "&amp;", "&#1;", "& b", "a&b", "a &", "!", "a! [b](https://x.org)",
    "![b](https://x.org)", "a!\n[b](https://x.org)", "[a](https://x.org)(b)", "[](https://x.org)",
    "[ a ](https://x.org)", "[a](https://x.org \"t\")", "[a](javascript:x)", "[a](HTTP://x.org)",
    "[a](https://x.org/%zz)", "[a](https://x.org/a;b)", "[a](<https://x.org>)", "<https://x.org>",
    "a<b", "a\\*b", "a\tb", "a\rb", "a\x02b", "a\u00a0b", "a\u2028b", "\u00e9t\u00e9", "\u0663. x",
    "a `b` c `d` e", "3 * 4 is not *emphasis*", "- *a*\n- **b**\n- [c](https://x.org)\n- `d`",
    "p\n\n- a\n\np\n\n- b",
]


@pytest.mark.parametrize("text", EDGES)
def test_edge_cases_are_refused_or_identical(text):
    check(text)


# Random texts from characters that mean something to markdown (and some that do not).
TRICKY = "*`_&<>\"'\\[]()#-+=!.:;|~0123456789 \n\taAzZ\u00e9\u00df\u4e2d\u00a0"


@SETTINGS
@given(st.text(alphabet=TRICKY, max_size=40))
def test_random_characters_are_refused_or_identical(text):
    check(text)


# Random texts from markdown's pieces: these take the fast path often enough to test it.
PIECES = st.sampled_from([
    "word", "Wörter", "日本", "a", "1", "2.", "3)", " ", " ", "  ", "\n", "\n\n", "\n\n\n", "- ",
    "*", "**", "***", "`", "_", "__", "&", "&amp;", "&#x26;", "<", ">", "\"", "'", "\\", "!",
    "[", "]", "(", ")", "](", "#", "=", "---", ".", ",", ";", ":", "\u00a0", "\t",
    "*em*", "**strong**", "*two words*", "`code`", "`a_b()`", "` x `", "`<&>`", "a_b", "_x_",
    "[link](https://example.org/a)", "[x](http://x.org/?a=1&b=2)", "[y](mailto:a@b.org)",
    "[z](https://x.org/a%20b)", "(https://x.org)",
])


@SETTINGS
@given(st.lists(PIECES, max_size=14).map("".join))
@example("Intro.\n\n- *a*\n- b\n\nMore `c`.")
def test_random_markdown_is_refused_or_identical(text):
    check(text)


# Random texts built from the subset's own pieces, glued with or without spaces: most are in
# the subset, so the fast path's answers are tested in depth.
WORD = st.sampled_from(["word", "Wörter", "日本", "a", "b_c", "3", "x&", "& y", ">", "\"q\"", "'s",
                        "(p)", "e.g.", "!", "#1", "a-b", "50%", ";", "x.", "é"])
CODE = st.sampled_from(["x", "a_b()", " y ", "<&>", "*", "[a](b)", "&amp;", "'\"", "# -"])
URL = st.sampled_from(2 * ["https://example.org/a.html", "http://x.org/?a=1&b=2#c",
                            "https://x.org/%41", "https://x.org/a_b~c:d@e+f,g=h"]
                       + ["HTTPS://X.ORG", "mailto:a@b.org", "https://x.org/(a)",
                          "https://x.org/%zz", "ftp://x.org", "#top"])  # these six: refused
TOKEN = st.one_of(
    WORD, WORD.map("*{}*".format), WORD.map("**{}**".format),
    st.lists(WORD, min_size=1, max_size=3).map(" ".join).map("*{}*".format),
    CODE.map("`{}`".format), st.tuples(WORD, URL).map(lambda t: f"[{t[0]}]({t[1]})"))
LINE = st.lists(st.tuples(TOKEN, st.sampled_from([" ", " ", "", ", ", ". "])),
                min_size=1, max_size=6).map(lambda ts: "".join(t + g for t, g in ts).rstrip())
BLOCK = st.one_of(st.lists(LINE, min_size=1, max_size=3).map("\n".join),
                  st.lists(LINE.map("- {}".format), min_size=1, max_size=3).map("\n".join))
SUBSET = st.tuples(st.lists(BLOCK, min_size=1, max_size=4),
                   st.sampled_from(["\n\n", "\n\n\n"]), st.sampled_from(["", "\n"])
                   ).map(lambda t: t[1].join(t[0]) + t[2])
# Half of them get one piece from outside the subset (or its border) put in somewhere.
DOCUMENT = st.one_of(SUBSET, st.tuples(SUBSET, PIECES, st.floats(0, 1)).map(
    lambda t: t[0][:int(t[2] * len(t[0]))] + t[1] + t[0][int(t[2] * len(t[0])):]))


@settings(SETTINGS, max_examples=EXAMPLES // 2)
@given(DOCUMENT)
def test_random_documents_of_the_subset_are_refused_or_identical(text):
    check(text)


def test_the_fast_path_fires_on_random_markdown():
    """Not vacuous: a good share of the random documents are answered by the fast path."""
    answered = []

    @settings(SETTINGS, max_examples=100)
    @given(SUBSET)
    def count(text):
        answered.append(check(text) is not None)

    count()
    assert sum(answered) >= len(answered) // 4, (sum(answered), len(answered))


def test_render_markdown_uses_the_fast_path_and_falls_back():
    render.markdown.cache_clear()
    assert render.markdown("*a* b") == "<p><em>a</em> b</p>"
    assert render.markdown("# Title") == reference("# Title")  # refused: Python-Markdown's
    assert render.markdown_inline("**x** y") == "<strong>x</strong> y"
