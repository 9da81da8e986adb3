#!/usr/bin/env python3
"""This repository's command line: the same entry point as the `coursesite` command
(coursesite/cli.py), with this folder as the project (content/, templates/, assets/, site/
next to build.py) and `build.py` as its name in messages.

Exit status: 0 success, 1 content problems (listed as file:line: message), 2 usage errors.
"""
from __future__ import annotations

from pathlib import Path

from coursesite import cli

PROJECT = Path(__file__).resolve().parent


def main(argv=None) -> int:
    """cli.main for this repository's project folder."""
    return cli.main(argv, prog="build.py", project=PROJECT)


if __name__ == "__main__":
    cli.run_as_process(prog="build.py", project=PROJECT)
