"""The site's search index, made at build time by Pagefind from the rendered pages.

Only what the templates mark with `data-pagefind-body` is indexed (the main content of each
offering's pages, with its offering and term as metadata); the browser side is
assets/search.js, which loads the bundle only when someone searches.
"""
from __future__ import annotations

import importlib
import os
import shutil
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
# A folder in memory (tmpfs) for the pages Pagefind reads and the bundle it writes, when there
# is room for both with this factor to spare: creating files there costs a fraction of what it
# costs on disk (about 0.2 s of a 100-offering build, measured); it is removed when the build
# ends (a killed build can leave it, like any temporary folder). Without one (other systems,
# or too little room) the system's temporary folder.
_MEMORY_FOLDER = "/dev/shm"
_ROOM_FACTOR = 4


def search_files(files: dict[str, bytes]) -> dict[str, bytes]:
    """The pagefind/ files (output path -> bytes) that let the site's pages be searched:
    an index of the rendered HTML among `files` that is marked for search. Same pages, same
    bytes in the folder in memory; in a temporary folder on disk, the same on one machine
    (Pagefind numbers the pages in the order the file system lists them). Raises
    ContentError when the Pagefind binary cannot be found or fails."""
    with SearchIndex(files) as index:
        return index.files()


class SearchIndex:
    """search_files(files), made by Pagefind in a process of its own, started at once: the
    caller goes on (writes the other files) while it runs, and `files()` waits for it. A
    context manager: leaving it stops Pagefind if it still runs and removes its scratch
    folder. Raises ContentError (from the constructor) when there is no Pagefind binary."""

    def __init__(self, files: dict[str, bytes]):
        self._result: dict[str, bytes] | None = None
        self._process = None
        pages = indexed_pages(files)
        if not pages:
            self._result = {}
            return
        binary = _pagefind_or_fail()
        self._scratch = tempfile.TemporaryDirectory(
            prefix="coursesite-search-", dir=scratch_folder(sum(map(len, pages.values()))))
        try:
            root = Path(self._scratch.name)
            source, self._out, self._log = root / "site", root / SEARCH_FOLDER, root / "log"
            # Pagefind numbers the pages in the order it finds them in their folders, which
            # on tmpfs is the order they were made in: in name order, the same index
            # whatever order the pages came in. (On disk, ext4 lists a folder in an order of
            # its own, the same on one machine only.)
            for path in sorted(pages):
                (source / path).parent.mkdir(parents=True, exist_ok=True)
                (source / path).write_bytes(pages[path])
            self._process = _start_pagefind(binary, source, self._out, self._log)
        except BaseException:
            self._scratch.cleanup()
            raise

    def files(self) -> dict[str, bytes]:
        """The pagefind/ files, once Pagefind has finished (the same on every call)."""
        if self._result is None:
            _finish_pagefind(self._process, self._log)
            out = self._out
            self._result = {f"{SEARCH_FOLDER}/{p.relative_to(out).as_posix()}": p.read_bytes()
                            for p in sorted(out.rglob("*"))
                            if p.is_file() and not p.name.startswith(_UNUSED)}
        return self._result

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._scratch.cleanup()


def indexed_pages(files: dict[str, bytes]) -> dict[str, bytes]:
    """The pages among `files` (output path -> bytes) that have something to index."""
    return {p: b for p, b in files.items() if p.endswith(".html") and _MARKER in b}


def scratch_folder(size: int) -> str | None:
    """Where the index is made for pages of `size` bytes: the folder in memory when it has
    room to spare, else None (the system's temporary folder)."""
    try:
        room = os.statvfs(_MEMORY_FOLDER)
    except OSError:
        return None
    if room.f_bavail * room.f_frsize < _ROOM_FACTOR * size or not os.access(_MEMORY_FOLDER,
                                                                            os.W_OK):
        return None
    return _MEMORY_FOLDER


def pagefind_binary() -> Path | None:
    """The Pagefind binary, looked up as pagefind.service does: $PAGEFIND_BINARY_PATH, else the
    binary of the pagefind_bin_extended or pagefind_bin package (one that lacks its binary is
    passed over), else one on the PATH; None if there is none. Looked up here because
    importing pagefind.service loads asyncio (a tenth of a one-offering build) for a service
    this build does not use."""
    if (named := os.environ.get("PAGEFIND_BINARY_PATH")) is not None:
        return Path(named)
    for package in ("pagefind_bin_extended", "pagefind_bin"):
        try:
            return importlib.import_module(package).get_executable()
        except (ImportError, FileNotFoundError):
            continue
    found = shutil.which("pagefind_extended") or shutil.which("pagefind")
    return Path(found) if found else None


def _pagefind_or_fail() -> Path:
    """The Pagefind binary, or ContentError saying how to install it."""
    binary = pagefind_binary()
    if binary is None or not binary.is_file():
        raise ContentError("search: the Pagefind binary is missing; install it with "
                           "pip install 'pagefind[bin]>=1.5'")
    return binary


def pagefind_command(binary: Path, source: Path, out: Path) -> list[str]:
    """The command line that indexes the HTML files under `source` into `out` (also what the
    benchmark times alone, so its figure is that of the build's own indexing)."""
    # index.html stays in the URLs, so a hit opens the same file wherever the site is served;
    # what the page hides (marks its script shows, such as "This week") is no text to find.
    return [os.fspath(binary), "--site", os.fspath(source), "--output-path", os.fspath(out),
            "--keep-index-url", "--exclude-selectors", "[hidden]", "--silent"]


def _start_pagefind(binary: Path, source: Path, out: Path, log: Path) -> subprocess.Popen:
    """Pagefind indexing the HTML files under `source` into `out`, started (its messages go
    to the file `log`: a pipe nobody reads while it runs could fill and stop it).

    The command line rather than the Python wrapper's `add_html_file`: the wrapper reads one
    reply per 0.1 s, so 3,000 pages would take five minutes; the binary takes the folder at
    once and indexes it on every core. It runs in the scratch folder, so no pagefind.yml
    of the working folder is read.
    """
    with open(log, "wb") as messages:
        return subprocess.Popen(pagefind_command(binary, source, out), cwd=source.parent,
                                stdin=subprocess.DEVNULL, stdout=messages, stderr=messages)


def _finish_pagefind(process: subprocess.Popen, log: Path) -> None:
    """Wait for Pagefind; raise ContentError when it failed."""
    if process.wait() != 0:
        text = log.read_text(encoding="utf-8", errors="replace").strip()
        detail = text.splitlines()[-1:] or ["no message"]
        raise ContentError(f"search: Pagefind could not index the pages (exit "
                           f"{process.returncode}: {detail[0]}); the site was not written, so "
                           "the previous one is unchanged")
