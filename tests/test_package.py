"""The tool as another department adopts it: the wheel holds the command, the default theme
and the starter site; installed into a fresh venv outside the repository, `coursesite new`
makes a site that builds strictly, checks and serves; a site's templates/NAME and
assets/style.css override the theme's; a broken override names its file:line; and the new
site's CI recipes pass this repository's recipe checks (tests/test_ci_recipes.py).

How the venv gets the dependencies: it is made without the test interpreter's packages
(`venv --without-pip` from the base interpreter, so the repository's editable install is not
in it), the wheel is installed into it with `--no-deps`, and a .pth file appends the test
interpreter's site-packages (jinja2, PyYAML, ... as `make test` installed them) to its path.
A .pth line adds a folder without running that folder's own .pth files, so the repository's
editable coursesite stays invisible: the venv's `coursesite` is the wheel's. The wheel is
built from a copy of the package's sources in a temporary folder (a build writes build/ and
*.egg-info next to its sources); without build isolation when this interpreter's setuptools
can make wheels, else pip makes its isolated build environment.
"""
from __future__ import annotations

import importlib.util
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tomllib
import urllib.request
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from helpers import GIT_ENV, ROOT, git, theme_assets
from test_ci_recipes import (
    check_deploy_configured_by_variables,
    check_github_site_recipe,
    check_gitlab_site_recipe,
    check_same_make_targets,
    github,
    gitlab,
)

import coursesite
from coursesite.pipeline import THEME_ASSETS

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
TEMPLATES = sorted(p.name for p in (ROOT / "templates").iterdir())


def package_sources(dest: Path) -> Path:
    """What the wheel is built from: pyproject, README, the package, the theme's templates
    and assets, and one course file under assets/ that must stay out of the wheel."""
    dest.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "coursesite", dest / "coursesite", ignore=ignore)
    shutil.copytree(ROOT / "templates", dest / "templates", ignore=ignore)
    (dest / "assets" / "ss26_x").mkdir(parents=True)
    theme_assets(dest / "assets")  # the theme's own files only, as the tool finds them
    (dest / "assets" / "ss26_x" / "slides.pdf").write_bytes(b"%PDF-1.4\n")
    return dest


def can_build_wheels() -> bool:
    return bool(importlib.util.find_spec("wheel")
                or importlib.util.find_spec("setuptools.command.bdist_wheel"))


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> SimpleNamespace:
    """The wheel, and a venv outside the repository with it installed."""
    tmp = tmp_path_factory.mktemp("package")
    src = package_sources(tmp / "src")
    isolation = ["--no-build-isolation"] if can_build_wheels() else []
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", *isolation,
                    "-w", str(tmp / "dist"), str(src)], check=True, capture_output=True,
                   timeout=300)
    (wheel,) = (tmp / "dist").glob("coursesite-*.whl")
    venv = tmp / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                    "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True,
                   timeout=300)
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                              "['purelib'])"], check=True, capture_output=True, text=True
                             ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib, "test-dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    return SimpleNamespace(wheel=wheel, python=python, bin=venv / "bin", src=src)


