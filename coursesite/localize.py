"""One data file, several languages: text written per language, resolved to one language.

Every text field (schema types Text, Name, Markdown, MarkdownOrOff) takes a plain string or a
mapping per language, `title: {en: Architecture of ML Systems, de: Architektur von
ML-Systemen}`. convert.py reads such a mapping as a `Translated`; `localized(obj, ...)` gives
the schema object in one language, with every `Translated` replaced by its text.

The rules (README: German and English from one data file):
- a mapping's keys are languages the tool knows (en, de); it must hold the default language
  of where it is used (the offering's, or site.yaml's in site.yaml and rooms.yaml);
- where a version in another language is published and a mapping lacks that language, or a
  prose field (Text, Markdown) is a plain string, the default language's text is shown and a
  warning names file:line; a plain string in a Name field (people, rooms, buildings, link
  labels) is the same in every language, and site.yaml's and rooms.yaml's plain strings are
  too (the site's own words are not the offering's to translate).

Where each version is published (`alternates`, `site_prefixes`): the default language at
today's URLs, every other under its prefix, 'de/'.

Only files that hold a mapping are walked for the default language (the converter marks them,
`Where.translated`): a monolingual site pays nothing beyond one comparison per text value.
"""
from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from . import schema as S
from .errors import did_you_mean
from .text import LANGUAGES, labels

if TYPE_CHECKING:  # model.py builds on this module: its classes are named, never imported
    from .model import Offering, Site

TEXT_TYPES = (S.Text, S.Markdown, S.MarkdownOrOff)  # prose: a plain string is one language's
NAMES = {"en": "English", "de": "German"}           # in problems, which are in English


@dataclass(frozen=True)
class Translated:
    """A text written per language: (language, text) pairs as written, and where."""

    texts: tuple
    file: str = ""
    line: int = 0
    path: str = ""

    def get(self, language: str):
        """The text in `language`, or None when it is not written."""
        return dict(self.texts).get(language)


# What maintainers write for a language instead of its code, and the code they mean.
SPELLED = {"english": "en", "eng": "en", "englisch": "en", "german": "de", "ger": "de",
           "deu": "de", "deutsch": "de", "dt": "de", "dtsch": "de"}


def language_hint(key: str) -> str:
    """' (did you mean 'de'?)' for a language's name or a near miss of its code, else the
    codes there are."""
    meant = SPELLED.get(key.lower()) or (key.lower() if key.lower() in LANGUAGES else None)
    if meant:
        return f" (did you mean '{meant}'?)"
    return did_you_mean(key, LANGUAGES) or f"; languages are {', '.join(LANGUAGES)}"


def read_translations(scalar, invalid, node, path: str, out) -> Translated:
    """A mapping of language -> text read with `scalar` (the field's own reader); unknown
    languages and a `false` (of module_sentence) are recorded and raise `invalid`."""
    texts, failed = [], False
    for key, value in node.value.items():
        here = S.join_path(path, key)
        if key not in LANGUAGES:
            out.error(node.file, node.key_lines[key], here, f"unknown language '{key}'"
                      + language_hint(key))
            failed = True
            continue
        try:
            text = scalar(value, here, out)
        except invalid:
            failed = True
            continue
        if text is False:
            out.error(value.file, value.line, here, "false leaves the text out in every "
                      f"language: write `{path.rsplit('.', 1)[-1]}: false`, not one per language")
            failed = True
            continue
        texts.append((key, text))
    if failed:
        raise invalid
    if not texts:
        out.error(node.file, node.line, path, "expected text, or a text per language such as "
                  "{en: ..., de: ...}; got an empty mapping")
        raise invalid
    out.translated += 1
    return Translated(tuple(texts), node.file, node.line, path)


def untranslatable(node) -> str:
    """For a mapping of languages given to a field that is not text (a number, a date, an id,
    a choice): '; why it is refused'; else ''."""
    if node.kind == "mapping" and node.value and set(node.value) <= set(LANGUAGES):
        return ("; only text fields take a value per language, and this one is the same in "
                "every language: write one value")
    return ""


# --- which languages ---------------------------------------------------------------------

def site_languages(config: S.SiteConfig, out) -> tuple:
    """site.yaml's languages, its default first (`language` if written, else the first of
    `languages`)."""
    if not config.languages:
        return (config.language,)
    written = config.language if "language" in dict(config.where.key_lines) else None
    return ordered(config.languages, written, config.where, out) or (config.language,)


