"""Live preview: watch content/templates/assets, rebuild in memory, reload the browser.

Shape (after MkDocs' livereload): watchdog events only mark the build dirty; a short debounce
folds a burst of saves into one rebuild; the site is served from memory, swapped in whole, so
a half-built site is never served; a failed build keeps the last good site and shows the
problems in an overlay; the reload script is injected into served pages only, never into site/.
"""
from __future__ import annotations

import errno
import gc
import http.server
import json
import os
import posixpath
import re
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from itertools import compress
from operator import is_not
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from .errors import ContentError
from .serve_client import CLIENT_JS, CLIENT_PATH, inject_client

DEBOUNCE_SECONDS = 0.02
FULL_COLLECTION_EVERY = 50  # builds between collections that look at everything again
SETTLE_AFTER = 0.3  # seconds of quiet after a build before its garbage is collected
EVENTS_PATH = "/__coursesite/events"
_TEMP_NAME = re.compile(r"(^\.#|^#.*#$|~$|\.sw[a-p]$|\.swx$|^\.DS_Store$|^4913$|\.tmp$|"
                        r"^\.~lock\.|\.kate-swp$|^___jb_)")
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".js": "text/javascript; charset=utf-8", ".ics": "text/calendar; charset=utf-8",
         ".xml": "application/xml; charset=utf-8", ".json": "application/json",
         ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
         ".jpeg": "image/jpeg", ".gif": "image/gif", ".pdf": "application/pdf",
         ".woff2": "font/woff2", ".txt": "text/plain; charset=utf-8"}


# --- what a file event means (pure) ----------------------------------------------------------

def change_kind(path: str, roots: dict[str, str]) -> str | None:
    """'content', 'templates' or 'assets' for a file under that root; None when the event
    should be ignored (editor temp and lock files, hidden files, or outside every root).

    `roots` maps a kind to its absolute folder path.
    """
    name = posixpath.basename(path.replace("\\", "/"))
    if not name or _TEMP_NAME.search(name):
        return None
    for kind, root in roots.items():
        rel = _relative(path, root)
        if rel is None:
            continue
        parts = rel.split("/")
        if any(p.startswith(".") for p in parts):
            return None
        return kind
    return None


def _relative(path: str, root: str) -> str | None:
    path, root = path.replace("\\", "/"), root.replace("\\", "/").rstrip("/")
    if path == root:
        return ""
    return path[len(root) + 1:] if path.startswith(root + "/") else None


@dataclass
class Debounce:
    """Folds a burst of changes into one batch: `due(now)` returns the batch once no change
    has arrived for `delay` seconds, or at once when the last change completed a save (a
    file closed after writing, or moved into place: the editor is done with it). Time is
    passed in, so tests need no sleeps."""

    delay: float = DEBOUNCE_SECONDS
    kinds: set = field(default_factory=set)
    paths: set = field(default_factory=set)
    last: float | None = None
    saved: bool = False  # the last change completed a save

    def add(self, kind: str, path: str, now: float, saved: bool = False) -> None:
        self.kinds.add(kind)
        self.paths.add(path)
        self.last, self.saved = now, saved

    def due(self, now: float) -> tuple[set, set] | None:
        """(kinds, paths) when the burst is over, else None; resets after returning a batch."""
        if self.last is None or (not self.saved and now - self.last < self.delay):
            return None
        batch = (self.kinds, self.paths)
        self.kinds, self.paths, self.last, self.saved = set(), set(), None, False
        return batch

    def wait_time(self, now: float) -> float | None:
        """Seconds until the pending batch is due; None when nothing is pending."""
        if self.last is None:
            return None
        return 0.0 if self.saved else max(0.0, self.delay - (now - self.last))


# --- URL to output path (pure) ------------------------------------------------------------------

def output_path(url_path: str, files) -> str | None:
    """The site file a request path names, or None (not found, or trying to leave the site)."""
    raw = urlsplit(url_path).path
    path = unquote(raw)
    if "\x00" in path or "\\" in path or not path.startswith("/"):
        return None
    parts = path.split("/")[1:]
    if any(p in ("..", ".") for p in parts):
        return None
    rel = "/".join(parts)
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    if rel in files:
        return rel
    if f"{rel}/index.html" in files:
        return f"{rel}/index.html"
    return None


