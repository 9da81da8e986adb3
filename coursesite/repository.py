"""The content's git repository, found and asked with plain `git` commands, and what the
calendar's change record will lack before anything is replayed (content outside git, a
shallow clone). Apart from history.py (which replays the versions) so that `check` can say
it without importing the calendar and its iCalendar library.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ContentError
from .load import display_path

# The files every offering shares: an edit of one touches all of them.
SHARED_FILES = ("site.yaml", "rooms.yaml")

GIT_TIMEOUT = 120
# Reading is all we do, so trust a checkout owned by another user (CI containers): without
# this git refuses ("dubious ownership") and the history would silently look absent.
GIT = ("git", "-c", "safe.directory=*", "-c", "core.quotePath=false")


@dataclass
class History:
    """The change record of every offering, and notes on what could not be tracked."""

    records: dict = field(default_factory=dict)   # slug -> Record
    notes: list = field(default_factory=list)     # one line each, printed by the build
    warnings: list = field(default_factory=list)  # fatal under --strict (a shallow clone)
    uncommitted: list = field(default_factory=list)  # slugs with an edit not committed yet


_LOOK_UP = object()  # repository_notes' default: the repository is not looked up yet


def repository_notes(content_dir: Path, repo=_LOOK_UP) -> History:
    """What the change record will lack, known before replaying anything: a History with
    notes and warnings only (content outside git, a shallow clone). `repo` is the content's
    Repository, or None for none, when already looked up."""
    content_dir = Path(content_dir)
    if repo is _LOOK_UP:
        repo = git_repository(content_dir)
    history = History()
    if repo is None:
        untracked = (f"{display_path(content_dir)}: {outside_git(content_dir)}, so calendar "
                     "changes cannot be tracked: every event is published at SEQUENCE 0 and no "
                     "schedule change is announced")
        if inside_checkout(content_dir):  # a checkout whose history we cannot read: fix it
            history.warnings.append(untracked + " (install git, or commit the content)")
        else:
            history.notes.append(untracked + " (keep the content in git so calendar apps "
                                 "see edits)")
    elif repo.shallow:
        history.warnings.append(
            f"{display_path(content_dir)}: the git history is shallow, so calendar SEQUENCE "
            "numbers could go backwards; fetch the whole history (actions/checkout: "
            "fetch-depth: 0; GitLab: GIT_DEPTH: 0)")
    return history


def source_date_epoch() -> dt.datetime | None:
    """SOURCE_DATE_EPOCH (the reproducible-builds convention) as a UTC time, None when unset;
    ValueError with the fix when it is not whole seconds since 1970 before the year 3000."""
    text = os.environ.get("SOURCE_DATE_EPOCH")
    if text is None or text == "":
        return None
    if not (text.isascii() and text.isdigit()) or int(text) >= 32503680000:
        raise ValueError(f"SOURCE_DATE_EPOCH: expected whole seconds since 1970, got "
                         f"{text[:40]!r} (e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct))")
    return dt.datetime.fromtimestamp(int(text), dt.timezone.utc)


def outside_git(content_dir: Path) -> str:
    """Why the content has no readable history, in words."""
    if not shutil.which("git"):
        return "git is not installed"
    if inside_checkout(content_dir):
        return "its git repository has no commit yet"
    return "not in a git repository"


def inside_checkout(content_dir: Path) -> bool:
    """True when a .git (folder, or file of a worktree) is in the content folder or above."""
    here = Path(os.path.abspath(content_dir))
    return any((folder / ".git").exists() for folder in (here, *here.parents))


# --- git ------------------------------------------------------------------------------------

@dataclass
class Repository:
    """The git repository holding a content folder."""

    top: Path         # its work tree
    prefix: str       # the content folder inside it, '' or 'content/'
    git_dir: Path
    shallow: bool
    content_dir: Path
    head: str = ""    # the commit HEAD names

    def git(self, *args: str, data: bytes | None = None) -> bytes:
        """git's output; ContentError when git fails (a broken repository is the
        maintainer's to fix, and the message says what git said)."""
        try:
            proc = subprocess.run([*GIT, "-C", str(self.top), *args], input=data,
                                  capture_output=True, timeout=GIT_TIMEOUT)
        except (OSError, subprocess.SubprocessError) as exc:
            raise ContentError(f"{self.content_dir}: cannot run git ({exc})") from None
        if proc.returncode != 0:
            message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ContentError(f"{self.content_dir}: git {args[0]} failed: "
                               f"{message[-1] if message else proc.returncode}")
        return proc.stdout

    def dirty_files(self) -> list[str]:
        """Content paths (relative to the content folder) that differ from HEAD."""
        out = self.git("status", "--porcelain", "-z", "--untracked-files=all", "--",
                       self.prefix or ".")
        paths = []
        fields = out.decode("utf-8", "replace").split("\0")
        i = 0
        while i < len(fields):
            entry = fields[i]
            i += 1
            if len(entry) < 4:
                continue
            if entry[0] in "RC":  # a rename is followed by its old path
                i += 1
            paths.append(entry[3:].removeprefix(self.prefix))
        return paths

    @staticmethod
    def own_changes(slug: str, dirty: list[str]) -> list[str]:
        """The paths among `dirty` that belong to the offering: its own and the shared files."""
        return [rel for rel in dirty if rel.startswith(f"{slug}/") or rel in SHARED_FILES]

    def edit_time(self, mine: list[str]) -> dt.datetime:
        """When the uncommitted edit of an offering was made, from its changed files (its
        `own_changes`): their newest modification time; HEAD's time when git sees none of them
        (a layout git cannot follow: the build stays reproducible), now when they are gone."""
        if not mine:
            return self.head_time
        times = []
        for rel in mine:
            try:
                times.append((self.content_dir / rel).stat().st_mtime)
            except OSError:
                pass
        moment = max(times) if times else dt.datetime.now().timestamp()
        return dt.datetime.fromtimestamp(int(moment), dt.timezone.utc)

    @property
    def head_time(self) -> dt.datetime:
        seconds = self.git("log", "-1", "--format=%ct", "HEAD").decode().strip()
        return dt.datetime.fromtimestamp(int(seconds), dt.timezone.utc)


def git_repository(content_dir: Path) -> Repository | None:
    """The repository holding content_dir with at least one commit, or None."""
    if not inside_checkout(content_dir) and not any(
            os.environ.get(name) for name in ("GIT_DIR", "GIT_WORK_TREE")):
        # git would find no repository either (it looks for .git in the folder and above):
        # no process to start, which the preview would otherwise pay on every save
        return None
    try:
        proc = subprocess.run([*GIT, "-C", str(content_dir), "rev-parse", "--show-toplevel",
                               "--show-prefix", "--absolute-git-dir",
                               "--is-shallow-repository", "--verify", "-q", "HEAD"],
                              capture_output=True, text=True, timeout=GIT_TIMEOUT)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = proc.stdout.split("\n")
    if proc.returncode != 0 or len(lines) < 5:
        return None
    return Repository(Path(lines[0]), lines[1], Path(lines[2]), lines[3] == "true",
                      Path(content_dir), lines[4])
