"""Write the rendered site to its output folder: the only code that touches the output.

Guarantees, in the spirit of Lektor's atomic writes and pruning:

- every output path is checked before anything is written (those of files made while the
  others are written, the search index, before the new site is swapped in);
- a folder is only ever replaced when it is a previous coursesite build (it holds a
  `.coursesite-manifest`) containing nothing but what that manifest lists, so a
  maintainer's own files are never deleted;
- the new build is written into a sibling temporary folder and swapped in with renames,
  so the output folder is at every moment either the complete old site or the complete
  new one;
- when nothing would change, nothing is touched, so mtimes stay stable for rsync.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import ContentError

MANIFEST = ".coursesite-manifest"
STAGING_MARK = ".coursesite-staging"
FILE_MODE = 0o644
FOLDER_MODE = 0o755
# Enough names to find the culprit without flooding the terminal.
MAX_NAMED = 5


class OutputError(ContentError):
    """The output folder or an output path is unusable; nothing was written."""


@dataclass(frozen=True)
class WriteReport:
    """What a write did (or, from `diff_against`, would do), relative to the previous build."""

    written: int = 0
    """Files written to disk (0 when the site was already up to date or for a dry run)."""
    added: list[str] = field(default_factory=list)
    """Paths not in the previous manifest, sorted."""
    changed: list[str] = field(default_factory=list)
    """Paths in the previous manifest whose bytes differ (or are missing on disk), sorted."""
    removed: list[str] = field(default_factory=list)
    """Paths in the previous manifest that are no longer produced, sorted."""
    unchanged: bool = False
    """True when the output already holds exactly these files with these bytes."""


# --- public API -------------------------------------------------------------------------


def write_site(out_dir: str | os.PathLike, files: Mapping[str, bytes],
               later: Callable[[], Mapping[str, bytes]] | None = None) -> WriteReport:
    """Make out_dir hold exactly `files`, the files `later()` returns (when given) and a
    manifest, atomically; raise OutputError before writing if unsafe (for a path of
    `later`'s: before the new site is swapped in). `later` is called once, after `files`
    are written to the staging folder, so what it waits for (the search index, made by
    another process) is made while they are written; when `files` are all in out_dir
    already, it is called first: the whole site may be unchanged, and then nothing is
    touched."""
    out = _output_folder(out_dir)
    report = diff_against(out, files)
    if later is not None and not (report.added or report.changed):
        extra = later()
        _check_extra(out, files, extra)
        report = _with_extra(report, out, extra)
        files, later = {**files, **extra}, None
    if report.unchanged:
        return report
    try:
        staging, extra = _stage(out, files, later)
        try:
            report = _with_extra(report, out, extra)  # before the swap: out is the old site
            _swap_in(out, staging)
        finally:
            # After a successful swap the staging folder is gone; after a failure it must not
            # linger.
            if staging.exists():
                shutil.rmtree(staging)
    except OSError as err:
        # Disk full, permission denied, ...: the maintainer can fix it, and the old site is
        # intact.
        raise OutputError(
            f"{out}: could not write the site ({err.strerror or err}); "
            "the previous site is unchanged"
        ) from err
    return replace(report, written=len(files) + len(extra))


def _with_extra(report: WriteReport, out: Path, extra: Mapping[str, bytes]) -> WriteReport:
    """`report`, the difference between out and a site, for that site with `extra` added
    (paths not in it): what of the previous build `extra` keeps is among report.removed."""
    if not extra:
        return report
    kept = set(report.removed) & set(extra)
    added = sorted([*report.added, *(set(extra) - kept)])
    changed = sorted([*report.changed, *(p for p in kept if not _same_bytes(out / p, extra[p]))])
    removed = sorted(set(report.removed) - kept)
    return replace(report, added=added, changed=changed, removed=removed,
                   unchanged=not (added or changed or removed))


def diff_against(out_dir: str | os.PathLike, files: Mapping[str, bytes]) -> WriteReport:
    """Compare `files` with the build in out_dir without writing; raise OutputError where
    write_site would refuse."""
    out = _output_folder(out_dir)
    check_output_paths(out, files)
    previous = previous_build(out)
    wanted = set(files)
    added = sorted(wanted - previous)
    removed = sorted(previous - wanted)
    changed = sorted(p for p in wanted & previous if not _same_bytes(out / p, files[p]))
    return WriteReport(
        written=0, added=added, changed=changed, removed=removed,
        unchanged=not (added or changed or removed),
    )


def check_output_paths(out_dir: str | os.PathLike, files: Mapping[str, bytes]) -> None:
    """Return if every path is a safe, distinct relative POSIX path; else raise one OutputError
    listing all problems."""
    _check_contents_are_bytes(files)
    problems = [p for path in sorted(files, key=str) for p in _path_problems(path)]
    problems += _collisions(files)
    if problems:
        _fail(Path(out_dir), problems)


def previous_build(out_dir: str | os.PathLike) -> set[str]:
    """The paths listed in out_dir's manifest (empty if out_dir is absent or empty); raise
    OutputError if it is not ours."""
    try:
        return _previous_build(Path(out_dir))
    except OSError as err:
        raise OutputError(f"output: cannot read the output folder {out_dir} "
                          f"({err.strerror or err}); fix its permissions or pass --out "
                          "another folder") from None


def _previous_build(out: Path) -> set[str]:
    if out.is_symlink():
        # Replacing a symlink by a folder would silently redirect the site; following it would
        # swap folders somewhere the maintainer did not name.
        _fail(out, [
            f"refusing to replace {out}: it is a symbolic link; pass --out the real folder"
        ])
    if not out.exists():
        return set()
    if not out.is_dir():
        _fail(out, [f"refusing to replace {out}: it is a file, not a folder"])
    manifest = out / MANIFEST
    if not manifest.is_file() or manifest.is_symlink():
        if not any(out.iterdir()):
            return set()
        _fail(out, [
            f"refusing to replace {out}: it is not a coursesite build (no {MANIFEST}); "
            "move it away or pass --out to another folder"
        ])
    listed = read_manifest(manifest)
    foreign = foreign_entries(out, listed)
    if foreign:
        _refuse_foreign(out, foreign)
    return listed


def read_manifest(manifest: Path) -> set[str]:
    """The set of paths listed in a manifest file, one per line; raise OutputError if unreadable."""
    try:
        text = manifest.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        _fail(manifest.parent, [
            f"refusing to replace {manifest.parent}: {MANIFEST} is not UTF-8 text"
        ])
    return {line for line in text.split("\n") if line}


def foreign_entries(out_dir: Path, listed: set[str]) -> list[str]:
    """Sorted relative paths under out_dir that the manifest does not account for (folders end
    in '/')."""
    ours_folders = {str(parent) for p in listed for parent in Path(p).parents if str(parent) != "."}
    foreign: list[str] = []
    _scan_foreign(out_dir, "", listed | {MANIFEST}, ours_folders, foreign)
    return sorted(foreign)


def manifest_bytes(paths) -> bytes:
    """The manifest for these paths: sorted, one per line, newline-terminated, UTF-8."""
    return "".join(f"{p}\n" for p in sorted(paths)).encode("utf-8")


# --- checking paths -----------------------------------------------------------------------


def _path_problems(path: str) -> list[str]:
    """Why one output path is unsafe ([] if it is fine)."""
    if not isinstance(path, str):
        return [f"output path {path!r} is not a string"]
    shown = repr(path)
    if path == "":
        return ["an output path is empty"]
    if "\0" in path:
        return [f"output path {shown} contains a NUL character"]
    if "\n" in path or "\r" in path:
        # The manifest is one path per line.
        return [f"output path {shown} contains a line break"]
    if "\\" in path:
        return [f"output path {shown} contains a backslash; use '/' between folders"]
    if path.startswith("/"):
        return [f"output path {shown} is absolute; it must be relative to the output folder"]
    segments = path.split("/")
    if "" in segments:
        return [f"output path {shown} has an empty segment ('//' or a trailing '/')"]
    if ".." in segments:
        return [f"output path {shown} leaves the output folder ('..')"]
    if "." in segments:
        # 'a/./b' would be a second name for 'a/b'.
        return [f"output path {shown} has a '.' segment"]
    if _fold(path) == _fold(MANIFEST):
        return [f"output path {shown} is reserved for coursesite's own manifest"]
    return []


def _collisions(files: Mapping[str, bytes]) -> list[str]:
    """Paths that would overwrite each other on a case-insensitive disk, or need one name as
    file and folder."""
    paths = sorted(p for p in files if isinstance(p, str) and not _path_problems(p))
    by_fold: dict[str, list[str]] = {}
    for p in paths:
        by_fold.setdefault(_fold(p), []).append(p)
    problems = [
        f"output paths {' and '.join(repr(p) for p in group)} differ only in letter case; "
        "they would overwrite each other on macOS and Windows"
        for group in by_fold.values() if len(group) > 1
    ]
    # A file 'a' and a file 'a/b' cannot both exist; compare folded so 'A' vs 'a/b' is caught too.
    folded_files = {_fold(p): p for p in paths}
    for p in paths:
        parts = p.split("/")
        for i in range(1, len(parts)):
            prefix = _fold("/".join(parts[:i]))
            if prefix in folded_files:
                problems.append(
                    f"output path {folded_files[prefix]!r} is a file, "
                    f"but {p!r} needs it to be a folder"
                )
                break
    return problems


def _check_contents_are_bytes(files: Mapping[str, bytes]) -> None:
    """Raise TypeError for non-bytes contents: that is a bug in coursesite, not the maintainer's
    mistake."""
    for path, data in files.items():
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(
                f"content for output path {path!r} is {type(data).__name__}, expected bytes"
            )


def _fold(path: str) -> str:
    """The name a case-insensitive, normalising file system (macOS, Windows) sees."""
    return unicodedata.normalize("NFC", path).casefold()


# --- reading the previous build -------------------------------------------------------------


def _scan_foreign(
    folder: Path, prefix: str, files: set[str], folders: set[str], foreign: list[str]
) -> None:
    """Append to `foreign` every entry under folder that is neither a listed file nor a folder
    of one."""
    with os.scandir(folder) as entries:
        for entry in entries:
            rel = prefix + entry.name
            # Never follow symlinks: we never write them, so any symlink is the maintainer's.
            if entry.is_dir(follow_symlinks=False) and rel in folders:
                _scan_foreign(Path(entry.path), rel + "/", files, folders, foreign)
            elif entry.is_file(follow_symlinks=False) and rel in files:
                continue
            else:
                foreign.append(rel + "/" if entry.is_dir(follow_symlinks=False) else rel)


def _refuse_foreign(out: Path, foreign: list[str]) -> None:
    """Raise OutputError naming up to MAX_NAMED entries that are not part of the previous build."""
    named = ", ".join(foreign[:MAX_NAMED])
    more = f" and {len(foreign) - MAX_NAMED} more" if len(foreign) > MAX_NAMED else ""
    _fail(out, [
        f"refusing to replace {out}: it contains files coursesite did not write: {named}{more}; "
        "move them out of the output folder (they would be deleted)"
    ])


def _same_bytes(path: Path, data: bytes) -> bool:
    """True if path is a regular file holding exactly data (size first, to skip most reads)."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size != len(data):
            return False
        return path.read_bytes() == bytes(data)
    except FileNotFoundError:
        return False


# --- writing ------------------------------------------------------------------------------


def _stage(out: Path, files: Mapping[str, bytes],
           later: Callable[[], Mapping[str, bytes]] | None = None) -> tuple[Path, Mapping]:
    """A new sibling folder of out holding every file, those `later()` returns (called once
    the others are written) and the manifest; removed again if writing fails. Returns the
    folder and the files of `later`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_siblings(out)
    staging = _sibling(out, "tmp")
    staging.mkdir()
    try:
        os.chmod(staging, FOLDER_MODE)
        # Marks the folder as ours until the manifest (written last) does: a build killed
        # while staging leaves a folder that the next build recognises and removes.
        (staging / STAGING_MARK).write_bytes(b"")
        # Sorted so that the order of writes (and any partial failure) is reproducible.
        made: set[str] = set()
        for rel in sorted(files):
            _write_file(staging, rel, files[rel], made)
        extra = later() if later is not None else {}
        if extra:
            _check_extra(out, files, extra)
            for rel in sorted(extra):
                _write_file(staging, rel, extra[rel], made)
        _write_file(staging, MANIFEST, manifest_bytes([*files, *extra]), made)
        (staging / STAGING_MARK).unlink()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging, extra


def _check_extra(out: Path, files: Mapping[str, bytes], extra: Mapping[str, bytes]) -> None:
    """Raise OutputError unless the paths of `extra` are safe, new and clash with none."""
    twice = sorted(set(files) & set(extra))
    if twice:
        _fail(out, [f"{path}: made twice" for path in twice])
    check_output_paths(out, {**files, **extra})


def _write_file(root: Path, rel: str, data: bytes, made: set[str]) -> None:
    """Write data to the new file root/rel with mode 0o644, creating parent folders (mode
    0o755) not in `made`, the folders created so far. Plain system calls: writing is a
    quarter of a build, and pathlib's per-file checks cost a third of it (measured)."""
    folder = rel.rpartition("/")[0]
    if folder and folder not in made:
        _make_folders(root, folder, made)
    fd = os.open(os.path.join(root, rel), os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        # fchmod because open's mode is filtered by the umask, and output must be
        # reproducible.
        os.fchmod(fd, FILE_MODE)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _make_folders(root: Path, folder: str, made: set[str]) -> None:
    """Create root/folder and its missing parents with mode 0o755, noting them in `made`."""
    parts = folder.split("/")
    for i in range(1, len(parts) + 1):
        sub = "/".join(parts[:i])
        if sub not in made:
            path = os.path.join(root, sub)
            if not os.path.isdir(path):
                os.mkdir(path)
                os.chmod(path, FOLDER_MODE)  # mkdir's mode is filtered by the umask too
            made.add(sub)


def _swap_in(out: Path, staging: Path) -> None:
    """Replace out by staging with renames, so out is always a whole site; restore the old one
    on failure."""
    if not out.exists():
        os.rename(staging, out)
        return
    old = _sibling(out, "old")
    os.rename(out, old)
    try:
        # Checked again after the rename: a file the maintainer saved into out since diff_against
        # ran must not be deleted with the old build.
        listed = read_manifest(old / MANIFEST) if (old / MANIFEST).is_file() else set()
        foreign = foreign_entries(old, listed)
        if foreign:
            _refuse_foreign(out, foreign)
        os.rename(staging, out)
    except BaseException:
        _restore(old, out)
        raise
    shutil.rmtree(old)


def _restore(old: Path, out: Path) -> None:
    """Put the previous build back at out after a failed swap."""
    try:
        os.rename(old, out)
    except OSError as err:
        raise OutputError(
            f"{out}: the new site could not be swapped in and the previous one could not be "
            f"restored ({err.strerror or err}); it is kept in {old}"
        ) from err


def remove_stale_siblings(out: Path) -> list[Path]:
    """Remove what killed builds left next to out: '.<name>.tmp-<hex>' and '.<name>.old-<hex>'
    folders that carry our staging mark or manifest. Anything else is not ours and stays."""
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(tmp|old)-[0-9a-f]{{12}}")
    removed = []
    try:
        candidates = list(out.parent.iterdir())
    except OSError:
        return removed
    for path in candidates:
        if pattern.fullmatch(path.name) and path.is_dir() and not path.is_symlink() and (
                (path / STAGING_MARK).is_file() or (path / MANIFEST).is_file()):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _sibling(out: Path, kind: str) -> Path:
    """An unused hidden path next to out: '.<name>.<kind>-<random>' (same file system, so
    renames are atomic)."""
    while True:
        candidate = out.parent / f".{out.name}.{kind}-{secrets.token_hex(6)}"
        if not os.path.lexists(candidate):
            return candidate


def _output_folder(out_dir: str | os.PathLike) -> Path:
    """out_dir as an absolute path (symlinks kept, so they can be refused); raise OutputError
    for '/'."""
    out = Path(os.path.abspath(out_dir))
    if not out.name:
        _fail(out, [f"refusing to use {out} as the output folder"])
    return out


def _fail(out: Path, problems: list[str]) -> None:
    """Raise one OutputError with every problem on its own line and a count."""
    if len(problems) == 1 and problems[0].startswith("refusing"):
        raise OutputError(f"output: {problems[0]}")
    # The count line is unprefixed, like ContentError.report().
    lines = [f"output: {p}" for p in problems]
    n = len(problems)
    lines.append(
        f"{n} problem{'s' if n != 1 else ''} with the output; nothing was written to {out}."
    )
    raise OutputError("\n".join(lines))


def output_path_problem(path: str) -> str:
    """Why path is not a safe relative output path ('' when it is one): the rule write_site applies
    (deploy uses it too, to trust no path it reads back from a target)."""
    problems = _path_problems(path)
    return problems[0] if problems else ""