# --- the live site ----------------------------------------------------------------------------

class LiveSite:
    """The served site: the last good build in memory, the current problems, a generation
    counter that clients wait on, and the builder thread."""

    def __init__(self, build_files, roots: dict[str, str], unseen_changes=None):
        # (changed paths, or None: unknown) -> (files, warnings text); raises ContentError
        self.build_files = build_files
        self.roots = roots
        # () -> the paths the builds used whose stat differs now (BuildCache's)
        self.unseen_changes = unseen_changes or set
        self.files: dict[str, bytes] = {}
        self.problems = ""
        self.warnings = ""   # of the last good build: shown, but they do not stop it
        self.generation = 0
        self.page_generation = 0  # the last build that changed more than stylesheets
        self.last_event = "reload"
        self.changed: set = set()
        self.cond = threading.Condition()
        self.ready = threading.Event()
        self.stopping = threading.Event()
        self.debounce = Debounce()
        self.build_seconds = 0.0
        self.builds = 0
        self.published = 0.0       # when the last build was published (monotonic)
        self.garbage_due = False   # a build has run since the garbage was last settled

    # called from watchdog's thread
    def notice(self, path: str, saved: bool = False) -> None:
        """A change of `path` (`saved`: it completed a save, see Debounce)."""
        kind = change_kind(path, self.roots)
        if kind is None:
            return
        with self.cond:
            self.debounce.add(kind, path, time.monotonic(), saved)
            self.cond.notify_all()

    def rebuild(self, kinds=frozenset({"content"}), paths=None) -> None:
        """Build into memory and publish it; on failure keep the last good site. `kinds` are
        what changed (content, templates, assets), named in the terminal's line; `paths` the
        files the events named (None: unknown, as for the first build), passed to the build
        so that it re-reads only those (and any whose stat changed)."""
        self.ready.clear()
        start = time.perf_counter()
        warnings = self.warnings
        gc.disable()  # a build makes little cyclic garbage; settle_garbage collects it later
        try:
            files, warnings = self.build_files(paths)
            problems = ""
        except ContentError as exc:
            files, problems = None, exc.report()
        except Exception:  # noqa: BLE001 - the preview must survive our bugs too; shown in full
            files, problems = None, "coursesite bug while building:\n" + traceback.format_exc()
        finally:
            gc.enable()
        self.build_seconds = time.perf_counter() - start
        shown_before = self.warnings
        with self.cond:
            if files is not None:
                self.changed = changed_paths(self.files, files)
                self.files = files
            if files is None or self.changed or problems or self.problems or \
                    warnings != self.warnings:  # else nothing to show: no browser reloads
                self.publish(files, problems, warnings)
        self.ready.set()
        report(problems, warnings, self.build_seconds, len(self.changed), kinds, shown_before)
        self.published, self.garbage_due = time.monotonic(), True

    def publish(self, files: dict | None, problems: str, warnings: str) -> None:
        """Tell the clients what the build that just ended means for them (call with `cond`
        held; `files` None: it failed)."""
        only_css = files is not None and self.changed and all(
            p.endswith(".css") for p in self.changed)
        self.last_event = "problems" if problems else ("css" if only_css else "reload")
        self.problems, self.warnings = problems, warnings
        self.generation += 1
        if files is not None and self.changed and not only_css:
            self.page_generation = self.generation
        self.cond.notify_all()

    def settle_garbage(self) -> None:
        """Once the preview is idle after a build: collect its garbage and freeze what
        survives, the cache's values, so that the collector does not walk a large site's
        objects again during every later build (a full collection cost a 1,000 offering
        rebuild up to 250 ms). Not right after publishing: a collection holds the
        interpreter, and the browser's reload would wait for it. Now and then everything is
        thawed and collected, so a cycle that died after it was frozen is not kept for ever."""
        self.garbage_due = False
        self.builds += 1
        if self.builds % FULL_COLLECTION_EVERY == 0:
            gc.unfreeze()
        gc.collect()
        gc.freeze()

    def run_builder(self) -> None:
        """Rebuild whenever a debounced batch of changes is due, until stopped; settle the
        garbage when nothing has happened for a moment after a build."""
        while not self.stopping.is_set():
            with self.cond:
                wait = self.debounce.wait_time(time.monotonic())
                if wait is None:
                    wait = SETTLE_AFTER if self.garbage_due else 0.5
                self.cond.wait(timeout=wait)
                batch = self.debounce.due(time.monotonic())
                idle = self.debounce.last is None
            if batch:
                self.rebuild(*batch)
            elif idle and self.garbage_due and \
                    time.monotonic() - self.published >= SETTLE_AFTER:
                if not self.sweep():
                    self.settle_garbage()

    def sweep(self) -> bool:
        """The safety net for lost events, run when idle after a build (a build trusts the
        events, not a stat of every file): queue a rebuild of the paths the builds used whose
        stat changed since; whether there were any."""
        unseen = self.unseen_changes()
        with self.cond:
            for path in unseen:
                self.debounce.add(change_kind(path, self.roots) or "content", path,
                                  time.monotonic())
        return bool(unseen)

    def stop(self) -> None:
        self.stopping.set()
        with self.cond:
            self.cond.notify_all()

    def event_since(self, seen: int) -> str:
        """What a client showing build `seen` must do now (call with `cond` held); several
        builds may have passed, so a page change anywhere among them means a reload."""
        if self.page_generation > seen:
            return "reload"
        return self.last_event

    def wait_for_change(self, seen: int, timeout: float) -> int:
        with self.cond:
            self.cond.wait_for(lambda: self.generation != seen or self.stopping.is_set(),
                               timeout=timeout)
            return self.generation