def run(installed, *args, cwd: Path) -> subprocess.CompletedProcess:
    """`coursesite ARGS` of the venv, in `cwd`, with nothing of the repository on its path."""
    env = {"PATH": f"{installed.bin}:/usr/bin:/bin", "HOME": str(cwd), "LANG": "C.UTF-8",
           **GIT_ENV}
    return subprocess.run([str(installed.bin / "coursesite"), *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def new_site(installed, tmp_path) -> Path:
    """A site made by `coursesite new`, committed to git (the calendar's change record)."""
    result = run(installed, "new", "mysite", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    site = tmp_path / "mysite"
    git(site, "init", "-q", "-b", "main")
    git(site, "add", "-A")
    git(site, "commit", "-q", "-m", "new site")
    return site


# --- the wheel --------------------------------------------------------------------------------

def test_wheel_holds_command_theme_and_starter_but_no_course_files(installed):
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
        entry_points = next(wheel.read(n).decode() for n in names
                            if n.endswith(".dist-info/entry_points.txt"))
    assert {f"coursesite/_theme/templates/{t}" for t in TEMPLATES} <= names
    assert {f"coursesite/_theme/assets/{a}" for a in THEME_ASSETS} <= names
    assert {"coursesite/starter/Makefile", "coursesite/starter/github/site.yml",
            "coursesite/starter/content/ss26_example/course.yaml"} <= names
    assert not [n for n in names if "ss26_x" in n or n.startswith(("tests/", "content/"))]
    assert "coursesite = coursesite.cli:run_as_process" in entry_points


def test_installed_tool_uses_its_packaged_theme_and_version(installed, tmp_path):
    where = subprocess.run([installed.python, "-c", "from coursesite import theme; "
                            "print(theme.default_templates())"], cwd=tmp_path,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(installed.bin.parent)
    result = run(installed, "--version", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, f"coursesite {VERSION}\n")
    assert coursesite.__version__ == VERSION  # the fallback of an uninstalled checkout


# --- coursesite new ---------------------------------------------------------------------------

def test_new_site_builds_strictly_checks_and_ships_no_tests(installed, new_site):
    files = {p.relative_to(new_site).as_posix() for p in new_site.rglob("*")
             if p.is_file() and ".git" not in p.relative_to(new_site).parts}
    assert {".gitignore", "Makefile", "README.md", ".github/workflows/site.yml",
            ".gitlab-ci.yml", "content/site.yaml", "content/ss26_example/course.yaml",
            "schema/course.schema.json"} <= files
    assert not [f for f in files if "test" in f or f.startswith("tests/")]
    assert f"coursesite[gates]=={VERSION}" in (new_site / "requirements.txt").read_text()
    result = run(installed, "build", "--strict", cwd=new_site)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert result.stdout.startswith("Built 1 offering, ")
    site = new_site / "site"
    assert (site / "ss26_example" / "index.html").is_file()
    for name in THEME_ASSETS:
        assert (site / "assets" / name).read_bytes() == (installed.src / "assets" / name
                                                         ).read_bytes()
    result = run(installed, "check", "--strict", cwd=new_site)
    # A new site is not published yet: check notes (never fatal) that base_url is unset.
    assert result.returncode == 0, result.stderr
    assert [line.split(": ", 2)[1:] for line in result.stderr.splitlines()] == [
        ["content/site.yaml:5", "base_url: not set, but the site publishes calendar feeds: set "
         "it to the address the site is published at (e.g. https://www.example.org/teaching/) "
         "so every page offers webcal and Google Calendar links; until then only pages viewed "
         "online with JavaScript can"]]


def test_the_installed_theme_is_compiled_once_for_every_build(installed, new_site):
    """`python -m coursesite.precompiled` (the new site's Makefile runs it after pip) stores
    the packaged theme's compiled templates in the installed package; builds then load them,
    with the same pages."""
    def built() -> dict:
        result = run(installed, "build", cwd=new_site)
        assert result.returncode == 0, result.stderr
        return {p: p.read_bytes() for p in sorted((new_site / "site").rglob("*.html"))}

    before = built()
    shutil.rmtree(new_site / "site")
    result = subprocess.run([installed.python, "-m", "coursesite.precompiled"], cwd=new_site,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    store = Path(result.stdout.strip().split(" into ", 1)[1])
    assert store.parent.parent.name == "coursesite" and installed.python.parent.parent in \
        store.parents
    assert len(list(store.glob("*.code"))) == len(list(store.glob("*.refs"))) >= 8
    assert built() == before


def test_new_refuses_a_folder_that_is_not_empty(installed, tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine\n")
    result = run(installed, "new", "taken", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == ("coursesite new: error: taken is not empty; give a new or empty "
                             "folder (nothing was written)\n")
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["notes.txt"]


def test_make_builds_the_new_site_with_coursesite(installed, new_site):
    result = subprocess.run(["make", "build", f"COURSESITE={installed.bin / 'coursesite'}"],
                            cwd=new_site, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (new_site / "site" / "index.html").is_file()


def test_new_sites_recipes_pass_the_recipe_checks(new_site):
    check_github_site_recipe(github(new_site))
    check_gitlab_site_recipe(gitlab(new_site))
    check_same_make_targets(new_site, {"make", "make check", "make deploy"})
    check_deploy_configured_by_variables(new_site)


def test_new_site_serves(installed, new_site):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([str(installed.bin / "coursesite"), "serve", "--port", str(port)],
                            cwd=new_site, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        line = proc.stdout.readline()
        while line and not line.startswith("Serving on"):
            line = proc.stdout.readline()
        assert line.startswith("Serving on http://127.0.0.1:"), proc.stderr.read()
        url = line.split()[2]
        with urllib.request.urlopen(url + "ss26_example/", timeout=10) as response:
            assert response.status == 200
            assert b"Data Systems #2: Storage" in response.read()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0 and "Traceback" not in err, err


# --- overriding the theme ---------------------------------------------------------------------

def test_a_template_and_the_stylesheet_override_the_theme(installed, new_site):
    (new_site / "templates").mkdir()
    (new_site / "templates" / "landing.html").write_text(
        '{% extends "theme/landing.html" %}\n'
        '{% block main %}<p>Our own welcome.</p>\n{{ super() }}{% endblock %}\n')
    (new_site / "assets").mkdir()
    (new_site / "assets" / "style.css").write_text("body { color: #111; }\n")
    result = run(installed, "build", "--strict", cwd=new_site)
    assert result.returncode == 0, result.stderr
    landing = (new_site / "site" / "index.html").read_text()
    assert "<p>Our own welcome.</p>" in landing
    assert "Data Systems #2: Storage" in landing  # the theme's block, through super()
    assert (new_site / "site" / "assets" / "style.css").read_text() == "body { color: #111; }\n"
    assert (new_site / "site" / "assets" / "coursesite.js").read_bytes() == (
        installed.src / "assets" / "coursesite.js").read_bytes()  # not overridden: the theme's


def test_a_broken_override_names_its_file_and_line(installed, new_site):
    (new_site / "templates").mkdir()
    (new_site / "templates" / "course.html").write_text(
        '{% extends "theme/course.html" %}\n'
        "{% block main %}\n<p>{{ offering.no_such_value.x }}</p>\n{% endblock %}\n")
    result = run(installed, "build", cwd=new_site)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(
        "templates/course.html:3: template uses an undefined value: "), result.stderr
    assert "(while rendering ss26_example/index.html)" in result.stderr.splitlines()[0]
    assert not (new_site / "site").exists()


def test_the_preview_cache_notices_an_edited_override(tmp_path):
    """In-process, from the repository's package: an override added or edited between two
    builds with one cache changes the pages (the kept templates cover the site's folder)."""
    from coursesite.cache import BuildCache
    from coursesite.pipeline import Project, render_site
    from coursesite.scaffold import scaffold

    scaffold(tmp_path / "s")
    project = Project(content=tmp_path / "s" / "content", templates=tmp_path / "s" / "templates",
                      assets=tmp_path / "s" / "assets")
    cache = BuildCache()
    first = render_site(project, cache=cache).files["index.html"]
    override = tmp_path / "s" / "templates" / "landing.html"
    override.parent.mkdir()
    override.write_text('{% extends "theme/landing.html" %}{% block crumb %}One{% endblock %}')
    second = render_site(project, cache=cache).files["index.html"]
    override.write_text('{% extends "theme/landing.html" %}{% block crumb %}Two{% endblock %}')
    third = render_site(project, cache=cache).files["index.html"]
    assert b">One<" in second and b">Two<" in third and first not in (second, third)


def test_a_source_checkout_uses_the_repositorys_theme():
    """Running from the repository (or an editable install of it): the top-level folders are
    the theme, and the search path lists this repository's templates/ once."""
    from coursesite import theme

    assert theme.default_templates() == ROOT / "templates"
    # The theme's assets sit beside its templates; only the tool's own files are looked at.
    assets = theme.default_assets()
    assert assets.parent == ROOT
    assert all((assets / name).is_file() for name in theme.THEME_ASSETS)
    assert theme.template_folders(ROOT / "templates") == [str(ROOT / "templates")]
