#!/usr/bin/env python3
"""The file-writing floor: a plain Python process that writes the files of a coursesite build
(same paths, same sizes) and does nothing else.

usage: floor.py LISTING OUT

LISTING holds one `size<TAB>path` per line (run.py makes it from a coursesite build). The
ratio build / floor says how much of a build is more than creating its files.
"""
import os
import sys


def main(listing: str, out: str) -> None:
    with open(listing, encoding="utf-8") as f:
        entries = [line.rstrip("\n").split("\t", 1) for line in f if line.strip()]
    made = set()
    for size, path in entries:
        folder = os.path.dirname(path)
        if folder not in made:
            os.makedirs(os.path.join(out, folder), exist_ok=True)
            made.add(folder)
        with open(os.path.join(out, path), "wb") as f:
            f.write(b"x" * int(size))


if __name__ == "__main__":
    main(*sys.argv[1:3])