def offering_languages(course: S.Course, site: tuple, out) -> tuple:
    """The languages an offering is published in, its default first: course.yaml's
    `languages` (and `language`), else its `language` alone, else site.yaml's."""
    if course.languages:
        return ordered(course.languages, course.language, course.where, out) or site
    return (course.language,) if course.language else site


def ordered(languages: list, default: str | None, where: S.Where, out) -> tuple:
    """`languages` with `default` first (when given, it must be one of them); () with a
    problem recorded when a language repeats or the default is not listed."""
    if len(set(languages)) != len(languages):
        out.at(where, "languages", "a language is listed twice; list each once")
        return ()
    if default is None:
        return tuple(languages)
    if default not in languages:
        out.at(where, "language", f"'{default}' is not one of languages ({', '.join(languages)});"
               " add it there, or leave `language` out (the first of languages is the default)")
        return ()
    return (default, *(lang for lang in languages if lang != default))


# --- resolving ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    """Resolving to `language`: the default (what a missing text falls back to), whether a
    plain prose string is a missing translation, and where problems go."""

    language: str
    default: str
    plain_warns: bool
    out: object

    def pick(self, t: Translated):
        """The text of `t` in the language; the default's with a warning when it lacks it."""
        text = t.get(self.language)
        if text is not None:
            return text
        fallback = t.get(self.default)
        if self.language == self.default or fallback is None:
            self.out.error(t.file, t.line, t.path, f"no {NAMES[self.default]} text ({self.default}"
                           f", the default language here); add {self.default}: ...")
            return t.texts[0][1]
        self.out.warn(t.file, t.line, t.path, f"no {NAMES[self.language]} text "
                      f"({self.language}); the {self.language} pages show the "
                      f"{self.default} one; add {self.language}: ...")
        return fallback

    def plain(self, where: S.Where, key: str) -> None:
        """Warn that a plain prose string is shown untranslated in the language."""
        if self.plain_warns:
            self.out.at(where, key, f"not translated into {NAMES[self.language]}: the "
                        f"{self.language} pages show this text; write it as {{{self.default}: "
                        f"..., {self.language}: ...}}", warning=True)


def localized(obj, language: str, default: str, out, plain_warns: bool = False):
    """The schema object `obj` (a file's, or None) in `language`: every Translated replaced
    by its text. Unchanged (the same object) when the file holds no mapping and plain strings
    need no warning (`plain_warns`: a version in another language than the default)."""
    if obj is None or not (obj.where.translated or plain_warns):
        return obj
    return _resolve(obj, Choice(language, default, plain_warns, out))


def _resolve(obj, choice: Choice):
    """`obj` with its translatable fields resolved (the same object when nothing changes)."""
    changes = {}
    for name, kind in _plan(type(obj)):
        value = getattr(obj, name)
        new = _value(value, kind, choice, obj.where, name)
        if new is not value:
            changes[name] = new
    return dataclasses.replace(obj, **changes) if changes else obj


def _value(value, kind: str, choice: Choice, where: S.Where, name: str):
    """One field's value resolved: a text, a list of them, or schema objects."""
    if isinstance(value, Translated):
        return choice.pick(value)
    if isinstance(value, list):
        new = [_value(v, kind, choice, where, name) for v in value]
        return value if all(a is b for a, b in zip(new, value, strict=True)) else new
    if kind == "object" and dataclasses.is_dataclass(value):
        return _resolve(value, choice)
    if kind == "text" and isinstance(value, str):
        choice.plain(where, name)
    return value


@cache
def _plan(cls) -> tuple:
    """(field, kind) of the fields of `cls` the walk visits: 'text' (prose), 'name', or
    'object' (schema objects, or lists of them)."""
    hints, plan = typing.get_type_hints(cls), []
    for fld in S.public_fields(cls):
        kind = _kind(hints[fld.name])
        if kind:
            plan.append((fld.name, kind))
    return tuple(plan)


