"""The live preview (coursesite/serve.py) without a browser.

- `change_kind`, `Debounce`, `output_path` and `LiveSite.rebuild`: pure, no sockets, no sleeps.
- Path traversal: raw request lines over a socket (no client normalises the path), every one
  answered 4xx and never with a byte from outside the site.
- Offerings deleted and added, bad input that must leave the server serving, a busy port,
  shutdown (in-process and Ctrl-C on `build.py serve`) leaving no threads behind.

The harness (`live_server`, `EventStream`, `http_get`, `wait_until`) is shared with
test_serve_browser.py and bench_serve.py.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from helpers import AMLS, theme_assets  # noqa: E402

from coursesite.errors import ContentError, Problem  # noqa: E402
from coursesite.pipeline import Project, render_site  # noqa: E402
from coursesite.serve import (  # noqa: E402
    DEBOUNCE_SECONDS,
    EVENTS_PATH,
    Debounce,
    LiveSite,
    change_kind,
    changed_paths,
    output_path,
    serve_project,
)

HOST = "127.0.0.1"
TIMEOUT = 20.0  # generous: a deadline, never a sleep
SLUG = "ss26_amls"
FIRST_TITLE = "Introduction and Overview"


# --- harness ---------------------------------------------------------------------------------

def wait_until(predicate, timeout: float = TIMEOUT, interval: float = 0.02, what: str = ""):
    """Poll `predicate` until it returns a truthy value (returned) or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or predicate}")
        time.sleep(interval)


@dataclass
class Running:
    server: object
    live: LiveSite
    thread: threading.Thread
    port: int

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def get(self, path: str) -> tuple[int, bytes]:
        return http_get(self.port, path)

    def wait_generation(self, after: int, timeout: float = TIMEOUT) -> int:
        return wait_until(lambda: self.live.generation > after and self.live.ready.is_set()
                          and self.live.generation, timeout, what=f"a build after #{after}")


@contextlib.contextmanager
def live_server(project: Project, port: int = 0):
    """`build.py serve` (serve_project) in a thread on `port` (0: any free port); stopped with
    `server.shutdown()` from this thread at the end."""
    got: dict = {}
    started = threading.Event()

    def on_ready(server, live):
        got.update(server=server, live=live)
        started.set()

    def run():
        try:
            serve_project(project, HOST, port, on_ready=on_ready)
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            got["error"] = exc
            started.set()

    thread = threading.Thread(target=run, name="test-serve", daemon=True)
    thread.start()
    assert started.wait(60), "serve() never called on_ready"
    if "error" in got:
        raise got["error"]
    server = got["server"]
    running = Running(server, got["live"], thread, server.server_address[1])
    try:
        yield running
    finally:
        server.shutdown()
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "serve() did not return after server.shutdown()"


def http_get(port: int, path: str, timeout: float = TIMEOUT) -> tuple[int, bytes]:
    """(status, body) of a raw `GET path`: the request line is sent byte for byte."""
    return raw_request(port, f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
                             "Connection: close\r\n\r\n".encode("latin-1"), timeout)


def raw_request(port: int, request: bytes, timeout: float = TIMEOUT) -> tuple[int, bytes]:
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, body


