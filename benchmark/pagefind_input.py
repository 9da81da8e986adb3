"""Prepares Pagefind alone on a coursesite build's pages, as the build itself runs it.

usage: PROJECT/.venv/bin/python pagefind_input.py SITE INPUT OUT

Copies the pages of the built SITE that the build gives Pagefind (coursesite.search) into
INPUT and prints, as JSON, the command line that indexes them into OUT: run.py times it
beside the builds, so the table shows what the search index alone costs.
"""
import json
import shutil
import sys
from pathlib import Path

from coursesite.search import indexed_pages, pagefind_binary, pagefind_command


def main(site: str, source: str, out: str) -> None:
    root, target = Path(site), Path(source)
    shutil.rmtree(target, ignore_errors=True)
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.html"))}
    for path, data in sorted(indexed_pages(files).items()):
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        (target / path).write_bytes(data)
    print(json.dumps(pagefind_command(pagefind_binary(), target, Path(out))))


if __name__ == "__main__":
    main(*sys.argv[1:4])
