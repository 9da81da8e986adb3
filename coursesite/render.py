"""The Jinja environment, its filters, safe markdown and page-relative URLs; rendering what the
page table (pages.py) prepared, and collecting assets. Pure: same contexts, same bytes.
"""
from __future__ import annotations

import posixpath
import re
import traceback
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from . import markdown_fast
from .cache import NO_CACHE, BuildCache, walk_tree
from .errors import ContentError, Problem
from .load import display_path
from .precompiled import installed
from .theme import theme_asset_paths

# --- markdown --------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def markdown(text: str | None) -> Markup:
    """Markdown rendered to safe HTML ('' for None); cached because pages repeat fields.
    Most texts take the fast path (markdown_fast: the same bytes in a twelfth of the time)."""
    if not text:
        return Markup("")
    html = markdown_fast.render(text)
    if html is None:
        from .markdown_safe import converter  # Python-Markdown: only when a text needs it

        html = converter().reset().convert(text)
    return Markup(html)


@lru_cache(maxsize=4096)
def markdown_inline(text: str | None) -> Markup:
    """Markdown without the wrapping <p> for one-paragraph fields shown inline."""
    html = str(markdown(text))
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)


# --- URLs ------------------------------------------------------------------------------------

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def relative_url(target: str, page: str) -> str:
    """The link from output page `page` to output path `target`, both site-relative."""
    if _SCHEME.match(target) or target.startswith("#"):
        return target
    anchor = ""
    if "#" in target:
        target, anchor = target.split("#", 1)
        anchor = "#" + anchor
    rel = relative_path(target or page, posixpath.dirname(page) or ".")
    if target.endswith("/") or target == "":
        rel += "/"
    return rel + anchor


def relative_path(path: str, start: str) -> str:
    """`posixpath.relpath(path, start)`, the same string, for paths inside the site: their
    common folders are dropped without making both absolute first (relpath asks the system
    for the working folder twice a call, most of the cost of a link). A path that is absolute
    or climbs out of the site is left to relpath, whose answer then depends on that folder."""
    path, start = posixpath.normpath(path), posixpath.normpath(start)
    if path.startswith(("/", "..")) or start.startswith(("/", "..")):
        return posixpath.relpath(path, start)
    to, here = _folders(path), _folders(start)
    common = 0
    for a, b in zip(to, here, strict=False):
        if a != b:
            break
        common += 1
    return "/".join([".."] * (len(here) - common) + to[common:]) or "."


def _folders(path: str) -> list[str]:
    """The names a normalised relative path is made of ('.' is none)."""
    return [] if path == "." else path.split("/")


# Characters a URL may hold as they are (RFC 3986 reserved and unreserved, and '%' so existing
# escapes stay); anything else (quotes, <, >, spaces, backslashes, non-ASCII) is percent-encoded,
# so a content URL such as https://x.org/?q="a" gives a valid href, never invalid HTML.
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"


