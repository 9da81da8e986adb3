"""The default theme (the page templates, and the theme's own assets: style and script) and
where it is found: shipped inside the package (a wheel holds it as coursesite/_theme/), or,
when running from a source checkout or an editable install, this repository's top-level
templates/ and assets/, which stay its source.

A site layers its own templates/ and assets/ over it, file by file: a site's templates/NAME
replaces the theme's template NAME (and `theme/NAME` still names the theme's own, so an
override can extend it and replace one block), a site's assets/NAME replaces the theme's asset.
"""
from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
# The source checkout this package sits in, when it is not installed from a wheel.
REPOSITORY = _PACKAGE.parent
# The files of assets/ that belong to the tool (the templates link them), not to a course.
THEME_ASSETS = ("style.css", "coursesite.js", "search.js")


def _theme_folder(name: str) -> Path:
    """The packaged copy of the theme's folder `name` if installed, else the repository's."""
    packaged = _PACKAGE / "_theme" / name
    return packaged if packaged.is_dir() else REPOSITORY / name


def default_templates() -> Path:
    """The folder of the default theme's templates."""
    return _theme_folder("templates")


def default_assets() -> Path:
    """The folder holding the theme's assets (THEME_ASSETS; in a source checkout, the
    course's own files are there too, and only THEME_ASSETS of them are the theme's)."""
    return _theme_folder("assets")


def template_folders(site_templates: Path | None) -> list[str]:
    """The template search path: the site's own folder (when it exists) before the theme's;
    a folder that is the theme's itself (building this repository) appears once."""
    theme = default_templates()
    folders = [theme]
    if site_templates is not None and Path(site_templates).is_dir() \
            and os.path.realpath(site_templates) != os.path.realpath(theme):
        folders.insert(0, Path(site_templates))
    return [str(f) for f in folders]


def theme_asset_paths() -> dict[str, Path]:
    """Output path -> file of each theme asset (a site's assets/ may replace any of them)."""
    folder = default_assets()
    return {f"assets/{name}": folder / name for name in THEME_ASSETS if (folder / name).is_file()}
