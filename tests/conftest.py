"""Shared test fixtures (never the repository's content/ or assets/): paths, builds into
tmp_path, golden-file option."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite the golden files from the current output (review the diff)")


# Chromium is started once per module that uses it. Not session-scoped: Playwright's sync API
# allows one running instance per thread, and test_serve_browser.py starts its own.
@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium, driven through Playwright."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    from coursesite.gates_browser import CHROMIUM_ARGS  # noqa: PLC0415

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                              args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture
def content_copy(tmp_path) -> Path:
    """A private copy of the AMLS fixture (tests/fixtures/amls) that a test may edit."""
    dest = tmp_path / "content"
    shutil.copytree(ROOT / "tests" / "fixtures" / "amls", dest)
    return dest


@pytest.fixture
def theme(tmp_path) -> Path:
    """An assets folder with the theme's files only."""
    from helpers import theme_assets  # noqa: PLC0415

    return theme_assets(tmp_path / "theme-assets")