def changed_paths(old: dict, new: dict) -> set:
    """The paths whose bytes differ between two builds, added and removed ones included; a
    kept file is the very same bytes object, so most are told apart without comparing."""
    # the paths whose bytes are other objects, found in C (a large site's 8,000 files)
    other = compress(new, map(is_not, map(old.get, new), new.values()))
    return {p for p in other if old.get(p) != new[p]} | (old.keys() - new.keys())


def report(problems: str, warnings: str, seconds: float, changed: int,
           kinds=frozenset({"content"}), shown_before: str | None = None) -> None:
    """One terminal line per build, saying what triggered it, and its problems or warnings
    beneath; warnings the same as the last good build's (`shown_before`) are counted, not
    printed again (a large site's hundreds of lines on every save would bury what changed)."""
    stamp = time.strftime("%H:%M:%S") + f" {'+'.join(sorted(kinds))}"
    if problems:
        print(f"[{stamp}] build failed ({seconds:.2f} s); serving the last good site:\n{problems}",
              file=sys.stderr, flush=True)
        return
    print(f"[{stamp}] rebuilt in {seconds:.2f} s, {changed} files changed", flush=True)
    if warnings and warnings == shown_before:
        n = warnings.count("\n") + 1
        print(f"{n} warning{'s' * (n != 1)}, the same as before (shown above)", file=sys.stderr,
              flush=True)
    elif warnings:
        print(warnings, file=sys.stderr, flush=True)


def overlay_text(live: "LiveSite") -> str:
    """What the page's overlay shows (call with `cond` held), as the event's JSON data: the
    problems of a failed build, else the warnings of the last good one, else nothing."""
    return json.dumps({"problems": live.problems, "warnings": live.warnings})


