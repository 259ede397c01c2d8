"""The ``forlab`` command: run a chapter, rebuild the book, list chapters and their parameters, check the HTML.

Exit status: 0 success, 1 a chapter failed, the book build reported warnings/errors or the built HTML shows what a
reader should not see (``check-html``), 2 bad usage (unknown chapter, parameter or profile, a value that does not
fit the parameter's type, or a chapter notebook that cannot be read: `forlab.book.runner.read_chapter`).
"""

from __future__ import annotations

import argparse
import json
import sys

from forlab.book import htmlcheck, progress, runner, store


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="forlab", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="execute one chapter with papermill and write its store")
    run.add_argument("chapter", help="chapter id: a notebook stem in notebooks/, e.g. 01_first_power_flow")
    run.add_argument(
        "-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
        help="override a declared parameter (repeatable); VALUE is converted to the default's type",
    )  # fmt: skip
    run.add_argument("--profile", help="a named parameter set from the notebook's metadata.forlab.profiles")
    run.add_argument(
        "--no-progress",
        action="store_true",
        help=f"no progress bars: neither papermill's per-cell bar nor the chapter's own (${progress.NO_PROGRESS})",
    )

    book = sub.add_parser(
        "book", help="re-run changed chapters with their defaults, then build the HTML book"
    )
    book.add_argument("--force", action="store_true", help="re-run every chapter, changed or not")

    sub.add_parser("list", help="chapters with their parameters, defaults, profiles and stores")

    check = sub.add_parser(
        "check-html",
        help="fail (exit 1) when the built book shows tracebacks, warnings, progress bars, machine paths, "
        "unrendered math or roles, truncated tables or images wider than the column",
    )
    check.add_argument("build_dir", nargs="?", help="the built HTML (default: _build/html of the repository)")
    return parser


def _run(args: argparse.Namespace) -> int:
    root = runner.find_root()
    # the chapter's kernel inherits the variable: its bars, and papermill's, stay off
    with progress.silence(args.no_progress):
        result = runner.run_chapter(root, args.chapter, [tuple(p) for p in args.parameter], args.profile)
    kind = "default parameters" if result.default else f"parameters {store.canonical_json(result.parameters)}"
    print(f"{result.chapter} ran with {kind}")
    for label, path in (("store", result.store), ("notebook", result.notebook)):
        print(f"{label + ':':9} {path.relative_to(root) if path.is_relative_to(root) else path}")
    return 0


def _book(args: argparse.Namespace) -> int:
    root = runner.find_root()
    ran = runner.run_stale(root, force=args.force)
    print(f"re-ran {len(ran)} chapter(s): {', '.join(ran) or 'none, all up to date'}")
    status = runner.build_html(root)
    if status == 0:
        print(f"book: {root / '_build' / 'html' / 'index.html'}")
    return 1 if status else 0


def _list(args: argparse.Namespace) -> int:
    """Every chapter with its parameters and profiles; a notebook that cannot be read gets one line on stderr
    (and exit status 1) and the listing goes on."""
    root = runner.find_root()
    in_book = runner.toc_chapters(root)
    broken = 0
    for chapter in runner.chapters(root):
        try:
            declared, named = runner.read_chapter(root, chapter)
        except runner.ParameterError as err:
            broken += 1
            print(f"forlab list: {err}", file=sys.stderr)
            continue
        note = "" if chapter in in_book else "  (not in _toc.yml)"
        print(f"{chapter}{note}  [{len(store.list_stores(chapter, root / store.results_root()))} store(s)]")
        print(runner.describe_parameters(declared))
        for name, values in named.items():
            print(f"  profile {name}: {json.dumps(values, sort_keys=True)}")
    return 1 if broken else 0


def _check_html(args: argparse.Namespace) -> int:
    build_dir = args.build_dir or runner.find_root() / "_build" / "html"
    problems = htmlcheck.check(build_dir)
    for line in problems:
        print(line)
    pages = len(htmlcheck.pages(build_dir))
    print(f"check-html: {len(problems)} problem(s) in {pages} page(s) of {build_dir}", file=sys.stderr)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``forlab`` console script."""
    args = _parser().parse_args(argv)
    try:
        return {"run": _run, "book": _book, "list": _list, "check-html": _check_html}[args.command](args)
    except runner.ParameterError as err:
        print(f"forlab {args.command}: {err}", file=sys.stderr)
        return 2
    except (runner.ChapterFailed, FileNotFoundError, store.StoreError) as err:
        print(f"forlab {args.command}: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