def _kind(hint) -> str | None:
    """What a field of this type hint holds, for the walk."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) in (list, typing.Union):
        return _kind(args[0]) if len(args) == 1 else None
    if hint in TEXT_TYPES:
        return "text"
    if hint is S.Name:
        return "name"
    return "object" if dataclasses.is_dataclass(hint) and hint is not S.Where else None


# --- the site's own files, in each language ----------------------------------------------

@dataclass(frozen=True)
class SiteVersions:
    """site.yaml and the rooms in every language the tool knows (the same objects where
    nothing is written per language), and site.yaml's languages, its default first."""

    languages: tuple
    configs: tuple   # (language, SiteConfig)
    rooms: tuple     # (language, {room id: Room})
    # (language, Problems of resolving to it): reported where it is used; not compared (the
    # preview's cache finds an unchanged site.yaml equal, and its problems follow from it)
    problems: tuple = dataclasses.field(compare=False)

    def config(self, language: str) -> S.SiteConfig:
        return dict(self.configs)[language]

    def rooms_by_id(self, language: str) -> dict:
        return dict(self.rooms)[language]


def site_versions(config: S.SiteConfig, rooms: S.Rooms, index, problems) -> SiteVersions:
    """site.yaml and rooms.yaml in each language; `index` makes rooms by id, `problems()` a
    new collector. The default's problems are the build's; the others' are kept, and reported
    by the offerings published in their language (see `offering_in_languages`)."""
    found = problems()
    languages = site_languages(config, found)
    default = languages[0]
    configs, by_id, kept = [], [], []
    for lang in LANGUAGES:
        out = found if lang == default else problems()
        own = localized(config, lang, default, out)
        if own.language != default:  # `languages: [de, en]` without `language`: de
            own = dataclasses.replace(own, language=default)
        configs.append((lang, own))
        own_rooms = localized(rooms, lang, default, out)
        by_id.append((lang, by_id[0][1] if by_id and own_rooms is rooms else index(own_rooms)))
        kept.append((lang, out))
    return SiteVersions(languages, tuple(configs), tuple(by_id), tuple(kept))


def site_problems(versions: SiteVersions, offerings: list, out) -> None:
    """Record the problems of site.yaml and rooms.yaml in the site's default language and in
    each language an offering is published in (a text missing in a language nobody publishes
    is no problem); refuse an offering folder whose name is a prefix of those pages, 'de'."""
    used = {versions.languages[0]} | {v.language for o in offerings
                                      for v in (o, *o.translations)}
    for lang, found in versions.problems:
        if lang in used:
            out.errors.extend(found.errors)
            out.warnings.extend(found.warnings)
    prefixes = {v.prefix for o in offerings for v in o.translations}
    prefixes |= {f"{lang}/" for lang in versions.languages[1:]}
    for o in offerings:
        if f"{o.slug}/" in prefixes:
            out.error(o.course.where.file.rsplit("/", 1)[0], 0, "", f"an offering folder named "
                      f"'{o.slug}' would share its URLs with the pages in {NAMES[o.slug]} "
                      f"({o.slug}/...); rename the folder (e.g. ss26_{o.slug})")


# --- where each version is published ------------------------------------------------------

def alternates(o: Offering, path: str) -> list[dict]:
    """The page at `path` (of the offering's version `o`) in every language the offering is
    published in, default first: its language, that language's name for itself, its path,
    and whether it is this page. Empty when the offering has one language."""
    rest = path[len(o.prefix):]
    return [{"lang": lang, "name": labels(lang).ui["language_name"], "path": prefix + rest,
             "current": lang == o.language} for lang, prefix in o.versions]


def site_prefixes(site: Site) -> list[tuple[str, str]]:
    """(language, prefix) of each language the site's own pages are published in (site.yaml's
    `languages`): the default at '', the others under 'de/'."""
    languages = site.versions.languages if site.versions else (site.config.language,)
    return [(lang, "" if lang == languages[0] else f"{lang}/") for lang in languages]


def site_alternates(site: Site, path: str, language: str) -> list[dict]:
    """The site's own page `path` in each of its languages (`alternates`' entries); empty
    when the site has one."""
    prefixes = site_prefixes(site)
    return [{"lang": lang, "name": labels(lang).ui["language_name"], "path": prefix + path,
             "current": lang == language} for lang, prefix in prefixes] if len(prefixes) > 1 \
        else []


def site_home(site: Site, language: str) -> str:
    """The landing page in `language` where the site publishes one, else the default's."""
    return next((f"{prefix}index.html" for lang, prefix in site_prefixes(site)
                 if lang == language), "index.html")