class EventStream:
    """A raw-socket client of /__coursesite/events: yields (event, data) as they arrive."""

    def __init__(self, port: int, timeout: float = TIMEOUT):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.sock.sendall(f"GET {EVENTS_PATH} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        self.buffer = b""
        self.status = int(self._line().split(b" ", 2)[1])
        while self._line():  # headers
            pass

    def _line(self) -> bytes:
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("event stream closed")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.rstrip(b"\r")

    def next_event(self, timeout: float = TIMEOUT) -> tuple[str, str]:
        """The next event's (name, data); comments (keep-alives) are skipped."""
        self.sock.settimeout(timeout)
        name, data = "message", []
        while True:
            line = self._line().decode()
            if not line:
                if data or name != "message":
                    return name, "\n".join(data)
                continue
            if line.startswith(":"):
                continue
            field_, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field_ == "event":
                name = value
            elif field_ == "data":
                data.append(value)

    def close(self) -> None:
        self.sock.close()


def without_client(page: bytes) -> bytes:
    """A served page without the injected reload client (whose tag may name the build)."""
    return re.sub(rb'<script src="/__coursesite/client.js"[^>]*></script>\n?', b"", page)


def copy_project(tmp_path: Path) -> Project:
    """Private copies of the AMLS fixture, templates/ and the theme's assets: tests edit them,
    and the server must not see concurrent edits to the repository's own templates or
    assets."""
    shutil.copytree(AMLS, tmp_path / "content")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    theme_assets(tmp_path / "assets")
    return Project(content=tmp_path / "content", templates=tmp_path / "templates",
                   assets=tmp_path / "assets")


def rename_lecture(content: Path, old: str, new: str, slug: str = SLUG) -> None:
    path = content / slug / "lectures.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- change_kind (pure) --------------------------------------------------------------------------

ROOTS = {"content": "/p/content", "templates": "/p/templates", "assets": "/p/assets"}


@pytest.mark.parametrize("path, kind", [
    ("/p/content/site.yaml", "content"),
    ("/p/content/ss26_amls/lectures.yaml", "content"),
    ("/p/content/ss26_amls", "content"),              # a folder added or removed
    ("/p/content/ss26_amls/slides/intro.pdf", "content"),
    ("/p/templates/base.html", "templates"),
    ("/p/templates/partials/_x.html", "templates"),
    ("/p/assets/style.css", "assets"),
    ("/p/assets/img/logo.svg", "assets"),
])
def test_change_kind_classifies_files_under_each_root(path, kind):
    assert change_kind(path, ROOTS) == kind


@pytest.mark.parametrize("name", [
    ".lectures.yaml.swp", ".lectures.yaml.swo", ".lectures.yaml.swx",  # vim swap
    "lectures.yaml~",                                                 # backup
    "#lectures.yaml#",                                                # emacs autosave
    ".#lectures.yaml",                                                # emacs lock
    ".DS_Store",                                                      # macOS
    "4913",                                                           # vim's write probe
    ".~lock.lectures.yaml#",                                          # LibreOffice lock
])
@pytest.mark.parametrize("folder", ["/p/content/ss26_amls", "/p/templates", "/p/assets"])
def test_change_kind_ignores_editor_temp_files(folder, name):
    assert change_kind(f"{folder}/{name}", ROOTS) is None


@pytest.mark.parametrize("path", [
    "/p/content/.git/index",                      # hidden folders
    "/p/assets/.hidden/x.css",
    "/p/site/index.html",                         # the build's output folder
    "/p/build.py",
    "/p/contentx/lectures.yaml",                  # a sibling that shares the prefix
    "/p/assets-old/style.css",
    "/elsewhere/content/lectures.yaml",
    "",
])
def test_change_kind_ignores_paths_outside_or_written_by_builds(path):
    assert change_kind(path, ROOTS) is None


def test_change_kind_handles_backslash_paths():
    roots = {"content": "C:\\p\\content", "assets": "C:\\p\\assets"}
    assert change_kind("C:\\p\\content\\ss26\\lectures.yaml", roots) == "content"
    assert change_kind("C:\\p\\assets\\style.css", roots) == "assets"
    assert change_kind("C:\\p\\assets\\style.css~", roots) is None
    assert change_kind("C:\\p\\other\\style.css", roots) is None


def test_change_kind_root_with_trailing_slash():
    assert change_kind("/p/content/site.yaml", {"content": "/p/content/"}) == "content"


# --- Debounce (pure: time is passed in) ----------------------------------------------------------

def test_debounce_nothing_pending():
    d = Debounce(delay=1.0)
    assert d.due(100.0) is None
    assert d.wait_time(100.0) is None


def test_debounce_single_change_is_due_after_the_delay():
    d = Debounce(delay=1.0)
    d.add("content", "/c/a.yaml", now=10.0)
    assert d.due(10.5) is None
    assert d.wait_time(10.25) == pytest.approx(0.75)
    assert d.due(11.0) == ({"content"}, {"/c/a.yaml"})
    assert d.due(50.0) is None, "a batch is returned once"
    assert d.wait_time(50.0) is None


def test_debounce_folds_a_burst_into_one_batch():
    d = Debounce(delay=1.0)
    d.add("content", "/c/a.yaml", now=10.0)
    d.add("content", "/c/a.yaml", now=10.5)
    d.add("assets", "/a/style.css", now=11.25)  # each change restarts the quiet period
    assert d.due(12.0) is None
    assert d.wait_time(12.0) == pytest.approx(0.25)
    assert d.due(12.5) == ({"content", "assets"}, {"/c/a.yaml", "/a/style.css"})
    d.add("templates", "/t/base.html", now=20.0)
    assert d.due(21.5) == ({"templates"}, {"/t/base.html"})


def test_debounce_a_completed_save_is_due_at_once_and_a_later_change_waits_again():
    d = Debounce(delay=1.0)
    d.add("content", "/c/a.yaml", now=10.0)
    d.add("content", "/c/a.yaml", now=10.01, saved=True)  # closed after writing
    assert d.wait_time(10.01) == 0.0
    assert d.due(10.01) == ({"content"}, {"/c/a.yaml"})
    assert (d.last, d.saved) == (None, False)
    d.add("content", "/c/b.yaml", now=20.0, saved=True)
    d.add("content", "/c/c.yaml", now=20.01)  # the burst goes on: wait for its end
    assert d.due(20.5) is None
    assert d.due(21.01) == ({"content"}, {"/c/b.yaml", "/c/c.yaml"})


def test_live_site_sweep_queues_what_no_event_reported():
    unseen = iter([{"/p/content/ss26_amls/lectures.yaml", "/elsewhere/theme.css"}, set()])
    live = LiveSite(lambda _changed: ({}, ""), ROOTS, lambda: next(unseen))
    assert live.sweep() is True
    assert live.debounce.kinds == {"content"}  # a path outside the roots still rebuilds
    assert live.debounce.paths == {"/p/content/ss26_amls/lectures.yaml", "/elsewhere/theme.css"}
    assert not live.debounce.saved, "queued like an event: the debounce still applies"
    live.debounce.due(live.debounce.last + 1.0)
    assert live.sweep() is False and live.debounce.last is None


def test_debounce_wait_time_never_negative():
    d = Debounce(delay=1.0)
    d.add("content", "/c/a.yaml", now=10.0)
    assert d.wait_time(99.0) == 0.0


def test_default_debounce_is_short():
    assert 0 < DEBOUNCE_SECONDS <= 0.1
    assert Debounce().delay == DEBOUNCE_SECONDS


def test_live_site_notice_ignores_temp_files_and_batches_real_ones():
    live = LiveSite(lambda _changed: ({}, ""), ROOTS)
    live.notice("/p/content/ss26_amls/.lectures.yaml.swp")
    live.notice("/p/site/index.html")
    assert live.debounce.last is None
    live.notice("/p/content/ss26_amls/lectures.yaml")
    live.notice("/p/assets/style.css")
    assert live.debounce.kinds == {"content", "assets"}
    assert live.debounce.due(live.debounce.last + 1.0)[1] == {
        "/p/content/ss26_amls/lectures.yaml", "/p/assets/style.css"}


# --- LiveSite.rebuild (no sockets): events and the last good site --------------------------------

def test_rebuild_events_and_last_good_site(capsys):
    builds = iter([
        {"index.html": b"<body>1</body>", "assets/style.css": b"a"},
        {"index.html": b"<body>1</body>", "assets/style.css": b"b"},     # CSS only
        ContentError([Problem("content/x/lectures.yaml", 12, "", "YAML syntax: tab")]),
        {"index.html": b"<body>2</body>", "assets/style.css": b"b"},     # a page changed
        RuntimeError("a bug in coursesite"),
    ])

    def build_files(_changed):
        item = next(builds)
        if isinstance(item, Exception):
            raise item
        return item, ""

    live = LiveSite(build_files, ROOTS)
    live.rebuild()
    assert (live.generation, live.last_event, live.problems) == (1, "reload", "")
    live.rebuild()
    assert live.last_event == "css" and live.changed == {"assets/style.css"}
    live.rebuild()
    assert live.last_event == "problems"
    assert "content/x/lectures.yaml:12" in live.problems
    assert live.files["assets/style.css"] == b"b", "a failed build keeps the last good site"
    live.rebuild()
    assert (live.last_event, live.problems) == ("reload", "")
    assert live.files["index.html"] == b"<body>2</body>"
    live.rebuild()
    assert live.last_event == "problems"
    assert "coursesite bug while building" in live.problems
    assert "RuntimeError: a bug in coursesite" in live.problems
    assert live.files["index.html"] == b"<body>2</body>"
    assert live.generation == 5 and live.ready.is_set()
    capsys.readouterr()


def test_a_build_that_changes_nothing_reloads_no_browser(capsys):
    """A save that changes no output (or the sweep's rebuild of a folder whose stat alone
    changed) sends no event; a build that clears a failure does, though its files are the
    last good ones."""
    builds = iter([{"index.html": b"1"}, {"index.html": b"1"},
                   ContentError([Problem("content/x/lectures.yaml", 3, "", "broken")]),
                   {"index.html": b"1"}])

    def build_files(_changed):
        item = next(builds)
        if isinstance(item, Exception):
            raise item
        return dict(item), ""

    live = LiveSite(build_files, ROOTS)
    live.rebuild()
    live.rebuild()
    assert (live.generation, live.changed) == (1, set()) and live.ready.is_set()
    live.rebuild()
    assert (live.generation, live.last_event) == (2, "problems")
    live.rebuild()
    assert (live.generation, live.last_event, live.problems) == (3, "reload", "")
    assert "rebuilt in" in capsys.readouterr().out


def test_the_terminal_shows_warnings_once_while_they_stay_the_same(capsys):
    """Every save prints its line; warnings print in full when they first appear or change,
    and are only counted while they stay as they were."""
    first = "warning: a.yaml:3: date: a public holiday\nwarning: b.yaml:4: room clash"
    results = iter([first, first, "warning: a.yaml:3: date: a public holiday", ""])
    live = LiveSite(lambda _changed: ({"index.html": b"1"}, next(results)), ROOTS)
    printed = []
    for _ in range(4):
        live.rebuild()
        printed.append(capsys.readouterr().err)
    assert printed[0] == first + "\n"
    assert printed[1] == "2 warnings, the same as before (shown above)\n"
    assert printed[2] == "warning: a.yaml:3: date: a public holiday\n"
    assert printed[3] == ""


def test_changed_paths_are_the_files_whose_bytes_differ_added_and_removed_ones_included():
    kept, page = b"<p>kept</p>", b"<p>old</p>"
    old = {"a.html": kept, "b.html": page, "c.ics": b"BEGIN", "gone.html": b"x"}
    new = {"a.html": kept, "b.html": b"<p>new</p>", "c.ics": bytes(bytearray(b"BEGIN")),
           "added.css": b"y"}
    assert changed_paths(old, new) == {"b.html", "gone.html", "added.css"}
    assert changed_paths(new, dict(new)) == set()


# --- output_path (pure) --------------------------------------------------------------------------

FILES = {"index.html": b"", "ss26_amls/index.html": b"", "ss26_amls/projects.html": b"",
         "assets/style.css": b"", ".htaccess": b""}


@pytest.mark.parametrize("url, rel", [
    ("/", "index.html"),
    ("/index.html", "index.html"),
    ("/ss26_amls/", "ss26_amls/index.html"),
    ("/ss26_amls", "ss26_amls/index.html"),
    ("/ss26_amls/projects.html?x=1#top", "ss26_amls/projects.html"),
    ("/assets/style.css?coursesite=123", "assets/style.css"),
    ("/assets/%73tyle.css", "assets/style.css"),
])
def test_output_path_finds_site_files(url, rel):
    assert output_path(url, FILES) == rel


@pytest.mark.parametrize("url", [
    "/../", "%2e%2e/", "/%2e%2e/", "/%2E%2E%2F", "/..%2f..%2fetc/passwd",
    "/ss26_amls/../index.html", "/./index.html", "/assets/..%5c..%5cetc%5cpasswd",
    "/assets\\..\\index.html", "/index.html%00.css", "/\x00", "index.html", "", "/missing.html",
    "/assets/", "/ss26_amls/index.html/",
])
def test_output_path_refuses_traversal_and_unknown_paths(url):
    assert output_path(url, FILES) is None


# --- over a socket: traversal and symlinks -------------------------------------------------------

SECRET = b"TOP-SECRET-coursesite-test"

TRAVERSALS = [
    "/../", "/../../../../etc/passwd", "%2e%2e/", "%2e%2e/%2e%2e/etc/passwd", "/%2e%2e/",
    "/%2E%2E%2F", "/%2E%2E%2Fsecret.txt", "/..%2f..%2fetc/passwd", "/..%2F..%2F..%2Fetc%2Fpasswd",
    "/%252e%252e/%252e%252e/etc/passwd", "/assets/../../secret.txt",
    "/assets/%2e%2e/%2e%2e/secret.txt",
    "//etc/passwd", "///etc/passwd", "//etc//passwd", "http://host/../",
    "http://host/../../etc/passwd", "http://evil.example/etc/passwd",
    "/assets\\..\\..\\secret.txt", "/assets/..%5c..%5csecret.txt", "\\etc\\passwd",
    "/index.html%00", "/%00../../etc/passwd", "/\x00/../etc/passwd",
    "/etc/passwd", "/secret.txt", "/outside/secret.txt",
    "/assets/leak.txt", "/assets/leakdir/secret.txt", "/assets/sub/leak.txt",
    "/content/site.yaml", "/ss26_amls/lectures.yaml", "/templates/base.html",
    "/.git/config", "/build.py",
]


@pytest.fixture
def traversal_site(tmp_path):
    """A copy of the project whose assets/ holds symlinks to a secret outside it."""
    project = copy_project(tmp_path / "project")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    (tmp_path / "project" / "secret.txt").write_bytes(SECRET)
    assets = Path(project.assets)
    (assets / "leak.txt").symlink_to(outside / "secret.txt")
    (assets / "leakdir").symlink_to(outside, target_is_directory=True)
    (assets / "sub").mkdir()
    (assets / "sub" / "leak.txt").symlink_to("../../../outside/secret.txt")
    (assets / "inside.css").symlink_to(assets / "style.css")  # inside assets: fine to publish
    return project


def test_symlinks_leaving_assets_are_not_built(traversal_site):
    files = render_site(traversal_site).files
    leaked = sorted(p for p, body in files.items() if SECRET in body)
    assert leaked == []
    assert "assets/inside.css" in files


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_traversal_requests_never_leave_the_site(traversal_site, method):
    passwd = Path("/etc/passwd").read_bytes()[:64] if Path("/etc/passwd").exists() else SECRET
    with live_server(traversal_site) as srv:
        status, body = srv.get("/")
        assert status == 200
        for path in TRAVERSALS:
            request = (f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\n"
                       "Connection: close\r\n\r\n").encode("latin-1")
            status, body = raw_request(srv.port, request)
            assert status in (400, 403, 404), f"{path!r} answered {status}"
            assert SECRET not in body and passwd not in body, f"{path!r} leaked a file"
        assert srv.get("/assets/inside.css")[0] == 200


# --- offerings, bad input, problems over the event stream ----------------------------------------

def test_deleting_and_adding_an_offering(tmp_path):
    project = copy_project(tmp_path)
    content = Path(project.content)
    with live_server(project) as srv:
        for page in ("/ss26_amls/", "/ss26_amls/projects.html", "/ss26_amls/schedule.html"):
            assert srv.get(page)[0] == 200
        # Add: build the folder elsewhere and move it in whole (as `git checkout` might).
        staging = tmp_path / "staging"
        shutil.copytree(content / SLUG, staging / "ws26_extra")
        os.rename(staging / "ws26_extra", content / "ws26_extra")
        wait_until(lambda: srv.get("/ws26_extra/")[0] == 200, what="the new offering's page")
        for page in ("/ws26_extra/projects.html", "/ws26_extra/schedule.html"):
            assert srv.get(page)[0] == 200
        assert b"ws26_extra" in srv.get("/")[1]
        # Delete: the pages go away.
        shutil.rmtree(content / SLUG)
        wait_until(lambda: srv.get("/ss26_amls/")[0] == 404, what="the deleted offering's 404")
        for page in ("/ss26_amls/projects.html", "/ss26_amls/schedule.html"):
            assert srv.get(page)[0] == 404
        assert srv.get("/ws26_extra/")[0] == 200
        assert srv.live.problems == ""


def _non_utf8(project: Project):
    path = Path(project.content) / SLUG / "organization.yaml"
    path.write_bytes(path.read_bytes() + b"grading: caf\xe9\n")
    return "organization.yaml:", "not valid UTF-8"


def _alias_bomb(project: Project):
    rows = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        rows.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    (Path(project.content) / SLUG / "projects.yaml").write_text("\n".join(rows) + "\n")
    return "projects.yaml:1", "aliases"


def _template_syntax(project: Project):
    path = Path(project.templates) / "course.html"
    lines = path.read_text().splitlines(keepends=True)
    lines[1] = "{% if %}\n" + lines[1]
    path.write_text("".join(lines))
    return "course.html:2", "template syntax"


BAD_INPUTS = {"non-utf8": _non_utf8, "alias-bomb": _alias_bomb, "template-syntax": _template_syntax}


@pytest.mark.parametrize("bad", BAD_INPUTS)
def test_bad_input_is_reported_and_the_last_good_site_stays(tmp_path, bad):
    project = copy_project(tmp_path)
    with live_server(project) as srv:
        _, good = srv.get("/ss26_amls/")
        events = EventStream(srv.port)
        try:
            name, data = events.next_event()
            assert name == "hello" and json.loads(data)["problems"] == ""
            where, what = BAD_INPUTS[bad](project)
            name, data = events.next_event()
            while name != "problems":  # a half-written file may build once before
                name, data = events.next_event()
            assert where in data and what in data, data
            assert srv.live.problems and where in srv.live.problems
            status, body = srv.get("/ss26_amls/")
            assert status == 200
            assert without_client(body) == without_client(good), "the last good page stays"
        finally:
            events.close()


def test_event_stream_says_hello_with_current_problems(tmp_path):
    project = copy_project(tmp_path)
    (Path(project.content) / SLUG / "lectures.yaml").write_text("parts:\n\t- x\n")
    with live_server(project) as srv:
        assert srv.get("/")[0] == 404, "no good build yet: nothing to serve"
        events = EventStream(srv.port)
        try:
            assert events.status == 200
            name, data = events.next_event()
            assert name == "hello" and "lectures.yaml:2" in data
        finally:
            events.close()


def test_warnings_show_in_the_terminal_and_the_overlay(tmp_path, capfd):
    """A build with warnings is served, and its warnings reach the page, marked as such."""
    project = copy_project(tmp_path)
    lectures = Path(project.content) / SLUG / "lectures.yaml"
    text = lectures.read_text(encoding="utf-8")
    assert "date: 2026-05-07" in text
    lectures.write_text(text.replace("date: 2026-05-07", "date: 2026-05-14", 1),
                        encoding="utf-8")  # Ascension Day: a public holiday in Berlin
    with live_server(project) as srv:
        assert srv.get("/ss26_amls/")[0] == 200
        events = EventStream(srv.port)
        try:
            name, data = events.next_event()
            state = json.loads(data)
            assert name == "hello" and state["problems"] == ""
            assert "warning: " in state["warnings"] and "public holiday" in state["warnings"]
        finally:
            events.close()
    assert "public holiday" in capfd.readouterr().err


def test_served_pages_get_the_client_but_built_files_do_not(tmp_path):
    project = copy_project(tmp_path)
    with live_server(project) as srv:
        status, body = srv.get("/ss26_amls/")
        assert status == 200
        assert body.count(b"<script src=\"/__coursesite/client.js\"") == 1
        assert body.index(b"/__coursesite/client.js") < body.rindex(b"</body>")
        assert srv.get("/__coursesite/client.js")[0] == 200
        assert srv.get("/assets/style.css")[1] == (project.assets / "style.css").read_bytes()
    built = render_site(project).files
    assert not any(b"__coursesite" in body for body in built.values())


# --- ports and shutdown -----------------------------------------------------------------------

def occupied_port() -> socket.socket:
    sock = socket.socket()
    sock.bind((HOST, 0))
    sock.listen()
    return sock


def test_busy_port_moves_on_and_says_so(tmp_path, capsys):
    project = copy_project(tmp_path)
    with occupied_port() as busy:
        port = busy.getsockname()[1]
        with live_server(project, port=port) as srv:
            assert srv.port > port
            assert srv.get("/")[0] == 200
        out, err = capsys.readouterr()
    assert f"port {port} is busy, trying {port + 1}" in err
    assert f"Serving on http://{HOST}:{srv.port}/" in out


def _new_threads(before: set) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t not in before and t.is_alive()]


