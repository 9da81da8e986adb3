"""How a deploy talks to the target, always through rsync (see deploy.py for the guarantees):
listing it, reading the record of what our deploys put there, uploading, deleting exactly the
listed paths, writing the record; the names deploy reserves on the target, and the path and
checksum helpers both modules use. deploy.py decides what to change; this module changes it.
"""
from __future__ import annotations

import hashlib
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import ContentError, one_line
from .write import MANIFEST, OutputError, check_output_paths

RECORD = ".coursesite-deployed"
"""On the target: `sha256  path` for every file our deploys put there (several lines for one
path while an upload is under way: either content is ours)."""
PARTIAL = ".coursesite-partial"
"""rsync's holding folder for `--delay-updates` (in each folder) and temp folder (at the top)."""
LEGACY_PARTIAL = ".~tmp~"
"""rsync's default holding folder, which deploys of older versions of coursesite used."""

# -r recurse, -8 names unescaped, --checksum: content decides; no -t (see deploy.py's module
# doc), no -l (a build writes no links). --chmod: readable on shared webspace whatever the umask.
RSYNC_BASE = ["rsync", "-r", "-8", "--checksum", "--chmod=D755,F644", "--out-format=%i %n"]
LIST_LINE = re.compile(r"(?P<mode>\S+)\s+[\d,.]+ \d{4}/\d\d/\d\d \d\d:\d\d:\d\d (?P<name>.*)")
RECORD_LINE = re.compile(r"(?P<sha>[0-9a-f]{64})  (?P<path>.+)")
NON_EMPTY = re.compile(r"cannot delete non-empty directory: (?P<name>.*)")


@dataclass(frozen=True)
class Listing:
    """The target's entries as rsync lists them: relative path -> 'f' file, 'd' folder,
    'l' symbolic link, 'o' anything else. Symbolic links are never followed."""

    entries: dict[str, str]
    complete: bool = True
    """False when some folder could not be read (then no folder is removed)."""

    def children(self) -> dict[str, list[str]]:
        """Folder ('' for the target itself) -> its direct entries."""
        out: dict[str, list[str]] = {}
        for path in self.entries:
            out.setdefault(parent_of(path), []).append(path)
        return out


# --- reading the target -------------------------------------------------------------------


def output_path_problem(path: str) -> str:
    """Why path is not a plain relative path inside the target ('' when it is one): the rule
    the build's writer applies to every output path, asked through its public check."""
    try:
        check_output_paths(Path("."), {path: b""})
    except OutputError as err:
        return str(err).split("\n", 1)[0].removeprefix("output: ")
    return ""


def reserved_problem(path: str) -> str:
    """Why path clashes with deploy's own names on the target ('' if it does not)."""
    if path == RECORD or {PARTIAL, LEGACY_PARTIAL} & set(path.split("/")):
        return f"output path {path!r} is reserved for coursesite's deploy"
    return ""


def list_target(target: str) -> Listing:
    """Every entry on the target (symbolic links not followed); an absent target is empty."""
    proc = rsync(["rsync", "-r", "-8", "--list-only", target])
    entries: dict[str, str] = {}
    root = False
    for line in proc.stdout.splitlines():
        m = LIST_LINE.fullmatch(line)
        if not m:
            continue
        kind = {"-": "f", "d": "d", "l": "l"}.get(m["mode"][0], "o")
        name = m["name"].split(" -> ", 1)[0] if kind == "l" else m["name"]
        if name == ".":
            root = kind == "d"
        else:
            entries[name] = kind
    if proc.returncode == 0 and root:
        return Listing(entries)
    if proc.returncode in (23, 24) and root:
        return Listing(entries, complete=False)     # some folder was unreadable
    if proc.returncode == 23 and "No such file or directory" in proc.stderr:
        return Listing({})                          # first deploy: rsync creates the folder
    raise ContentError(one_line(f"deploy: cannot list {target}: {rsync_message(proc)}"))


