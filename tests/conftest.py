"""Shared test fixtures: the repository's paths, builds into tmp_path, golden-file option."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite the golden files from the current output (review the diff)")


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture
def content_copy(tmp_path) -> Path:
    """A private copy of the default content that a test may edit."""
    dest = tmp_path / "content"
    shutil.copytree(ROOT / "content", dest)
    return dest