def test_shutdown_leaves_no_threads_running(tmp_path):
    project = copy_project(tmp_path)
    before = set(threading.enumerate())
    with live_server(project) as srv:
        events = EventStream(srv.port)  # an open event stream must not hold the server up
        assert events.next_event()[0] == "hello"
        assert srv.get("/ss26_amls/")[0] == 200
        rename_lecture(Path(project.content), FIRST_TITLE, "Welcome")
        assert events.next_event()[0] == "reload"
        during = _new_threads(before)
    try:
        assert any(t.name == "coursesite-builder" for t in during)
        # serve() has returned: no non-daemon thread may keep the interpreter alive, and the
        # builder, watchdog and event-stream threads end as well.
        assert [t for t in _new_threads(before) if not t.daemon] == []
        wait_until(lambda: not _new_threads(before), what="threads started by serve() to end")
    finally:
        events.close()


def test_ctrl_c_stops_build_py_serve_cleanly(tmp_path):
    """The real command: busy port message, serves, exits 0 on Ctrl-C (SIGINT) promptly."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "tests" / "fixtures" / "amls", content)
    with occupied_port() as busy:
        port = busy.getsockname()[1]
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "build.py"), "serve", "--port", str(port),
             "--content", str(content), "--assets", str(theme_assets(tmp_path / "assets"))],
            cwd=tmp_path, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline()  # blocks until the first build is done
            while line and not line.startswith("Serving on"):
                line = proc.stdout.readline()
            assert line.startswith(f"Serving on http://{HOST}:"), line
            served = int(line.split(":")[2].split("/")[0])
            assert served > port
            status, body = http_get(served, "/ss26_amls/")
            assert status == 200 and FIRST_TITLE.encode() in body
            events = EventStream(served)
            assert events.next_event()[0] == "hello"
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=TIMEOUT)
            events.close()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 0, err
    assert f"port {port} is busy, trying {port + 1}" in err
    assert "Traceback" not in err
