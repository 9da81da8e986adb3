"""coursesite command line: build, check, serve (live preview) and deploy a course website.

Exit status: 0 success, 1 content problems (listed as file:line: message), 2 usage errors.

One entry point for the `coursesite` command, `python -m coursesite` and this repository's
`build.py`. A site is a project folder (`--project DIR`, default the working folder; for
`build.py`, the folder of build.py): content/, optional templates/ and assets/ over the default
theme, and site/ as output. Modules are imported per command, so a build never loads the
preview server, deploy or new-term code.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import sys
from pathlib import Path

DESCRIPTION = __doc__.splitlines()[0]


def moment(text: str) -> dt.datetime:
    """--now's value: an ISO date-time, e.g. 2026-04-16T14:00 or 2026-04-16T14:00+02:00."""
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date and time like 2026-04-16T14:00, "
                                         f"got {text!r}") from None


def port_number(text: str) -> int:
    """--port's value: a TCP port, 1 to 65535."""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 1 to 65535, got {text!r}")
    return int(text)


def value_of(parse):
    """An argparse type from a parser that raises ValueError with its message."""
    def read(text: str):
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return read


def new_term_value(name: str):
    """An argparse type from newterm_dates.<name>, imported only when new-term parses it."""
    def parse(text: str):
        from coursesite import newterm_dates

        return getattr(newterm_dates, name)(text)
    return value_of(parse)


def version() -> str:
    """The installed distribution's version; the package's constant when not installed."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed_version

    from coursesite import __version__
    try:
        return installed_version("coursesite")
    except PackageNotFoundError:
        return __version__


class VersionAction(argparse.Action):
    """`--version`: looks the version up only when asked (the metadata costs start-up time)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help=None):
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(self, parser, namespace, values, option_string=None):  # noqa: ARG002
        print(f"{parser.prog} {version()}")
        parser.exit()


def parse_args(argv, prog: str = "coursesite"):
    parser = argparse.ArgumentParser(prog=prog, description=DESCRIPTION)
    parser.add_argument("--version", action=VersionAction, help="show the version and exit")
    sub = parser.add_subparsers(dest="command")
    b = sub.add_parser("build", help="validate content and write the site (default)")
    c = sub.add_parser("check", help="validate content and templates; render and write "
                       "nothing (with --gates: build and check the pages too)")
    s = sub.add_parser("serve", help="live preview: rebuild on every save, reload the browser")
    d = sub.add_parser("deploy", help="strict build, then upload site/ with rsync")
    n = sub.add_parser("new-term", help="create the next term's offering from an old one")
    add_new_term_arguments(n)
    j = sub.add_parser("schema", help="write the content schema as JSON Schema files (and "
                       "the README's field reference)")
    w = sub.add_parser("new", help="scaffold a new site repository in an empty folder")
    w.add_argument("folder", type=Path, metavar="DIR",
                   help="the folder to create (it must not exist, or be empty)")
    for p in (b, c, s, d, n, j):
        p.add_argument("--project", type=Path, default=None, metavar="DIR",
                       help="the site's folder: content/, optional templates/ and assets/ "
                            "over the default theme, site/ (default: the working folder)")
    for p in (b, c, s, d, n):
        p.add_argument("--content", type=Path, default=None,
                       help="content folder (default: content/ in the project folder)")
        p.add_argument("--assets", type=Path, default=None,
                       help="assets folder: files such as slides, and a style.css or "
                            "coursesite.js replacing the theme's (default: assets/ in the "
                            "project folder, if there is one)")
    for p in (b, c):
        p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    for p in (b, c, s):
        p.add_argument("--now", type=moment, default=None, metavar="2026-04-16T14:00",
                       help="pretend it is this time (local to the site's time zone unless an "
                            "offset is given): decides which timed materials are released")
    c.add_argument("--gates", action="store_true",
                   help="also build into a temporary folder and run the quality gates on the "
                        "pages (HTML validity, links and anchors, third-party requests, axe)")
    s.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    s.add_argument("--port", type=port_number, default=8000,
                   help="first port to try (default 8000)")
    j.add_argument("--out", type=Path, default=None,
                   help="folder for the .schema.json files (default: schema/ in the project "
                        "folder)")
    j.add_argument("--readme", type=Path, default=None, metavar="README.md",
                   help="also rewrite the field reference between the README's "
                        "<!-- fields:start --> and <!-- fields:end --> markers")
    d.add_argument("--out", type=Path, default=None,
                   help="folder to build into before uploading (default: site/ in the project "
                        "folder)")
    d.add_argument("--target", default=None,
                   help="rsync destination, e.g. user@host:public_html/teaching/ "
                        "(default: $DEPLOY_TARGET)")
    d.add_argument("--dry-run", action="store_true", help="show what would change; change nothing")
    d.add_argument("--adopt", action="store_true",
                   help="take over files on the target that an earlier deploy of ours did not "
                        "put there (they are overwritten); without it a deploy refuses")
    b.add_argument("--out", type=Path, default=None,
                   help="output folder (default: site/ in the project folder)")
    argv = list(argv)
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv = ["build", *argv]
    return parser.parse_args(argv)


