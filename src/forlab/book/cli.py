"""The ``forlab`` command: run a chapter, rebuild the book, list chapters and their parameters, check the HTML.

Exit status: `EXIT_STATUS` (``forlab --help`` and ``forlab run --help`` print it); a chapter notebook that cannot
be read is `forlab.book.runner.read_chapter`'s usage error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap

import forlab
from forlab.book import htmlcheck, progress, runner, store
from forlab.book.closed_pipe import ended_quietly

EXIT_STATUS = """exit status:
  0  success
  1  a chapter failed (the failing cell is named, with the notebook that holds
     its traceback), the book build reported warnings or errors, the built
     HTML shows what a reader should never see (check-html), or the output
     was cut (a closed pipe: forlab list | head)
  2  bad usage: an unknown chapter, parameter or profile, a parameter given
     twice, a value that does not fit the parameter's type or that the
     chapter's own check refuses (said before a kernel starts), or a chapter
     notebook that cannot be read"""
"""The command's exit statuses as its help prints them (plain text: a terminal shows no markup), lines of at most
`HELP_WIDTH` characters."""

HELP_WIDTH = 79
"""Characters per line of the help's own blocks (argparse does not wrap them): an 80-column terminal's."""
PARAMETER_FLAGS = ("-p", "--parameter")
PARAMETER_FORMS = "-p NAME VALUE or -p NAME=VALUE (e.g. -p load_scale 0.8)"
_ASSIGNMENT = re.compile(r"(?P<name>[A-Za-z_]\w*)=(?P<value>.*)", re.DOTALL)


class Parser(argparse.ArgumentParser):
    """argparse's parser (its sub-commands' too), whose usage error about ``-p`` also says how to write one:
    argparse alone says only "expected 2 arguments"."""

    def error(self, message: str):
        if "-p/--parameter" in message:
            message = f"{message}; write {PARAMETER_FORMS}"
        super().error(message)


def split_assignments(argv: list[str]) -> list[str]:
    """``argv`` with every ``-p NAME=VALUE`` (``--parameter NAME=VALUE``, ``--parameter=NAME=VALUE``,
    ``-pNAME=VALUE``) written as ``-p NAME VALUE``, the pair argparse reads. Only the word that holds the NAME is
    split, at its first ``=`` (a parameter name never holds one), so a VALUE with ``=`` in it stays whole; nothing
    after ``--`` is touched."""
    out: list[str] = []
    for i, word in enumerate(argv):
        if word == "--":
            return out + argv[i:]
        if out and out[-1] in PARAMETER_FLAGS and (pair := _ASSIGNMENT.fullmatch(word)):
            out += [pair["name"], pair["value"]]
        elif (attached := _attached_value(word)) is not None and (pair := _ASSIGNMENT.fullmatch(attached)):
            out += ["-p", pair["name"], pair["value"]]
        else:
            out.append(word)
    return out


def _attached_value(word: str) -> str | None:
    """What follows the flag in ``--parameter=TEXT``, ``-p=TEXT`` or ``-pTEXT``; None for any other word."""
    if word.startswith("--parameter="):
        return word.removeprefix("--parameter=")
    if word.startswith("-p") and len(word) > 2:
        return word[2:].removeprefix("=")
    return None


def _chapters_help() -> str:
    """The chapters of the repository the command runs in, for ``forlab run --help``; outside one, where to look."""
    root = store.repository_root()
    names = runner.chapters(root) if root is not None else []
    if not names:
        return "chapters: run `forlab list` in the repository to see them"
    listing = textwrap.fill("chapters: " + ", ".join(names), HELP_WIDTH, subsequent_indent="  ")
    return f"{listing}\n(forlab list CHAPTER: its parameters, defaults, profiles and stores)"


def _parser() -> argparse.ArgumentParser:
    plain = argparse.RawDescriptionHelpFormatter  # keeps the line breaks of EXIT_STATUS and the chapter list
    parser = Parser(prog="forlab", description=re.sub(r"`+", "", __doc__.splitlines()[0]), epilog=EXIT_STATUS,
                     formatter_class=plain)
    parser.add_argument("--version", action="version", version=f"forlab {forlab.__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="execute one chapter with papermill and write its store",
                         description="Execute one chapter with papermill and write its store.",
                         epilog=f"{_chapters_help()}\n\n{EXIT_STATUS}", formatter_class=plain)
    run.add_argument("chapter", help="chapter id: a notebook stem in notebooks/, e.g. 01_first_power_flow "
                     "(listed below; forlab list shows them with their parameters)")
    run.add_argument(
        *PARAMETER_FLAGS, nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
        help=f"set a declared parameter: {PARAMETER_FORMS}; repeatable, each name once. VALUE is converted to "
        "the default's type; a list or dict as JSON, quoted: -p regions '[\"case9+case33bw/case33bw\"]'",
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

    listing = sub.add_parser("list", help="chapters with their parameters, defaults, profiles and stores")
    listing.add_argument("chapters", nargs="*", metavar="CHAPTER", help="only these chapters (default: every one)")

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
        print(f"{label + ':':9} {store.relative_to_repository(path, root)}")
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
    """Every chapter (or those named) with its parameters and profiles; a notebook that cannot be read gets one line
    on stderr (and exit status 1) and the listing goes on. A named chapter that does not exist is a usage error,
    said before anything is listed."""
    root = runner.find_root()
    for chapter in args.chapters:
        runner.notebook_path(root, chapter)
    in_book = runner.toc_chapters(root)
    broken = 0
    for chapter in args.chapters or runner.chapters(root):
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
    args = _parser().parse_args(split_assignments(sys.argv[1:] if argv is None else list(argv)))
    command = {"run": _run, "book": _book, "list": _list, "check-html": _check_html}[args.command]
    try:
        return ended_quietly(lambda: command(args))
    except runner.ParameterError as err:
        print(f"forlab {args.command}: {err}", file=sys.stderr)
        return 2
    except (runner.ChapterFailed, FileNotFoundError, store.StoreError) as err:
        print(f"forlab {args.command}: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
