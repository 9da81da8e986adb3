"""The site's search index, made at build time by Pagefind from the rendered pages.

Only what the templates mark with `data-pagefind-body` is indexed (the main content of each
offering's pages, with its offering and term as metadata); the browser side is
assets/search.js, which loads the bundle only when someone searches.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from .errors import ContentError

SEARCH_FOLDER = "pagefind"
# What the browser needs of Pagefind's output: its search library, worker and WASM, and the
# index. Pagefind's own UI scripts and styles (about 400 kB) are left out: our small script in
# assets/search.js draws the results instead (labels from text.py, results announced).
_UNUSED = ("pagefind-ui.", "pagefind-component-ui.", "pagefind-modular-ui.",
           "pagefind-highlight.")
# Marks a page that has something to index (see templates/base.html).
_MARKER = b"data-pagefind-body"


def search_files(files: dict[str, bytes]) -> dict[str, bytes]:
    """The pagefind/ files (output path -> bytes) that let the site's pages be searched:
    an index of the rendered HTML among `files` that is marked for search. Same pages, same
    bytes. Raises ContentError when the Pagefind binary cannot be found."""
    pages = {p: b for p, b in files.items() if p.endswith(".html") and _MARKER in b}
    if not pages:
        return {}
    with tempfile.TemporaryDirectory(prefix="coursesite-search-") as tmp:
        source, out = Path(tmp) / "site", Path(tmp) / SEARCH_FOLDER
        for path, data in pages.items():
            (source / path).parent.mkdir(parents=True, exist_ok=True)
            (source / path).write_bytes(data)
        _index(source, out)
        return {f"{SEARCH_FOLDER}/{p.relative_to(out).as_posix()}": p.read_bytes()
                for p in sorted(out.rglob("*"))
                if p.is_file() and not p.name.startswith(_UNUSED)}


def _index(source: Path, out: Path) -> None:
    """Pagefind's index of the HTML files under `source`, written to `out`.

    The command line rather than the Python wrapper's `add_html_file`: the wrapper reads one
    reply per 0.1 s, so 3,000 pages would take five minutes; the binary takes the folder at
    once and indexes it on every core. It runs in the temporary folder, so no pagefind.yml
    of the working folder is read.
    """
    from pagefind.service import get_executable  # noqa: PLC0415 (only when indexing)

    binary = get_executable()
    if binary is None or not binary.is_file():
        raise ContentError("search: the Pagefind binary is missing; install it with "
                           "pip install 'pagefind[bin]>=1.5'")
    # index.html stays in the URLs, so a hit opens the same file wherever the site is served;
    # what the page hides (marks its script shows, such as "This week") is no text to find.
    run = subprocess.run([os.fspath(binary), "--site", os.fspath(source), "--output-path",
                          os.fspath(out), "--keep-index-url", "--exclude-selectors", "[hidden]",
                          "--silent"],
                         cwd=source.parent, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        detail = (run.stderr or run.stdout).strip().splitlines()[-1:] or ["no message"]
        raise ContentError(f"search: Pagefind could not index the pages (exit {run.returncode}: "
                           f"{detail[0]}); the site was not written, so the previous one is "
                           "unchanged")
