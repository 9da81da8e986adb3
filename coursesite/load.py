"""Read YAML content into `Node` trees that remember file and line of every value.

Scalars stay strings: the schema in model.py decides what a value means. This avoids
YAML 1.1 surprises (`16:00` is the integer 960, `no` is False, `1.10` is 1.1) and lets every
message quote exactly what the maintainer typed.
"""
from __future__ import annotations

import os
import re
import stat
import unicodedata
from functools import cache, lru_cache
from pathlib import Path
from sys import intern

import yaml

from .errors import ContentError, Problem

try:  # libyaml's C parser: several times faster; the pure-Python one is the same grammar.
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - only without libyaml
    from yaml import SafeLoader as _SafeLoader


class _Loader(_SafeLoader):
    """The safe loader without implicit typing: scalars stay strings anyway (see above), so
    `16:00` need not be tried against YAML 1.1's patterns for integers, floats, booleans and
    dates. That resolver ran in Python for every value, a sixth of reading a large site.
    Explicitly tagged values (`!!int 5`, `!foo`) keep their tags and are judged by them."""

    _TAGS = {yaml.ScalarNode: "tag:yaml.org,2002:str", yaml.SequenceNode: "tag:yaml.org,2002:seq",
             yaml.MappingNode: "tag:yaml.org,2002:map"}

    def resolve(self, kind, value, implicit):  # noqa: ARG002 - the signature PyYAML calls
        return self._TAGS[kind]

    def descend_resolver(self, current_node, current_index):  # noqa: ARG002 - (no path resolvers)
        return None

    def ascend_resolver(self):
        return None

# Content never nests deeper than a handful of levels; anything deeper is a mistake or an attack.
MAX_DEPTH = 24
# Aliases can make a small file expand to billions of values ("billion laughs").
MAX_NODES_PER_FILE = 100_000
_NULLS = {"", "~", "null", "Null", "NULL"}
_STANDARD_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp",
}


_NO_KEYS: dict = {}  # the key lines of every value that is not a mapping (never written to)


class Node:
    """One YAML value: None, str, list[Node] or dict[str, Node], with its position; never
    changed once made. `key_lines` maps each key of a mapping to the line the key is written
    on. (A plain class with slots, not a frozen dataclass: a file makes one per value, and a
    frozen dataclass's constructor costs three times as much.)"""

    __slots__ = ("value", "file", "line", "key_lines")

    def __init__(self, value: object, file: str, line: int, key_lines: dict = _NO_KEYS):
        # one statement each: a tuple assignment builds and unpacks a tuple, a third slower
        self.value = value
        self.file = file
        self.line = line
        self.key_lines = key_lines

    def __repr__(self) -> str:
        return f"Node({self.value!r}, {self.file!r}, {self.line})"

    @property
    def kind(self) -> str:
        """'null', 'scalar', 'list' or 'mapping'."""
        if self.value is None:
            return "null"
        if isinstance(self.value, str):
            return "scalar"
        return "list" if isinstance(self.value, list) else "mapping"


def display_path(path: Path) -> str:
    """The path as the maintainer knows it: relative to the working folder when inside it."""
    text = os.fspath(path)
    here = os.getcwd()
    # The common case, a normalised path under the working folder, without relpath's two
    # abspath calls (every content file is named once per build): the same text relpath gives.
    if text.startswith(here) and text[len(here):len(here) + 1] == os.sep \
            and _normalised(text) and here != os.sep:
        return text[len(here) + 1:]
    rel = os.path.relpath(path)
    return rel if not rel.startswith("..") else str(path)


def _normalised(text: str) -> bool:
    """True when os.path.normpath would leave the absolute path `text` as it is (no '.' or
    '..' parts, no doubled or trailing separator); a hidden name ('/.git') also says False."""
    sep = os.sep
    return (sep + ".") not in text and (sep + sep) not in text and not text.endswith(sep)