def add_new_term_arguments(n) -> None:
    """new-term's own arguments; their values are checked here (exit 2 when malformed)."""
    n.add_argument("slug", type=new_term_value("parse_slug"), metavar="NEW-SLUG",
                   help="folder name of the new offering, e.g. ss27_amls")
    n.add_argument("--from", dest="source", required=True, type=new_term_value("parse_slug"),
                   metavar="OLD-SLUG", help="the offering to start from, e.g. ss26_amls")
    n.add_argument("--start", required=True, type=new_term_value("parse_day"),
                   metavar="YYYY-MM-DD", help="first day of the new lecture period")
    n.add_argument("--end", type=new_term_value("parse_day"), default=None, metavar="YYYY-MM-DD",
                   help="last day of the new lecture period (default: as long as the old one)")
    n.add_argument("--break", dest="breaks", action="append", default=[],
                   type=new_term_value("parse_period"), metavar="YYYY-MM-DD[..YYYY-MM-DD]",
                   help="a lecture-free period of the new term (repeatable)")


def resolve_folders(args, default_project: Path) -> None:
    """Fill in the folders the command uses from --project (or the default project folder);
    --content, --assets and --out given explicitly win. `args.assets_given` remembers whether
    --assets was given: only then must the folder exist."""
    project = getattr(args, "project", None) or default_project
    args.project = project
    if hasattr(args, "content"):
        args.assets_given = args.assets is not None
        args.content = args.content or project / "content"
        args.assets = args.assets or project / "assets"
    if getattr(args, "out", "") is None:
        args.out = project / ("schema" if args.command == "schema" else "site")


def usage_problem(args) -> str | None:
    """What makes these arguments or the environment unusable, in one line; None if nothing.
    Checked before anything is read, so a bad value never becomes a traceback later."""
    for option in ("project", "content", "assets", "out"):
        path = getattr(args, option, None)
        if path is not None and too_long(path):
            return (f"--{option}: the name is too long for this system (at most "
                    f"{NAME_MAX} bytes a folder or file name, {PATH_MAX} in all)")
    project = getattr(args, "project", None)
    if project is not None and not project.is_dir():
        return f"--project: {project} is not a folder; give the site's folder (with content/)"
    if getattr(args, "assets_given", False) and not args.assets.is_dir():
        return f"--assets: {args.assets} is not a folder; give the folder with style.css and slides"
    from coursesite.repository import source_date_epoch
    try:
        source_date_epoch()
    except ValueError as exc:
        return str(exc)
    return None


NAME_MAX, PATH_MAX = 255, 4096


def too_long(path: Path) -> bool:
    absolute = os.path.abspath(path)
    return len(os.fsencode(absolute)) >= PATH_MAX or any(
        len(os.fsencode(part)) > NAME_MAX for part in Path(absolute).parts)


def main(argv=None, *, prog: str = "coursesite", project: Path | None = None) -> int:
    """Run one command; its exit status. `prog` names the command in messages; `project` is
    the default project folder (default: the working folder)."""
    args = parse_args(sys.argv[1:] if argv is None else argv, prog)
    if args.command == "new":
        return run_new(args.folder, prog)
    resolve_folders(args, project if project is not None else Path.cwd())
    problem = usage_problem(args)
    if problem:
        print(f"{prog}: error: {problem}", file=sys.stderr)
        return 2
    if args.command == "schema":
        return write_schemas(args.out, args.readme, prog)
    from coursesite.errors import ContentError
    from coursesite.validate import Project

    site = Project(content=args.content, templates=args.project / "templates",
                   assets=args.assets)
    if args.command == "serve":
        return run_serve(site, args.host, args.port, args.now)
    if args.command == "deploy":
        return run_deploy(site, args)
    try:
        if args.command == "new-term":
            from coursesite.newterm import new_term_folder

            print(new_term_folder(args.content, args.assets, args.slug, args.source,
                                  args.start, args.end, args.breaks))
            return 0
        if args.command == "check" and args.gates:
            return run_check_with_gates(site, args)
        if args.command == "check":
            from coursesite.validate import check, summary, timed

            result, seconds = timed(check, site, args.strict)
            out = None
        else:
            from coursesite.pipeline import build, summary, timed

            (result, _), seconds = timed(build, site, args.out, args.strict, args.now)
            out = args.out
    except ContentError as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    report_warnings(result)
    if args.command == "check":
        report_advice(result)
    print(summary(result, seconds, out))
    return 0


