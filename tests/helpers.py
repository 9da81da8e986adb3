"""Helpers shared by the error, CLI and property tests: run the command line, snapshot folders."""
from __future__ import annotations

import atexit
import contextlib
import functools
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "tests" / "broken"
FIXTURES = ROOT / "tests" / "fixtures"
AMLS = FIXTURES / "amls"   # a frozen copy of the AMLS Summer 2026 offering

if str(ROOT) not in sys.path:  # build.py lives next to coursesite/, not inside it
    sys.path.insert(0, str(ROOT))


def run_cli(*args, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """`python build.py ARGS` in a fresh interpreter, from the repository root by default,
    with the theme's assets only (see `with_theme`).

    Paths in messages are shown relative to the working folder, so tests that compare
    exact lines run from the root and name mini-sites as tests/broken/<name>.
    """
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *with_theme(args)],
                          cwd=cwd, capture_output=True, text=True, timeout=120)


def with_theme(args) -> list[str]:
    """ARGS with `--assets` pointing at a theme-only folder when a site-building command
    gives none: the repository's assets/ also holds the maintainers' files."""
    args = [str(a) for a in args]
    command = args[0] if args and not args[0].startswith("-") else "build"
    if command in ("build", "check", "serve", "deploy") and "--assets" not in args \
            and "-h" not in args and "--help" not in args:
        args += ["--assets", str(_theme_folder())]
    return args


@functools.cache
def _theme_folder() -> Path:
    """One theme folder for the whole test run, removed when it ends."""
    folder = Path(tempfile.mkdtemp(prefix="coursesite-theme-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return theme_assets(folder / "assets")


def run_main(argv) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of build.main(argv) run in this process.

    Any exception other than SystemExit propagates: that is a traceback the maintainer would see.
    """
    import build  # noqa: PLC0415 - imported late so ROOT is on sys.path

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = build.main(with_theme(argv))
    return status, out.getvalue(), err.getvalue()


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under folder, hidden ones included (relative POSIX path -> bytes); {} if absent.
    A git folder's insides are left out: builds keep their history cache there."""
    folder = Path(folder)
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if (p.is_file() or p.is_symlink())
            and ".git" not in p.relative_to(folder).parts}


def entries(folder: Path) -> list[str]:
    """Every path under folder, folders included, sorted (to see stray temporary folders);
    the insides of git folders left out, as in `tree`."""
    return sorted(p.relative_to(folder).as_posix() for p in Path(folder).rglob("*")
                  if ".git" not in p.relative_to(folder).parts[:-1])


def copy_site(src: Path, dest: Path) -> Path:
    """A private copy of a content folder (builds may write calendar state into content)."""
    shutil.copytree(src, dest)
    return dest


def lines(text: str) -> list[str]:
    """The lines of captured output, without the final newline."""
    return text.splitlines()


def theme_assets(dest: Path) -> Path:
    """An assets folder holding only the theme's own files, as the tool finds them
    (coursesite.theme): whatever maintainers add to assets/ (slides of today's course) stays
    out of tests."""
    from coursesite.theme import theme_asset_paths  # noqa: PLC0415

    dest.mkdir(parents=True, exist_ok=True)
    for rel, source in theme_asset_paths().items():
        shutil.copy2(source, dest / rel.removeprefix("assets/"))
    return dest


def fixture_project(tmp_path: Path, fixture: str = "amls", extra_assets: dict | None = None):
    """A Project built from a private copy of tests/fixtures/<fixture> and the theme."""
    from coursesite.pipeline import Project  # noqa: PLC0415

    content = copy_site(FIXTURES / fixture, tmp_path / f"content-{fixture}")
    assets = theme_assets(tmp_path / f"assets-{fixture}")
    for rel, data in (extra_assets or {}).items():
        (assets / rel).parent.mkdir(parents=True, exist_ok=True)
        (assets / rel).write_bytes(data)
    return Project(content=content, assets=assets)


GIT_ENV = {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.org",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(repo: Path, *args: str, when: str = "2026-03-02T09:00:00Z") -> str:
    """git in `repo`, with a fixed identity and commit date, independent of ~/.gitconfig."""
    env = dict(os.environ, **GIT_ENV, GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True,
                          text=True).stdout


def committed_copy(src: Path, dest: Path, when: str = "2026-03-02T09:00:00Z") -> Path:
    """A copy of a content folder as the only folder of a new git repository, committed."""
    shutil.copytree(src, dest)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "content", when=when)
    return dest