def read_record(target: str, listing: Listing, scratch: Path
                ) -> tuple[dict[str, frozenset[str]], bytes | None, list[str]]:
    """The target's record (path -> SHA-256s uploaded there), its bytes, and warnings for lines
    that are ignored. Falls back to the checksum-less manifest of older coursesite versions."""
    for name in (RECORD, MANIFEST):
        kind = listing.entries.get(name)
        if kind is None:
            continue
        if kind != "f":
            raise ContentError(f"deploy: {target}{name} is not a file; coursesite keeps its "
                               "record of deployed files there: move it away")
        fetched = fetch(target, [name], scratch / "record").get(name)
        if fetched is None:
            raise ContentError(f"deploy: could not read {target}{name}; try again")
        data = fetched.read_bytes()
        entries, warnings = parse_record(data.decode("utf-8", "replace"), name)
        return entries, (data if name == RECORD else None), warnings
    return {}, None, []


def parse_record(text: str, name: str) -> tuple[dict[str, frozenset[str]], list[str]]:
    """Record lines -> path -> SHA-256s; a legacy manifest's paths get no checksum. Lines that
    are malformed or name anything but a plain relative path are ignored, with a warning each."""
    entries: dict[str, set[str]] = {}
    warnings = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line:
            continue
        m = RECORD_LINE.fullmatch(line) if name == RECORD else None
        if name == RECORD and not m:
            warnings.append(one_line(f"ignored line {number} of the target's {name}: "
                                     f"{line[:80]!r} is not 'sha256  path'"))
            continue
        path = m["path"] if m else line
        problem = output_path_problem(path) or reserved_problem(path)
        if problem:
            warnings.append(one_line(f"ignored line {number} of the target's {name}: "
                                     f"{problem}; nothing outside what coursesite deployed "
                                     "is deleted"))
            continue
        shas = entries.setdefault(path, set())
        if m:
            shas.add(m["sha"])
    return {p: frozenset(s) for p, s in entries.items()}, warnings


def planned_uploads(site_dir: Path, target: str, paths: list[str], scratch: Path) -> set[str]:
    """Which of paths (all present on the target) rsync would send: their bytes differ."""
    listing = write_list(scratch / "existing", paths)
    out = run_rsync(RSYNC_BASE + ["--dry-run", "--from0", f"--files-from={listing}",
                                  f"{site_dir}/", target])
    return set(transferred(out))


# --- changing the target --------------------------------------------------------------------


def upload(site_dir: Path, target: str, paths: list[str], scratch: Path) -> list[str]:
    """Send paths with one rename pass at the end; return what rsync sent."""
    listing = write_list(scratch / "upload", paths)
    out = run_rsync(RSYNC_BASE + ["--delay-updates", f"--partial-dir={PARTIAL}",
                                  f"--temp-dir={PARTIAL}", "--from0", f"--files-from={listing}",
                                  f"{site_dir}/", target])
    return sorted(transferred(out))


def delete_paths(target: str, paths: list[str], scratch: Path) -> str:
    """Delete exactly the listed paths on the target (a folder only when empty): rsync deletes a
    listed path that is missing from the source when given --delete-missing-args. The source
    is an empty tree that has the paths' folders (rsync skips a path whose folder is missing)."""
    source = scratch / "empty"
    source.mkdir(parents=True)
    for path in paths:
        (source / path).parent.mkdir(parents=True, exist_ok=True)
    listing = write_list(scratch / "paths", paths)
    # No --force and no --delete: a folder that is not empty is refused, never emptied.
    proc = rsync(["rsync", "-r", "-8", "--out-format=%i %n", "--delete-missing-args",
                  "--from0", f"--files-from={listing}", f"{source}/", target])
    if proc.returncode != 0:
        raise ContentError(one_line(f"deploy: rsync could not delete on {target} "
                                    f"(exit {proc.returncode}): {rsync_message(proc)}"))
    return proc.stdout + proc.stderr