def run_new(folder: Path, prog: str) -> int:
    """`new DIR`: a new site repository; exit 2 when the folder is not empty."""
    from coursesite.scaffold import ScaffoldError, scaffold

    try:
        written = scaffold(folder)
    except ScaffoldError as exc:
        print(f"{prog} new: error: {exc}", file=sys.stderr)
        return 2
    print(f"Created a site in {folder}/ ({len(written)} files). Next:\n"
          f"  cd {folder} && git init && coursesite serve")
    return 0


def run_check_with_gates(project, args) -> int:
    """The site's own gate (`make check`): validate, build into a temporary folder, and run the
    quality gates on the pages; exit 1 when the content or any gate that ran fails."""
    import tempfile

    from coursesite.gates import gates_report, run_gates
    from coursesite.pipeline import build, summary, timed

    with tempfile.TemporaryDirectory(prefix="coursesite-check-") as tmp:
        (result, _), seconds = timed(build, project, Path(tmp) / "site", args.strict, args.now)
        report_warnings(result)
        report_advice(result)
        print(summary(result, seconds))
        results = run_gates(Path(tmp) / "site")
    print(gates_report(results))
    failed = [r.name for r in results if r.ran and r.problems]
    skipped = [r.name for r in results if not r.ran]
    print(f"Gates: {len(results) - len(failed) - len(skipped)} passed, {len(failed)} failed, "
          f"{len(skipped)} skipped" + (f" ({', '.join(skipped)}: see above)" if skipped else ""))
    return 1 if failed else 0


def report_advice(result) -> None:
    """What `check` alone points out (coursesite.checks.publishing_advice) as notes on
    stderr: never fatal, like the other notes on what a build cannot do."""
    from coursesite.checks import publishing_advice

    for problem in publishing_advice(result.site.config, result.site.offerings):
        print(f"note: {problem}", file=sys.stderr)


def report_warnings(result) -> None:
    """Warnings, then notes (what the build could not do; never fatal) on stderr."""
    from coursesite.validate import warning_lines

    for line in warning_lines(result):
        print(line, file=sys.stderr)


def write_schemas(out: Path, readme: Path | None = None, prog: str = "coursesite") -> int:
    """One JSON Schema per content file, for editors (the files committed under schema/);
    with `readme`, also the README's generated field reference. Exit 1 when the README has
    no markers (nothing is written to it then)."""
    from coursesite.schema_export import schema_files, with_field_reference

    out.mkdir(parents=True, exist_ok=True)
    files = schema_files()
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    print(f"Wrote {len(files)} schemas to {out}/")
    if readme is not None:
        try:
            text = with_field_reference(readme.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"{prog} schema: error: {readme}: {exc}", file=sys.stderr)
            return 1
        readme.write_text(text, encoding="utf-8")
        print(f"Wrote the field reference to {readme}")
    return 0


def run_deploy(project, args) -> int:
    """Build strictly (a warning stops a deploy), then upload."""
    import tempfile

    from coursesite.deploy import default_target, deploy
    from coursesite.errors import ContentError
    from coursesite.pipeline import build, summary, timed

    try:
        with tempfile.TemporaryDirectory(prefix="coursesite-dry-run-") as tmp:
            # A dry run changes nothing, here either: it builds into a folder of its own.
            out = Path(tmp) / "site" if args.dry_run else args.out
            (result, _), seconds = timed(build, project, out, True)
            report_warnings(result)
            if result.history.uncommitted:
                raise ContentError(
                    f"deploy: {', '.join(result.history.uncommitted)}: uncommitted changes to "
                    "the content; commit them first (the calendar's change record is the git "
                    "history: what is deployed must be what it records)")
            print(summary(result, seconds, None if args.dry_run else out))
            plan = deploy(out, args.target or default_target(), args.dry_run, adopt=args.adopt)
    except ContentError as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    print(("(dry run) " if args.dry_run else "") + plan.summary())
    return 0


def run_serve(project, host: str, port: int, now: dt.datetime | None) -> int:
    from coursesite.errors import ContentError
    gc.enable()  # a preview runs for hours: its garbage must be collected
    from coursesite.serve import serve_project
    try:
        serve_project(project, host, port, now)
    except ContentError as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    return 0


def run_as_process(**options) -> None:
    """main() as the whole process: without the garbage collector (a build makes few
    reference cycles, and collecting during it cost ~5% at 100 offerings) and without the
    interpreter's teardown once the output is complete (50-70 ms of freeing objects that
    the process is about to give back anyway). `options` are main()'s keywords."""
    gc.disable()
    code = main(**options)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