def safe_url(url: str) -> str:
    """The URL with every character that is not allowed in a URL percent-encoded (UTF-8);
    a '%' that starts no escape becomes %25."""
    return quote(re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", url), safe=_URL_SAFE)


# --- the environment -------------------------------------------------------------------------

# What `x.name` finds on a dict before its items: its methods (`section.items` is the method).
_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(jinja2.Environment):
    """Jinja's environment with a quicker `x.name` for the plain dicts the views build."""

    def getattr(self, obj, attribute: str):
        """As Jinja's: the attribute first, else the item, else undefined. A dict has no
        attribute but its class's, so for any other name the item is looked up at once;
        Jinja's way raised and caught an AttributeError for every field shown (a quarter
        of rendering a page, measured)."""
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def make_environment(folders, precompiled: bool = True) -> jinja2.Environment:
    """Jinja with autoescape and StrictUndefined: a typo in a template fails the build.

    `folders` is the search path, a site's own templates first and the theme's last
    (theme.template_folders; one folder alone is the theme): a site's NAME replaces the
    theme's, and `theme/NAME` always names the theme's own, for an override that extends it.
    A template compiled at installation (coursesite.precompiled) is loaded, not compiled
    again, unless `precompiled` is False."""
    folders = [str(folders)] if isinstance(folders, (str, Path)) else list(folders)
    env = _Environment(
        bytecode_cache=installed() if precompiled else None,
        loader=jinja2.ChoiceLoader([
            *(jinja2.FileSystemLoader(f) for f in folders),
            jinja2.PrefixLoader({"theme": jinja2.FileSystemLoader(folders[-1])}),
        ]),
        autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["url"] = _url_filter
    return env


@jinja2.pass_context
def _url_filter(context, target: str) -> str:
    """`{{ 'ss26_amls/index.html' | url }}`: the target relative to the page being rendered."""
    return page_url(target, context["page"]["path"])


@lru_cache(maxsize=1 << 16)
def page_url(target: str, page: str) -> str:
    """The safe link from `page` to `target`; remembered, because every page of a large site
    links the same few targets and relpath asks the system for the working folder each time."""
    return safe_url(relative_url(target, page))


# --- contexts ---------------------------------------------------------------------------------

def render_jobs(env: jinja2.Environment, jobs: dict) -> dict[str, bytes]:
    """Render {path: (template name, context)} to {path: bytes}."""
    return {path: render_page(env, template, context, path)
            for path, (template, context) in jobs.items()}


def render_page(env: jinja2.Environment, template: str, context: dict, path: str) -> bytes:
    """One page's bytes. A broken template is the maintainer's to fix: a ContentError naming
    the template's file:line and the page being rendered (its path names the offering)."""
    try:
        return env.get_template(template).render(context).encode("utf-8")
    except jinja2.TemplateError as exc:
        raise template_problem(exc, template, path) from None


def compile_templates(env: jinja2.Environment) -> None:
    """Compile every template on the search path; a syntax error is a ContentError naming
    its file:line (what rendering alone would find only on the pages that use it)."""
    for name in env.list_templates(extensions=("html", "xml")):
        if name.startswith("theme/"):  # the theme's own, compiled as it is extended
            continue
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            raise template_problem(exc, name, "") from None


def template_problem(exc: jinja2.TemplateError, template: str, page: str) -> ContentError:
    """The one-line problem of a template error while rendering `page`."""
    where = f"while rendering {page}" if page else "while compiling the templates"
    if isinstance(exc, jinja2.TemplateSyntaxError):
        file = display_path(Path(exc.filename)) if exc.filename else f"templates/{exc.name}"
        return ContentError([Problem(file, exc.lineno or 0, "",
                                     f"template syntax: {exc.message} ({where})")])
    if isinstance(exc, jinja2.TemplateNotFound):
        return ContentError([Problem(f"templates/{template}", 0, "",
                                     f"template not found: {exc.name} ({where})")])
    file, line = _template_frame(exc, template)
    return ContentError([Problem(file, line, "", f"template uses an undefined value: "
                                 f"{exc.message} ({where})")])


def _template_frame(exc: BaseException, template: str) -> tuple[str, int]:
    """The innermost template file and line of a rendering error (Jinja maps its frames)."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith((".html", ".ics", ".xml", ".txt")):
            return display_path(Path(frame.filename)), frame.lineno or 0
    return f"templates/{template}", 0


def collect_assets(assets_dir: Path, cache: BuildCache = NO_CACHE) -> dict[str, bytes]:
    """Every file under assets/ -> its bytes, skipping dotfiles, editor leftovers, and links
    that point outside assets/ (a symlink must not publish a file from elsewhere).

    A file whose size, inode and modification time are unchanged since the cache read it is
    not read again (slides can be large; the live preview re-collects on every save), and
    the list of files is kept while the tree is (cache.kept_tree).
    """
    assets_dir = Path(assets_dir)
    return {out: read_asset(path, cache) for out, path in
            cache.kept_tree("assets", assets_dir, lambda: asset_files(assets_dir))}


def asset_files(assets_dir: Path) -> tuple:
    """((output path, file) of each asset to publish, in name order; the tree's folders;
    its paths), for `BuildCache.kept_tree`."""
    root = assets_dir.resolve()
    files = []
    for path in sorted(assets_dir.rglob("*")):
        rel = path.relative_to(assets_dir).as_posix()
        if any(p.startswith(".") for p in rel.split("/")) or rel.endswith("~"):
            continue
        if not path.is_file() or not path.resolve().is_relative_to(root):
            continue
        files.append((f"assets/{rel}", path))
    return (tuple(files), *walk_tree(assets_dir))


def collect_theme_assets(cache: BuildCache = NO_CACHE) -> dict[str, bytes]:
    """The default theme's own assets (style, script) -> their bytes; a file of the same name
    under a site's assets/ replaces one (collect_assets' files are laid over these)."""
    return {path: read_asset(file, cache) for path, file in theme_asset_paths().items()}


def read_asset(path: Path, cache: BuildCache) -> bytes:
    info = path.stat()
    return cache.reuse(("asset", path), (info.st_mtime_ns, info.st_size, info.st_ino),
                       path.read_bytes)


HTACCESS = b"""# Written by coursesite: serve calendar feeds with their type on Apache webspace.
AddType "text/calendar; charset=utf-8" .ics
AddCharset utf-8 .html .css .js
"""


def server_config() -> dict[str, bytes]:
    """Files that tell common web servers how to serve the site."""
    return {".htaccess": HTACCESS}
