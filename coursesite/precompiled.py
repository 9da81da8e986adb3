"""The theme's templates compiled when coursesite is installed, as pip compiles its modules.

Compiling the theme's eight templates costs a build about 70 ms of CPU (a fifth of a
one-offering build), every build, for the same sources. `make` (through `precompile()`)
stores each one's Python code, in Jinja's own bytecode format, under the package's
`__pycache__/`, next to the modules' bytecode; a build loads it instead of compiling
(Jinja's BytecodeCache protocol). Nothing is written while building: a template whose
source, file or Python differs from what was compiled (a site's own override, an edited
theme, another interpreter) is compiled as before, and the store is never updated, so what a
build does never depends on an earlier build.

With each template's code goes the list of templates it references (TemplateSet.refs: which
sources a page depends on, found while parsing), since a template loaded from here is never
parsed.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import jinja2

# Marshalled code is specific to the interpreter (Jinja's bucket checks its own magic too).
STORE = Path(__file__).resolve().parent / "__pycache__" / \
    f"templates.{sys.implementation.cache_tag}"


class InstalledTemplates(jinja2.BytecodeCache):
    """The compiled templates under `folder`: `<key>.code` (a Jinja bucket) and `<key>.refs`
    (JSON: the names it references, or null when one is computed), keyed as Jinja keys a
    template (its name and file). Read only; `refs` maps the key of every template loaded
    from here to its references."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.refs: dict[str, list | None] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Fill the bucket from the store when it holds code for this very source (the
        bucket checks the source's checksum and Jinja's format, and stays empty if either
        differs)."""
        try:
            code = (self.folder / f"{bucket.key}.code").read_bytes()
            refs = json.loads((self.folder / f"{bucket.key}.refs").read_bytes())
        except (OSError, ValueError):
            return
        bucket.bytecode_from_string(code)
        if bucket.code is not None:
            self.refs[bucket.key] = refs

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Nothing: a build never writes the store (see the module's docstring)."""

    def references(self, template: jinja2.Template):
        """The names the template references (None: one is computed at render time), if
        it was loaded from here; else KeyError."""
        refs = self.refs[self.get_cache_key(template.name, template.filename)]
        return None if refs is None else set(refs)


def installed() -> InstalledTemplates | None:
    """The store of this installation, or None when `make` made none."""
    return InstalledTemplates(STORE) if STORE.is_dir() else None


def precompile(folder: Path | None = None, store: Path = STORE) -> int:
    """Compile every template of the theme's `folder` (default: the installed theme) into
    `store`, replacing what it held; the number of templates stored."""
    from .templates import TemplateSet
    from .theme import default_templates

    templates = TemplateSet([folder or default_templates()], precompiled=False)
    env = templates.env
    names = [n for n in env.list_templates() if not n.startswith("theme/")]
    store.mkdir(parents=True, exist_ok=True)
    for old in store.iterdir():
        old.unlink()
    cache = InstalledTemplates(store)
    for name in names:
        source, filename, _ = env.loader.get_source(env, name)
        key = cache.get_cache_key(name, filename)
        bucket = jinja2.bccache.Bucket(env, key, cache.get_source_checksum(source))
        bucket.code = env.compile(source, name, filename)  # parsing notes its references
        refs = templates.parsed[name, filename]
        (store / f"{key}.code").write_bytes(bucket.bytecode_to_string())
        (store / f"{key}.refs").write_text(json.dumps(None if refs is None else sorted(refs)))
    return len(names)


if __name__ == "__main__":
    print(f"{precompile()} templates compiled into {STORE}")
