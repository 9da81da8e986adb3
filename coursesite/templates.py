"""The templates of a build, kept between the live preview's builds.

A `TemplateSet` holds one Jinja environment for a search path (render.make_environment).
Each build `refresh()`es it: every template's bytes are read again (a few small files, so no
event or time stamp is trusted), and only the templates whose source changed, or whose name
now resolves to another folder's file, are dropped from Jinja's cache and compiled again
when next used. Extends, include and import are resolved by Jinja at render time, so a
page compiled against an old parent still renders the new one.

`version(name)` says which sources a template's pages depend on: the template and,
transitively, the templates it extends, includes and imports (jinja2.meta). A page is
rendered again only when the version of its template changed.
"""
from __future__ import annotations

import itertools
import os
import weakref

import jinja2
import jinja2.meta

from .render import make_environment

THEME_PREFIX = "theme/"  # names the theme's own template (render.make_environment)
# Numbers every source seen, across sets too: a new set (another search path) never gives a
# version that an older set's pages were rendered with.
_EDITS = itertools.count(1)


class TemplateSet:
    """One environment for `folders` (the site's own first, the theme's last)."""

    def __init__(self, folders, precompiled: bool = True):
        self.folders = [os.fspath(f) for f in folders]
        self.env = make_environment(self.folders, precompiled)
        self.env.auto_reload = False  # refresh() decides what is stale; no stat per page
        # Every compile parses through here (an instance attribute shadows the method), so
        # the references of each template are known once it is compiled.
        self._parse, self.env._parse = self.env._parse, self._parsed
        self.sources: dict = {}       # name -> (folder, bytes) it resolves to
        self.generation: dict = {}    # name -> the edit that made its source (_EDITS)
        self.refs: dict = {}          # name -> names it references; None: any (dynamic)
        # (name Jinja compiled it as, file) -> what its source references, noted as parsed:
        # `theme/NAME` is compiled as NAME, like the site's own NAME, from another file.
        self.parsed: dict = {}
        self.versions: dict = {}      # name -> version tuple, this build's
        self.stamp: tuple = ()        # every generation: the same object while none changes
        self.built = False  # refreshed once at least

    def refresh(self) -> None:
        """Read every template again; forget the compiled ones whose source changed and the
        versions that depend on them."""
        now = resolved_sources(self.folders)
        changed = {n for n in now.keys() | self.sources.keys()
                   if now.get(n) != self.sources.get(n)}
        self.sources = now
        for name in changed:
            self.generation[name] = next(_EDITS)
            self.refs.pop(name, None)
            try:
                del self.env.cache[(weakref.ref(self.env.loader), name)]
            except KeyError:
                pass  # never compiled
        if changed or not self.built:
            self.parsed = {}  # an edit undone loads the installed code, never parsed
            self.versions = {}
            self.stamp = tuple(sorted(self.generation.items()))
        self.built = True

    def version(self, name: str) -> tuple:
        """The edits that made the template and every template it depends on, sorted: equal
        between two builds exactly when none of their sources changed."""
        hit = self.versions.get(name)
        if hit is None:
            names = self.closure(name)
            hit = self.versions[name] = tuple((n, self.generation.get(n, 0))
                                              for n in sorted(names))
        return hit

    def compile(self, names) -> None:
        """Compile the named templates and those they name (extends, include, import), now:
        before the workers fork, so that each of them does not compile the same ones again
        (a tenth of a second each). A template named by an expression is left to rendering,
        and so is one that cannot be compiled (rendering reports it)."""
        for name in names:
            self.closure(name)

    def closure(self, name: str) -> set:
        """The template and those it extends, includes or imports, at any depth; every
        template when one of them names another by a computed expression."""
        seen, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            refs = self.references(current)
            if refs is None:
                return set(self.sources) | seen
            todo.extend(refs)
        return seen

    def references(self, name: str):
        """The names the template references (None: one is computed at render time); a
        template that is missing or cannot be compiled references nothing (rendering it
        reports the problem). Compiling it records them (`_parsed`): it is compiled for
        its pages anyway, and parsing it a second time cost a fifth of a template edit."""
        if name not in self.refs:
            try:
                template = self.env.get_template(name)
                key = (template.name, template.filename)
                # not parsed (in self.parsed): loaded as compiled at installation
                self.refs[name] = self.parsed[key] if key in self.parsed \
                    else self.env.bytecode_cache.references(template)
            except jinja2.TemplateError:
                pass
            self.refs.setdefault(name, set())
        return self.refs[name]

    def _parsed(self, source, name=None, filename=None):
        """Jinja's parse step (Environment._parse), noting what the template references."""
        ast = self._parse(source, name, filename)
        if name is not None:
            found = list(jinja2.meta.find_referenced_templates(ast))
            self.parsed[name, filename] = None if None in found else set(found)
        return ast


def resolved_sources(folders: list[str]) -> dict:
    """Template name -> (folder, bytes) of the file it loads: a site's NAME from the first
    folder that has it, `theme/NAME` from the theme's (the last folder)."""
    found: dict = {}
    theme = folder_files(folders[-1])
    for folder in reversed(folders):  # the first folder's file wins
        for rel, data in (theme if folder == folders[-1] else folder_files(folder)).items():
            found[rel] = (folder, data)
    for rel, data in theme.items():
        found[THEME_PREFIX + rel] = (folders[-1], data)
    return found


def folder_files(folder: str) -> dict:
    """Relative path (with '/') -> bytes of every file under `folder`, hidden ones left out."""
    files = {}
    for top, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if name.startswith("."):
                continue
            path = os.path.join(top, name)
            try:
                with open(path, "rb") as fh:
                    files[os.path.relpath(path, folder).replace(os.sep, "/")] = fh.read()
            except OSError:
                continue  # gone since it was listed: not a template any more
    return files