class Handler(http.server.BaseHTTPRequestHandler):
    """Serves the live site from memory, the reload client and the event stream."""

    live: LiveSite  # set by make_handler
    server_version = "coursesite"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - keep the terminal for build news
        pass

    def do_HEAD(self):
        self.do_GET(head=True)

    def do_GET(self, head=False):
        path = urlsplit(self.path).path
        if path == EVENTS_PATH:
            return self.stream_events()
        if path == CLIENT_PATH:
            return self.send(200, CLIENT_JS.encode(), TYPES[".js"], head)
        self.live.ready.wait(timeout=10)  # never serve while a build is being swapped in
        with self.live.cond:
            files, generation = self.live.files, self.live.generation
        rel = output_path(self.path, files)
        if rel is None:
            return self.send(404, b"Not found\n", TYPES[".txt"], head)
        body = files[rel]
        if rel.endswith(".html"):
            body = inject_client(body, generation)
        self.send(200, body, TYPES.get(posixpath.splitext(rel)[1], "application/octet-stream"),
                  head)

    def send(self, status: int, body: bytes, ctype: str, head: bool = False):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def stream_events(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        since = parse_qs(urlsplit(self.path).query).get("since", [""])[0]
        with self.live.cond:
            seen, state = self.live.generation, overlay_text(self.live)
            if since.isdigit() and int(since) <= seen:
                seen = int(since)  # the page's build: tell it about anything newer
        try:
            self.event("hello", state)
            while not self.live.stopping.is_set():
                now = self.live.wait_for_change(seen, timeout=15)
                if self.live.stopping.is_set():
                    break
                if now == seen:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
                    continue
                with self.live.cond:
                    kind, state = self.live.event_since(seen), overlay_text(self.live)
                    seen = self.live.generation
                self.event(kind, state)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def event(self, name: str, data: str) -> None:
        self.wfile.write(f"event: {name}\ndata: {data}\n\n".encode())
        self.wfile.flush()


def make_handler(live: LiveSite) -> type:
    """The request handler class bound to one live site (http.server makes an instance per
    request, so the site travels as a class attribute)."""
    return type("LiveHandler", (Handler,), {"live": live})


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False  # a busy port must be noticed, not shared

    def handle_error(self, request, client_address):
        """A browser that goes away mid-response (a reload, a closed tab) is normal: silent.
        Anything else is our bug and keeps socketserver's traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def bind(host: str, port: int, handler, tries: int = 20) -> Server:
    """A server on the first free port from `port`; says so when it had to move on."""
    for candidate in range(port, port + tries):
        try:
            return Server((host, candidate), handler)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise ContentError(f"cannot serve on {host}:{candidate}: {exc.strerror}") from None
            print(f"port {candidate} is busy, trying {candidate + 1}", file=sys.stderr)
    raise ContentError(f"ports {port}-{port + tries - 1} are all busy; pass --port N")


def serve(build_files, roots: dict[str, str], host: str = "127.0.0.1", port: int = 8000,
          on_ready=None, unseen_changes=None) -> None:
    """Serve until Ctrl-C (or `on_ready(server, live)` arranges a stop); clean shutdown.
    `unseen_changes`: see LiveSite."""
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    live = LiveSite(build_files, roots, unseen_changes)
    live.rebuild(paths=None)
    live.settle_garbage()  # nobody is waiting yet: the first build's objects are frozen now

    class Watch(FileSystemEventHandler):
        def on_any_event(self, event):
            kind = event.event_type
            # Reads (the build's own among them) change nothing; a folder "modified" follows
            # every save of a file in it and says nothing the file's own event did not.
            if kind in ("opened", "closed_no_write") or (kind == "modified" and
                                                         event.is_directory):
                return
            dest = getattr(event, "dest_path", "")
            live.notice(event.src_path, saved=kind == "closed")
            if dest:
                live.notice(dest, saved=True)

    observer = Observer()
    for root in roots.values():
        if Path(root).is_dir():
            observer.schedule(Watch(), root, recursive=True)
    server = bind(host, port, make_handler(live))
    builder = threading.Thread(target=live.run_builder, name="coursesite-builder", daemon=True)
    observer.start()
    builder.start()
    print(f"Serving on http://{host}:{server.server_address[1]}/ (Ctrl-C to stop)", flush=True)
    if on_ready:
        on_ready(server, live)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        print("\nstopping", file=sys.stderr)
    finally:
        live.stop()
        server.server_close()
        observer.stop()
        observer.join(timeout=5)
        builder.join(timeout=5)


def project_roots(project) -> dict[str, str]:
    """The folders the preview watches, by kind of change. Spelled as the build spells them
    (absolute, links not resolved): the events' paths then name the very files the build's
    cache keeps."""
    return {kind: os.path.abspath(folder) for kind, folder in (
        ("content", project.content), ("templates", project.templates),
        ("assets", project.assets))}


def serve_project(project, host: str = "127.0.0.1", port: int = 8000, now=None,
                  on_ready=None) -> None:
    """`build.py serve`: the project's preview builds (`now`: the build's moment, None: the
    clock) with one cache, served and watched until stopped; see serve()."""
    from .pipeline import BuildCache, preview_build

    cache = BuildCache()
    serve(lambda changed: preview_build(project, cache, now, changed), project_roots(project),
          host, port, on_ready, cache.unseen_changes)