# No content file is this big (the AMLS lectures.yaml is 4 KB): a bigger one is a mistake,
# such as a link to a device, and reading it whole would exhaust memory.
MAX_FILE_BYTES = 4 * 1024 * 1024


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES; a ContentError otherwise.
    Devices and FIFOs are refused before they are opened (reading one never ends)."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise _unreadable(path, "not a regular file (a device, FIFO or socket?); content "
                              "files are plain text files")
        if info.st_size > MAX_FILE_BYTES:
            raise _unreadable(path, "larger than 4 MiB; content files are small text files "
                              "(split it, or check what it is)")
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _unreadable(path, f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:  # it grew while we read it
        raise _unreadable(path, "larger than 4 MiB; content files are small text files")
    return data


def _unreadable(path: Path, message: str) -> ContentError:
    """The error of a file that cannot be read; the path is shown only then (naming it is a
    relpath, and almost every file read is read without a problem)."""
    return ContentError([Problem(display_path(path), 0, "", message)])


def outside(path: Path, root: Path) -> Path | None:
    """Where `path` really is when that is outside `root` (through a symbolic link); None
    when it is inside. Links inside the content folder are followed (a shared file)."""
    if not _through_link(path, root):  # the common case: a plain file in a plain folder
        return None
    real = os.path.realpath(path)  # a loop of links is left for reading to report
    base = _real_folder(os.fspath(root))
    return None if real == base or real.startswith(base.rstrip(os.sep) + os.sep) else Path(real)


def _through_link(path: Path, root: Path) -> bool:
    """True unless `path` is written under `root` and no part of it below `root` is a
    symbolic link (then it is inside root, and resolving it in full is not needed: two lstat
    calls where realpath makes one per part of the absolute path)."""
    text, base = os.fspath(path), os.fspath(root)
    if not (isinstance(path, Path) and isinstance(root, Path) and base not in (".", os.sep)
            and text.startswith(base + os.sep)):
        return _through_link_parts(path, root)
    # Both are pathlib's normalised text, `path` below `root`: the parts are the rest split
    # at the separator, as relative_to gives them, without building a Path per part.
    current = base
    for part in text[len(base) + 1:].split(os.sep):
        current = current + os.sep + part
        if part == ".." or os.path.islink(current):
            return True
    return False


def _through_link_parts(path, root) -> bool:
    """`_through_link` for any spelling of the two paths (strings, '.', '/'), by pathlib."""
    try:
        parts = Path(path).relative_to(root).parts
    except ValueError:
        return True
    current = Path(root)
    for part in parts:
        current = current / part
        if part == ".." or os.path.islink(current):
            return True
    return False


@lru_cache(maxsize=8)
def _real_folder(folder: str) -> str:
    """The content folder's real path, resolved once per folder (the preview checks every
    content file on every save: resolving the folder anew each time was a fifth of it)."""
    return os.path.realpath(folder)


def read_text(path: Path, shown: str) -> str:
    """The file's text, strictly UTF-8; a ContentError names the file (as `shown`) and line."""
    return decode(read_bytes(path), shown)


def decode(data: bytes, shown: str) -> str:
    """The text, strictly UTF-8 (a BOM is allowed); a ContentError names the bad line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContentError([Problem(
            shown, line, "",
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
        )]) from None


def load_yaml(path: Path, data: bytes | None = None) -> Node:
    """Parse one YAML file (or its already read bytes) into a Node tree; every problem raises
    ContentError with file:line."""
    shown = display_path(path)
    return parse_yaml(decode(read_bytes(path) if data is None else data, shown), shown)


def parse_yaml(text: str, shown: str) -> Node:
    """Parse YAML text (named `shown` in messages) into a Node tree."""
    _check_characters(text, shown)
    deep = _could_be_deep(text)
    if deep and not _composer_limits_nesting():
        _guarded(shown, _check_depth, text, shown)  # composing it could crash the interpreter
        return _compose(text, shown)
    try:
        return _compose(text, shown)
    except ContentError as exc:
        failure = exc
    # The depth pass reads the whole text again (for the rooms of a large site it took longer
    # than composing them), so a file that may nest deeply but composes cleanly skips it: it
    # would have passed. When the file does not compose, the pass runs as it ran before
    # composing, and what it finds (a syntax error further on, a too deep collection) is
    # reported as it was; a file it passes fails as composing or converting found.
    if deep:
        _guarded(shown, _check_depth, text, shown)
    raise failure


def _compose(text: str, shown: str) -> Node:
    """The Node tree of the text; a ContentError for what composing or converting finds."""
    root = _guarded(shown, yaml.compose, text, Loader=_Loader)
    if root is None:
        return Node(None, shown, 1)
    return _Converter(shown).convert(root, 0)


def _guarded(shown: str, read, *args, **kwargs):
    """read(*args, **kwargs), with PyYAML's errors raised as ContentErrors naming `shown`."""
    try:
        return read(*args, **kwargs)
    except yaml.MarkedYAMLError as exc:
        raise ContentError([_syntax_problem(exc, shown)]) from None
    except yaml.YAMLError as exc:  # unmarked errors (e.g. reader errors) still name the file
        raise ContentError([Problem(shown, 1, "", f"YAML syntax: {exc}")]) from None
    except RecursionError:
        raise ContentError([Problem(shown, 1, "", "nested too deeply to read")]) from None


@cache
def _composer_limits_nesting() -> bool:
    """Whether libyaml refuses deep nesting itself (recent builds stop at 1,000 levels), so
    that composing cannot crash: asked of it once per process, with a nesting it survives
    either way. The pure-Python composer is not asked: it recurses in Python."""
    if _SafeLoader is not getattr(yaml, "CSafeLoader", None):
        return False
    depth = 2_000
    try:
        yaml.compose("[" * depth + "]" * depth, Loader=_Loader)
    except yaml.YAMLError as exc:
        return "nesting depth" in str(exc)
    return False


# What YAML 1.1 allows in a stream; anything else makes libyaml raise an unmarked ReaderError.
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


# The ASCII characters of _NOT_PRINTABLE: deleting them from an ASCII text's bytes (a table
# lookup per byte) is several times quicker than searching the text for the whole class.
_ASCII_REFUSED = bytes(c for c in range(128) if _NOT_PRINTABLE.match(chr(c)))


def _check_characters(text: str, shown: str) -> None:
    """Raise ContentError at the line and column of the first character YAML does not allow."""
    if text.isascii():
        data = text.encode("ascii")
        if len(data.translate(None, _ASCII_REFUSED)) == len(data):
            return
    bad = _NOT_PRINTABLE.search(text)
    if bad:
        at = bad.start()
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        kind = "control character" if unicodedata.category(bad.group()) == "Cc" else "character"
        raise ContentError([
            Problem(shown, line, "", f"YAML syntax: {kind} U+{ord(bad.group()):04X} "
                    f"is not allowed (column {column}); delete it")
        ])


def _could_be_deep(text: str) -> bool:
    """False when the text is too small to nest thousands of levels (the depth that crashes
    libyaml), so ordinary files skip the extra parse pass; MAX_DEPTH is still enforced on them
    after composing."""
    return len(text) > 20_000 or text.count("[") + text.count("{") > 1_000


def _check_depth(text: str, shown: str) -> None:
    """Refuse deep nesting before composing: libyaml's composer recurses in C and crashes the
    interpreter (segfault) at some 50 000 levels; its event parser does not recurse."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH + 1:  # the root collection is depth 0
                raise ContentError([Problem(shown, event.start_mark.line + 1, "",
                                            f"nested more than {MAX_DEPTH} levels deep; "
                                            "content is never that deep")])
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


def _syntax_problem(exc: yaml.MarkedYAMLError, shown: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1  # PyYAML marks are 0-based
    if "nesting depth" in (exc.problem or ""):  # newer PyYAML stops deep nesting itself
        return Problem(shown, line, "", f"nested more than {MAX_DEPTH} levels deep; content "
                       "is never that deep")
    column = f" (column {mark.column + 1})" if mark else ""
    what = exc.problem or "invalid YAML"
    context = f", {exc.context}" if exc.context else ""
    return Problem(shown, line, "", f"YAML syntax: {what}{context}{column}; "
                   "check indentation, colons and quotes on this line or the one before")


class _Converter:
    """Turn composed yaml nodes into Nodes, enforcing depth and size limits."""

    def __init__(self, shown: str):
        self.shown = shown
        self.count = 0

    def fail(self, node, message: str):
        raise ContentError([Problem(self.shown, node.start_mark.line + 1, "", message)])

    def refuse(self, node, depth: int):
        """Raise the problem of a node past a limit or with a tag we do not read."""
        if self.count > MAX_NODES_PER_FILE:
            self.fail(node, f"more than {MAX_NODES_PER_FILE} values (aliases expanding?); "
                      "write the content out without anchors and aliases")
        if depth > MAX_DEPTH:
            self.fail(node, f"nested more than {MAX_DEPTH} levels deep; content is never that deep")
        self.fail(node, f"unsupported YAML tag '{node.tag}'; remove it")

    def convert(self, node, depth: int) -> Node:
        # one test for the three limits in the common case: this runs once per value
        self.count += 1
        if self.count > MAX_NODES_PER_FILE or depth > MAX_DEPTH or node.tag not in _STANDARD_TAGS:
            self.refuse(node, depth)
        value = node.value
        if type(value) is str:  # a scalar (the composer's value types are exact)
            # A plain scalar's style is None in PyYAML's parser but '' in libyaml's.
            plain_null = not node.style and value in _NULLS
            return Node(None if plain_null else value, self.shown, node.start_mark.line + 1)
        if type(node) is yaml.SequenceNode:
            convert, depth = self.convert, depth + 1
            return Node([convert(item, depth) for item in value], self.shown,
                        node.start_mark.line + 1)
        return self.convert_mapping(node, depth, node.start_mark.line + 1)

    def convert_mapping(self, node, depth: int, line: int) -> Node:
        values: dict[str, Node] = {}
        key_lines: dict[str, int] = {}
        convert, depth = self.convert, depth + 1
        for key_node, value_node in node.value:
            key = key_node.value
            if type(key) is not str or key == "<<":  # a list or mapping as key, or a merge
                self.fail(key_node, "keys must be plain words (no lists, mappings or '<<' merges)")
            if key in values:
                self.fail(key_node, f"duplicate key '{key}' (first on line {key_lines[key]}); "
                          "keep one")
            # Interned: the schema's field names are, so looking a key up compares pointers,
            # and a key written in many mappings is pickled once when workers send it back.
            key = intern(key)
            key_lines[key] = key_node.start_mark.line + 1
            values[key] = convert(value_node, depth)
        return Node(values, self.shown, line, key_lines)