def remove_folders(target: str, folders: list[str], scratch: Path) -> list[str]:
    """Remove folders if empty, deepest first (one rsync per depth: a folder is only empty once
    the ones inside it are gone); return those that were not empty after all."""
    refused: list[str] = []
    depths = sorted({f.count("/") for f in folders}, reverse=True)
    for depth in depths:
        level = sorted(f for f in folders if f.count("/") == depth)
        out = delete_paths(target, level, scratch / f"folders-{depth}")
        refused += [m["name"].rstrip("/") for line in out.splitlines()
                    if (m := NON_EMPTY.fullmatch(line.strip()))]
    return [f for f in refused if f != PARTIAL]


def put_record(target: str, data: bytes, scratch: Path, with_partial: bool) -> None:
    """Write the record on the target (rsync writes a temp file and renames it: atomic);
    with_partial also makes the temp folder --delay-updates uploads into."""
    scratch.mkdir(parents=True)
    (scratch / RECORD).write_bytes(data)
    if with_partial:
        (scratch / PARTIAL).mkdir()
    run_rsync(RSYNC_BASE + [f"{scratch}/", target])


def record_bytes(entries: dict[str, set[str]]) -> bytes:
    """`sha256  path` lines, sorted (the format `sha256sum -c` checks)."""
    return "".join(f"{sha}  {path}\n" for path in sorted(entries)
                   for sha in sorted(entries[path])).encode("utf-8")


# --- rsync ----------------------------------------------------------------------------------


def rsync_target(target: str) -> str:
    """The target with exactly one trailing slash (rsync copies *into* it)."""
    if not target or target.strip() != target:
        raise ContentError("deploy: give a target such as user@host:public_html/teaching/ "
                           "or a local folder (--target or DEPLOY_TARGET)")
    return target.rstrip("/") + "/"


def require_rsync() -> None:
    if shutil.which("rsync") is None:
        raise ContentError("deploy: rsync is not installed; install it (apt-get install rsync)")


def rsync(args: list[str]) -> subprocess.CompletedProcess:
    """Run rsync and capture its output (names decoded as UTF-8, other bytes kept as escapes)."""
    return subprocess.run(args, capture_output=True, text=True, encoding="utf-8",
                          errors="surrogateescape")


def run_rsync(args: list[str], allowed=(0,)) -> str:
    """Run rsync; its failure is the maintainer's to fix (target, key, network): ContentError."""
    proc = rsync(args)
    if proc.returncode not in allowed:
        raise ContentError(one_line(f"deploy: rsync failed (exit {proc.returncode}): "
                                    f"{rsync_message(proc)} (command: {shlex.join(args)})"))
    return proc.stdout


def rsync_message(proc: subprocess.CompletedProcess) -> str:
    """rsync's own words, on one line: its first two lines of complaint."""
    lines = [line.strip() for line in (proc.stderr or proc.stdout).splitlines() if line.strip()]
    return "; ".join(lines[:2]) or "no message"


def fetch(target: str, paths: list[str], dest: Path) -> dict[str, Path]:
    """Copy paths from the target into dest; path -> local copy for those that were there."""
    dest.mkdir(parents=True)
    listing = write_list(dest.parent / f"{dest.name}.list", paths)
    # 23/24: a path vanished since the listing; its absence is the answer.
    run_rsync(["rsync", "-8", "--from0", f"--files-from={listing}", target, f"{dest}/"],
              allowed=(0, 23, 24))
    local = {p: dest / p for p in paths}
    return {p: f for p, f in local.items() if f.is_file() and not f.is_symlink()}


def write_list(file: Path, paths: Iterable[str]) -> Path:
    """A --files-from list: NUL-separated, each path as './path' (rsync would skip a line
    starting with '#' or ';' as a comment)."""
    file.write_bytes(b"".join(f"./{p}".encode("utf-8", "surrogateescape") + b"\0"
                              for p in paths))
    return file


def transferred(out: str) -> list[str]:
    """The files rsync's `%i %n` lines say were (or would be) sent."""
    return [line.split(" ", 1)[1] for line in out.splitlines()
            if line[:2] in ("<f", ">f") and " " in line]


# --- paths ----------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parent_of(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def folders_of(path: str) -> list[str]:
    """The folders path lies in, outermost first ('a/b/c' -> ['a', 'a/b'])."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
