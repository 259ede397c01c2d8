"""Run chapters (notebooks) with papermill and rebuild the book when, and only when, something changed.

Conventions a chapter ``notebooks/<chapter>.ipynb`` follows (checked by :func:`convention_problems`):

- one code cell tagged ``parameters`` holding only literal assignments (``name = <literal>``): papermill injects
  new values after it, so a value derived there would silently keep its default;
- ``CHAPTER = "<chapter>"`` and a call ``forlab.book.store.save(ds, CHAPTER, PARAMS)`` where ``PARAMS`` maps every
  parameter name to its value, so the store lands at :func:`forlab.book.store.path_for` ``(chapter, parameters)``;
- optional named parameter sets in ``metadata.forlab.profiles`` (``{"paper": {"load_scale": 1.0}}``).

A run with the default parameters writes its executed copy to ``book/chapters/<chapter>.ipynb`` (what the book
renders, prepared by :func:`prepare_for_book`: code hidden, plumbing cells removed, paths relative to the
repository); any other run writes it next to its store, ``results/<chapter>/<hash>.ipynb``. The source notebook in
``notebooks/`` is never changed, and a chapter is named by its notebook's stem only (never a path).

The executed copy replaces the previous one only after a complete, successful run (papermill writes to a temporary
file beside it, renamed over it at the end); a failed or interrupted run leaves the old page, puts what it executed
at ``results/<chapter>/<hash>.failed.ipynb`` and forgets the chapter's cache entry, so ``forlab book`` re-runs it.

``forlab book`` re-runs a chapter when its notebook, defaults, ``src/forlab`` or a store it reads changed: the
stores `READS` declares for it, its own profile runs included (`content_hash`).
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import json
import math
import numbers
import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import xarray as xr
import yaml

from forlab.book import store
from forlab.book.progress import bar as terminal_bar
from forlab.book.progress import silenced as progress_silenced

# in store, below this module: open_store needs them too (a partial set's defaults; an unknown chapter or a value the
# chapter refuses said, rather than a `forlab run` suggested that would stop on it); runner.<name> stays their name
from forlab.book.store import (  # noqa: F401 - chapter_check and chapters: used as runner.chapter_check, .chapters
    ParameterError,
    chapter_check,
    chapters,
    check_values,
    declared_parameters,
    notebook_path,
)

KERNEL = "python3"
CACHE_FILE = ".runcache.json"
EXECUTED_DIR = Path("book") / "chapters"


class ParameterTypeError(TypeError, ValueError):
    """A chapter parameter of the wrong type (`check_types`). Also a ValueError, so that a caller (or a test) that
    catches a bad parameter value with ``except ValueError`` catches a bad type as well."""


class ChapterFailed(RuntimeError):
    """A chapter's notebook raised, or did not write its store where the convention says."""


# ---------------------------------------------------------------- locating things


def find_root(start: str | os.PathLike | None = None) -> Path:
    """The repository root by the stores' one rule (`forlab.book.store.repository_root`: the nearest folder at or
    above ``start``, default the working directory, with ``_toc.yml`` and ``notebooks/``); FileNotFoundError
    outside one."""
    root = store.repository_root(start or None)
    if root is None:
        here = Path(start or Path.cwd()).resolve()
        raise FileNotFoundError(f"no forlab repository (a folder holding _toc.yml and notebooks/) at or above {here}: "
                                "run from the project folder or a folder inside it")
    return root


def toc_chapters(root: Path) -> list[str]:
    """Chapters in ``_toc.yml`` order: the entries that point into ``book/chapters/``."""
    files: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("file"), str):
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load((root / "_toc.yml").read_text()))
    prefix = EXECUTED_DIR.as_posix() + "/"
    return [Path(f).stem for f in files if f.startswith(prefix)]


# ---------------------------------------------------------------- parameters


def profiles(nb_path: str | os.PathLike) -> dict[str, dict[str, Any]]:
    """Named parameter sets from ``metadata.forlab.profiles``; ValueError when that is not a dict of dicts."""
    nb = nbformat.read(nb_path, as_version=4)
    found = nb.metadata.get("forlab", {}).get("profiles", {})
    if not isinstance(found, dict) or not all(isinstance(v, dict) for v in found.values()):
        raise ValueError(f"metadata.forlab.profiles must map each profile name to a dict of parameter values, "
                         f"got {found!r}")
    return dict(found)


UNREADABLE = (ValueError, SyntaxError, KeyError, AttributeError, TypeError, OSError)
"""What reading a damaged notebook raises (nbformat's NotJSONError is a ValueError)."""


def read_chapter(root: Path, chapter: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(`declared_parameters`, `profiles`) of ``chapter``; `ParameterError` naming the notebook and how to restore
    it when it cannot be read (not JSON, a parameters cell that does not parse, profiles that are not dicts)."""
    nb_path = notebook_path(root, chapter)
    try:
        return declared_parameters(nb_path), profiles(nb_path)
    except UNREADABLE as err:
        shown = nb_path.relative_to(root) if nb_path.is_relative_to(root) else nb_path
        why = " ".join(str(err).split())[:200]
        raise ParameterError(f"{shown} is not a readable notebook ({type(err).__name__}: {why}); fix or restore it "
                             f"(git checkout -- {shown})") from err


def describe_parameters(declared: Mapping[str, Any]) -> str:
    """One line per declared parameter: ``name = default  (type)``."""
    if not declared:
        return "  (no parameters declared)"
    return "\n".join(f"  {n} = {v!r}  ({type(v).__name__})" for n, v in declared.items())


_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}


def coerce(value: Any, default: Any) -> Any:
    """``value`` (a string from the command line, or any object) converted to the type of ``default``.

    A string is parsed: bool accepts true/false/yes/no/on/off/1/0; int and float their literals; list, tuple and
    dict JSON or a Python literal; a ``None`` default takes any literal (else the string). Any other value must
    have the default's type already (`store.fit_value`: an int for a float, a tuple for a list, never a bool for
    a number). A list's elements must fit those of the default list. Raises ``ValueError`` (unparsable) or
    ``TypeError`` (another type) when it does not fit.
    """
    return store.fit_value(_parse(value, default) if isinstance(value, str) else value, default)


def _parse(text: str, default: Any) -> Any:
    """Command-line ``text`` as a value of ``default``'s type (`coerce`)."""
    kind, stripped = type(default), text.strip()
    if kind is str:
        return text
    if default is None:
        try:
            return ast.literal_eval(stripped)
        except (ValueError, SyntaxError):
            return text
    if kind is bool:
        if stripped.lower() in _TRUE | _FALSE:
            return stripped.lower() in _TRUE
        raise ValueError(f"{text!r} is not a bool (true/false)")
    if kind in (int, float):
        try:
            return kind(stripped)
        except ValueError:
            raise ValueError(f"{text!r} is not {'an int' if kind is int else 'a number (float)'}") from None
    return _parse_literal(text, kind)


def _parse_literal(text: str, kind: type) -> Any:
    """``text`` as JSON or a Python literal of type ``kind`` (list, tuple, dict)."""
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        try:
            parsed = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError) as err:
            raise ValueError(f"{text!r} is not a {kind.__name__} literal") from err
    if kind is tuple and isinstance(parsed, list):
        parsed = tuple(parsed)
    if not isinstance(parsed, kind):
        raise TypeError(f"{text!r} is a {type(parsed).__name__}, not a {kind.__name__}")
    return parsed


TypeSpec = type | tuple[type, type]
"""What `check_types` accepts for a parameter: a type (``int``, ``float``, ``str``, ``bool``, ``dict``, ``list``),
or ``(list, element type)`` for a list whose every element has that type (``(list, int)``: a list of ints)."""


_TYPE_NAMES = {int: ("an integer", "integers"), float: ("a number", "numbers"), str: ("a string", "strings"),
               bool: ("True or False", "bools"), dict: ("a dict", "dicts"), list: ("a list", "lists")}
"""How a message names a type: alone, and as the elements of a list."""


def _type_name(spec: TypeSpec) -> str:
    if isinstance(spec, tuple):
        return f"a list of {_TYPE_NAMES.get(spec[1], (None, spec[1].__name__))[1]}"
    return _TYPE_NAMES.get(spec, (f"a {spec.__name__}",))[0]


def check_non_negative(params: Mapping[str, Any], keys, zero_means: Mapping[str, str] | None = None) -> None:
    """ValueError naming the first of ``keys`` whose value is not an integer >= 0 (a bool is not), with what 0
    means where ``zero_means`` says (a count whose 0 switches a step off: "p2_refine_rounds must be a non-negative
    integer (0: no refinement)"). Why a check of its own: a negative count would reach the method, which reads it
    as 0 without a word or fails late, and the sweep would store a failed row instead of stopping here."""
    zero_means = zero_means or {}
    for key in keys:
        value = params[key]
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{key} must be a non-negative integer"
                             + (f" (0: {zero_means[key]})" if key in zero_means else "") + f", got {value!r}")


def _positive(x, integer: bool) -> bool:
    """Whether ``x`` is a finite positive number, a whole one with ``integer`` (a bool is no number)."""
    return (isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x) and x > 0
            and (not integer or float(x) == int(x)))


def check_positive(name: str, values, integer: bool = False) -> None:
    """ValueError naming the list parameter ``name`` unless ``values`` is a non-empty list (or tuple) of finite
    positive numbers, whole numbers with ``integer`` (a bool is no number). Chapters 08 and 12 check their sizes,
    counts and levels with it, before any work; a parameter of one value, `check_positive_value`."""
    if not (isinstance(values, (list, tuple)) and len(values) > 0 and all(_positive(x, integer) for x in values)):
        kind = "positive integers" if integer else "positive, finite numbers"
        raise ValueError(f"{name} must be a non-empty list of {kind}, got {values!r}")


def check_positive_value(name: str, value, integer: bool = False) -> None:
    """`check_positive`'s rule for a parameter of one value, said of the value the user typed ("timing_repeats must
    be a positive integer, got 0", not "a non-empty list ..., got [0]")."""
    if not _positive(value, integer):
        raise ValueError(f"{name} must be {'a positive integer' if integer else 'a positive, finite number'}, "
                         f"got {value!r}")


def check_distinct(name: str, values) -> None:
    """ValueError when the list parameter ``name`` names an entry twice: every entry is a run (a DS, a variant, a
    method, a size), and a repeat would run it twice and show (or store) its rows twice."""
    twice = sorted({str(x) for x in values if list(values).count(x) > 1})
    if twice:
        raise ValueError(f"{name} must not repeat an entry, got {values!r} ({', '.join(twice)} twice)")


def check_names(params: Mapping[str, Any], names, chapter: str) -> None:
    """ValueError unless ``params`` holds exactly the parameters ``names`` (a chapter's, its notebook's
    ``parameters`` cell): the message names every unknown and every missing one, suggests the close name for a
    near-miss spelling (`difflib.get_close_matches`) and lists the chapter's parameters. Why an unknown one is
    refused: a misspelt key would leave the parameter it meant at its default without a word. `check_types` starts
    with it; a chapter that checks its types in words of its own calls it first."""
    names = list(names)
    unknown = [n for n in params if n not in names]
    missing = [n for n in names if n not in params]
    if not unknown and not missing:
        return
    said = []
    if unknown:
        said.append(f"unknown parameters {unknown!r}{close_names(unknown, names)}")
    if missing:
        said.append(f"missing parameters {missing!r}")
    raise ValueError(f"chapter {chapter}: {', '.join(said)}; its parameters are {', '.join(names)}")


def close_names(unknown: list, names) -> str:
    """" (did you mean 'load_scale'?)" for the ``unknown`` parameter names that are near misses of ``names``
    (`difflib.get_close_matches`; each with the name it stands for when there are several), "" for none: the one
    hint of `check_names` and of the command line's ``-p`` (`resolve_parameters`)."""
    names = list(names)
    close = {n: m[0] for n in unknown if isinstance(n, str) and (m := difflib.get_close_matches(n, names, 1))}
    hint = ", ".join(f"{m!r}" + (f" for {n!r}" if len(unknown) > 1 else "") for n, m in close.items())
    return f" (did you mean {hint}?)" if hint else ""


def check_types(params: Mapping[str, Any], types: Mapping[str, TypeSpec], chapter: str) -> None:
    """Check that ``params`` holds exactly the parameters named in ``types`` (a chapter's table, one entry per
    parameter of its notebook's ``parameters`` cell; ValueError naming an unknown or missing one, `check_names`),
    then each against its `TypeSpec`: `ParameterTypeError` (a TypeError and a ValueError) naming the parameter, the
    type it must have and what it got. Values are the chapter's own business (its check after this one)."""
    check_names(params, types, chapter)
    for name, spec in types.items():
        value = params[name]
        kind, element = spec if isinstance(spec, tuple) else (spec, None)
        if not store.fits(value, kind):
            got = f"{type(value).__name__} {value!r}"
        elif element is not None and (wrong := [x for x in value if not store.fits(x, element)]):
            got = f"{value!r}, holding the {type(wrong[0]).__name__} {wrong[0]!r}"
        else:
            continue
        raise ParameterTypeError(f"chapter {chapter}: parameter {name!r} must be {_type_name(spec)}, got {got}")


def resolve_parameters(
    declared: Mapping[str, Any],
    overrides: Mapping[str, Any] | list[tuple[str, Any]] = (),
    profile: str | None = None,
    available_profiles: Mapping[str, Mapping[str, Any]] | None = None,
    chapter: str = "",
    origin: str = "-p",
) -> dict[str, Any]:
    """Defaults, then the profile's values, then ``overrides``, each checked and coerced to the default's type; an
    error names where the bad one came from (``origin``: the command line's ``-p``, or the caller's name for
    ``overrides``). A name that ``overrides`` gives twice is refused (`check_once`)."""
    listing = f"declared parameters of {chapter or 'the chapter'} (name = default):\n{describe_parameters(declared)}"
    merged = dict(declared)
    layers: list[tuple[str, list[tuple[str, Any]]]] = []
    if profile is not None:
        available = dict(available_profiles or {})
        if profile not in available:
            raise ParameterError(f"unknown profile {profile!r}; profiles: {', '.join(available) or '(none)'}")
        layers.append((f"profile {profile!r}", list(available[profile].items())))
    pairs = list(overrides.items()) if isinstance(overrides, Mapping) else list(overrides)
    check_once(pairs, origin)
    layers.append((origin, pairs))
    for source, items in layers:
        for name, value in items:
            if name not in declared:
                raise ParameterError(f"{source}: unknown parameter {name!r}{close_names([name], declared)}\n{listing}")
            try:
                merged[name] = coerce(value, declared[name])
            except (ValueError, TypeError) as err:
                raise ParameterError(f"{source}: bad value for {name!r}: {err}\n{listing}") from err
    return merged


def check_once(pairs: list[tuple[str, Any]], origin: str = "-p") -> None:
    """`ParameterError` naming the first parameter that ``pairs`` (``-p`` NAME VALUE pairs) gives twice, with both
    values: the last one won without a word, so ``-p load_scale 0.8 -p load_scale 0.9`` ran at 0.9 while the
    command line also reads 0.8."""
    seen: dict[str, Any] = {}
    for name, value in pairs:
        if name in seen:
            raise ParameterError(f"{origin}: parameter {name!r} is given twice ({seen[name]!r}, then {value!r}): "
                                 "give it once")
        seen[name] = value


# ---------------------------------------------------------------- the chapter convention


def convention_problems(nb_path: str | os.PathLike) -> list[str]:
    """What a notebook does wrong against the chapter convention (empty list: nothing)."""
    nb_path = Path(nb_path)
    nb = nbformat.read(nb_path, as_version=4)
    problems = []
    cell = store.parameters_cell(nb)
    if cell is None:
        problems.append("no code cell tagged 'parameters'")
    else:
        for name, value in store.assignments(cell.source):
            try:
                ast.literal_eval(value)
            except ValueError:
                problems.append(
                    f"parameters cell: {name} is not a literal (papermill would not recompute it)"
                )
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    try:
        tree = ast.parse(code)
    except SyntaxError as err:
        return [*problems, f"code does not parse: {err}"]
    chapter_ok = any(
        name == "CHAPTER" and isinstance(v, ast.Constant) and v.value == nb_path.stem
        for name, v in store.assignments(code)
    )
    if not chapter_ok:
        problems.append(f'no assignment CHAPTER = "{nb_path.stem}"')
    saves = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "save"
        and len(n.args) >= 3 and isinstance(n.args[1], ast.Name) and n.args[1].id == "CHAPTER"
    ]  # fmt: skip
    if not saves:
        problems.append("no call store.save(ds, CHAPTER, PARAMS)")
    literal = [v for name, v in store.assignments(code) if name == "PARAMS" and isinstance(v, ast.Dict)]
    if cell is not None and literal:
        keys = {k.value for k in literal[0].keys if isinstance(k, ast.Constant)}
        if keys != set(declared_parameters(nb_path)):
            problems.append(
                f"PARAMS keys {sorted(keys)} differ from the parameters {sorted(declared_parameters(nb_path))}"
            )
    return problems


# ---------------------------------------------------------------- running


@dataclass
class RunResult:
    """What one chapter run produced."""

    chapter: str
    parameters: dict[str, Any]
    default: bool
    notebook: Path
    store: Path


def executed_path(root: Path, chapter: str, params: Mapping[str, Any], default: bool) -> Path:
    """Where the executed copy goes: ``book/chapters/`` for the defaults, next to the store otherwise."""
    if default:
        return root / EXECUTED_DIR / f"{chapter}.ipynb"
    return (root / store.path_for(chapter, params)).with_suffix(".ipynb")


def _kernel_environment() -> None:
    """Make the kernelspec's ``python`` resolve to this interpreter, whether or not the venv is activated."""
    bindir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if path.split(os.pathsep)[0] != bindir:
        os.environ["PATH"] = bindir + os.pathsep + path
    # small dense products (batched power flows, fits) slow down ~80x when OpenBLAS threads fight over shared cores;
    # parallelism comes from Dask worker processes instead
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


# ---------------------------------------------------------------- the executed copy the book renders

HIDE_INPUT, REMOVE_CELL = "remove-input", "remove-cell"
_PATH_VALUE = re.compile(r"^(?:Posix|Windows)?Path\('(?P<path>[^']+)'\)$")
_LABELLED = re.compile(r"^(?:[\w ()-]+:\s+)?(?P<path>\S+)$")
_TEXT_MIMES = ("text/plain", "text/html", "text/markdown", "text/latex")


def _looks_like_store_path(token: str, root: Path) -> bool:
    prefixes = ("results/", "archive/", f"{store.results_root().as_posix()}/", f"{root.as_posix()}/")
    return "/" in token and (token.endswith(store.SUFFIX) or token.startswith(prefixes))


def _visible_text(cell: nbformat.NotebookNode) -> list[str] | None:
    """The texts a page would show for ``cell`` (stderr is removed from pages), or None when it shows anything
    else (an image, a table, Markdown)."""
    texts = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            if output.get("name") != "stderr":
                texts.append(output.get("text", ""))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data", {})
            if set(data) != {"text/plain"}:
                return None
            texts.append(data["text/plain"])
        else:  # an error is something to show
            return None
    return texts


def is_plumbing(cell: nbformat.NotebookNode, root: Path) -> bool:
    """A code cell a reader gains nothing from: the parameters (papermill's injected ones too; `prepare_for_book`
    shows the ones the run used apart), a cell with no visible output, or one whose only output is where its store
    was written (``store: results/...``)."""
    tags = cell.get("metadata", {}).get("tags", [])
    if "parameters" in tags or "injected-parameters" in tags:
        return True
    texts = _visible_text(cell)
    if texts is None:
        return False
    lines = [line.strip() for text in texts for line in text.splitlines() if line.strip()]
    for line in lines:
        value = _PATH_VALUE.match(line) or _LABELLED.match(line)
        if value is None or not _looks_like_store_path(value["path"], root):
            return False
    return True  # no visible line at all, or only store paths


def _relative(text: str, prefixes: list[str]) -> str:
    for prefix in prefixes:
        text = text.replace(prefix, "")
    return text


def _shown_parameters(nb: nbformat.NotebookNode) -> nbformat.NotebookNode | None:
    """The parameters cell a page shows with its code: the values the run used, papermill's injected cell when
    there is one (it overrides the defaults), else the notebook's own ``parameters`` cell; None without either.
    Why shown: the chapters' prose names parameters (``repeats``, ``n_samples``) whose values a reader otherwise
    never sees."""
    for tag in ("injected-parameters", "parameters"):
        tagged = [c for c in nb.cells if c.cell_type == "code" and tag in c.metadata.get("tags", [])]
        if tagged:
            return tagged[-1]
    return None


def prepare_for_book(nb: nbformat.NotebookNode, root: Path) -> nbformat.NotebookNode:
    """The executed copy as the book shows it (changed in place and returned).

    Every code cell is tagged ``remove-input`` (its outputs stay on the page), except the parameters the run used
    (`_shown_parameters`), shown as code; plumbing cells (:func:`is_plumbing`) are tagged ``remove-cell``. Paths
    under the repository root in text outputs become relative to it, whatever a chapter printed: the machine that
    built the book does not appear on its pages.
    """
    prefixes = sorted({f"{root}/", f"{Path(root).resolve()}/"}, key=len, reverse=True)
    shown = _shown_parameters(nb)
    for cell in nb.cells:
        if cell.cell_type != "code" or cell is shown:
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                output["text"] = _relative(output.get("text", ""), prefixes)
            for mime in _TEXT_MIMES:
                if isinstance(output.get("data", {}).get(mime), str):
                    output["data"][mime] = _relative(output["data"][mime], prefixes)
        tag = REMOVE_CELL if is_plumbing(cell, root) else HIDE_INPUT
        tags = cell.metadata.get("tags", [])
        cell.metadata["tags"] = tags if tag in tags else [*tags, tag]
    return nb


def _quiet_kernel_config() -> Any:
    """nbclient configuration for the kernel papermill starts.

    ipykernel warns "Kernel is running over TCP without encryption" on every start unless the kernel manager
    provisions CurveZMQ keys. jupyter_client does so with ``transport_encryption="auto"`` when the kernelspec
    declares ``supported_encryption: curve`` (ipykernel's does) and pyzmq has libsodium: the channel to the local
    kernel is then encrypted, which is what the warning asks for (rather than hiding the warning).
    """
    import zmq
    from traitlets.config import Config

    if not zmq.has("curve"):
        return Config()
    return Config({"KernelManager": {"transport_encryption": "auto"}})


def run_chapter(
    root: Path,
    chapter: str,
    overrides: Mapping[str, Any] | list[tuple[str, Any]] = (),
    profile: str | None = None,
    progress_bar: bool = True,
) -> RunResult:
    """Execute ``notebooks/<chapter>.ipynb`` with papermill (cwd = ``root``) and return where its outputs are.

    The executed copy (`executed_path`) is replaced only when the run completed, wrote its store and, for a default
    run, read no store its `chapter_inputs` do not declare; otherwise ChapterFailed (or the interrupt) leaves the
    previous copy and keeps what ran at ``results/<chapter>/<hash>.failed.ipynb``. A default run forgets the
    chapter's cache entry first and records it on success, so the book never counts a failed run as done.
    ``progress_bar`` is papermill's per-cell bar, off in any case under `forlab.book.progress.NO_PROGRESS`.
    """
    nb_path = notebook_path(root, chapter)
    declared, named = read_chapter(root, chapter)
    problems = convention_problems(nb_path)
    if problems:
        raise ChapterFailed(f"{nb_path} breaks the chapter convention: " + "; ".join(problems))
    params = resolve_parameters(declared, overrides, profile, named, chapter)
    check_values(chapter, params)
    default = params == declared
    out = executed_path(root, chapter, params, default)
    out.parent.mkdir(parents=True, exist_ok=True)
    store_path = root / store.path_for(chapter, params)
    before = content_hash(root, chapter) if default else ""
    if default:
        record_run(root, chapter, None)
    _kernel_environment()
    run = _Run(root, chapter, nb_path, {} if default else params, store_path, default, progress_bar)
    store.atomic_write(out, run.execute)
    if default:
        record_run(root, chapter, before)
    return RunResult(chapter, params, default, out, store_path)


@dataclass
class _Run:
    """One papermill execution into a temporary file, checked before `store.atomic_write` renames it into place."""

    root: Path
    chapter: str
    nb_path: Path
    parameters: dict[str, Any]
    store_path: Path
    default: bool
    progress_bar: bool

    def execute(self, tmp: Path) -> None:
        """Run the notebook into ``tmp``; on any failure move ``tmp`` to the failed path and raise."""
        import papermill

        failed = self.store_path.with_suffix(".failed.ipynb")
        log = store.temp_path(tmp.with_name(f"{self.chapter}.reads"))  # a killed run's log is cleaned like a temp
        os.environ[store.READS_LOG] = str(log)  # the kernel inherits it: `store.open_path` logs what it opens
        before = file_stamp(self.store_path)
        try:
            papermill.execute_notebook(
                str(self.nb_path), str(tmp), parameters=self.parameters, kernel_name=KERNEL, cwd=str(self.root),
                progress_bar=self.progress_bar and not progress_silenced(), config=_quiet_kernel_config(),
            )  # fmt: skip
            self.check(log, before)
        except BaseException as err:
            failed.parent.mkdir(parents=True, exist_ok=True)
            if tmp.is_file() and tmp.stat().st_size:
                os.replace(tmp, failed)
            if isinstance(err, papermill.PapermillExecutionError):
                first_line = (err.source or "").strip().splitlines()[:1]
                raise ChapterFailed(
                    f"{self.chapter}: cell {err.cell_index} (In [{err.exec_count}]: {''.join(first_line)} ...) "
                    f"failed with {err.ename}: {err.evalue}\nexecuted notebook with the full traceback: "
                    f"{store.relative_to_repository(failed, self.root)}"
                ) from err
            raise
        finally:
            os.environ.pop(store.READS_LOG, None)
            log.unlink(missing_ok=True)
        if self.default:
            nbformat.write(prepare_for_book(nbformat.read(tmp, as_version=4), self.root), tmp)

    def check(self, log: Path, before: tuple[int, int] | None = None) -> None:
        """ChapterFailed when the run wrote no store (the file at the store's path is the one `file_stamp` saw as
        ``before`` the run, or holds another parameter hash), or (default run) read a store its inputs do not
        declare."""
        self.check_store(before)
        read = {Path(line) for line in (log.read_text().splitlines() if log.is_file() else [])}
        # every declared (chapter, profile) pair's files, resolved once for both checks below
        inputs = {pair: {p.resolve() for p in store_paths(self.root, *pair)}
                  for pair in chapter_inputs(self.root, self.chapter)}
        # its own default store is the one it saves and may re-open; any other, its profiles' too, is declared
        own = (self.root / self.store_path).resolve()
        undeclared = sorted(str(p) for p in read - set().union(*inputs.values()) if p != own)
        if self.default and undeclared:
            raise ChapterFailed(
                f"{self.chapter} read store(s) {', '.join(undeclared)} that forlab.book.runner.READS does not "
                f"declare for it: add (chapter, profile) pairs to READS[{self.chapter!r}] so that `forlab book` "
                "re-runs it when they change"
            )
        unread = self.unread(inputs, read)
        if self.default and unread:
            raise ChapterFailed(
                f"{self.chapter} did not read {', '.join(unread)}, which forlab.book.runner.READS declares for it "
                f"and which exist: remove them from READS[{self.chapter!r}] (`forlab book` would re-run it when "
                "they change, for nothing)"
            )

    def check_store(self, before: tuple[int, int] | None) -> None:
        """ChapterFailed unless this run wrote the store: a file left by an earlier run does not count."""
        if not self.store_path.is_file() or file_stamp(self.store_path) == before:
            earlier = " (the file there is an earlier run's)" if self.store_path.is_file() else ""
            raise ChapterFailed(
                f"{self.chapter} ran but wrote no store at {self.store_path}{earlier}: the notebook must call "
                "forlab.book.store.save(ds, CHAPTER, PARAMS) with PARAMS holding exactly its parameters"
            )
        found = (store.stored_attrs(self.store_path) or {}).get("parameter_hash")
        if found != self.store_path.stem:
            raise ChapterFailed(
                f"{self.chapter} wrote {self.store_path} with parameter_hash {found!r}, not {self.store_path.stem}: "
                "write it with forlab.book.store.save(ds, CHAPTER, PARAMS), PARAMS holding exactly its parameters"
            )

    def unread(self, inputs: dict[tuple[str, str | None], set[Path]], read: set[Path]) -> list[str]:
        """The (chapter, profile) pairs of `READS` whose store exists but that the run did not read: a declaration
        the code has left behind (chapter 09 kept chapter 04's stores there after it stopped reading them).
        ``inputs``: the resolved files of every pair of `chapter_inputs` (`store_paths`)."""
        out = []
        for source, profile in READS.get(self.chapter, ()):
            paths = inputs[(source, profile)]
            if any(p.is_file() for p in paths) and not paths & read:
                out.append(f"{source} ({profile or 'default run'})")
        return out


def file_stamp(path: Path) -> tuple[int, int] | None:
    """(inode, mtime in ns) of ``path``, None when absent: `store.save` renames a new file over a store, so a store
    written by a run has another stamp than the one before it, on any file system's clock resolution."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns


# ---------------------------------------------------------------- the book


READS: dict[str, tuple[tuple[str, str | None], ...]] = {
    "02_grids_and_acopf": (("02_grids_and_acopf", "paper"),),
    "03_for_sampling": (("03_for_sampling", "paper"),),
    "04_for_representation": (("04_for_representation", "paper"),),
    "05_coordination": (("05_coordination", "paper"),),
    "06_ml_surrogate": (("06_ml_surrogate", "paper"),),
    "07_aladin": (("07_aladin", "full"), ("07_aladin", "paper")),
    "08_sensitivity": (("05_coordination", None), ("05_coordination", "paper"), ("08_sensitivity", "paper")),
    "11_reliability": (("11_reliability", "paper"),),
    "12_many_dsos": (("12_many_dsos", "paper"),),
    "09_comparison": (
        ("05_coordination", None), ("05_coordination", "paper"),
        ("06_ml_surrogate", None), ("06_ml_surrogate", "paper"),
        ("07_aladin", None), ("07_aladin", "full"),
        ("08_sensitivity", None), ("08_sensitivity", "paper"),
        ("12_many_dsos", "paper"),
    ),
}  # fmt: skip
"""The stores a chapter reads with its default parameters besides its own default one: (chapter, profile),
None for that chapter's default run. A chapter's own profile runs, which its page shows beside its default run
(`open_profile_store`), are declared here like other chapters' stores (`forlab.studies.ch09_comparison.run`
opens those through `store.open_store` and `open_profile_store`): a profile store that no page reads (chapter
01's ``peak``) is no input, so making one re-runs nothing. Kept here, beside the stale check that uses it,
rather than in the notebooks' metadata: reads happen in library code too, and a default run that opens an
undeclared store, or does not open a declared one that exists, fails (`_Run.check`), so the list cannot fall
behind the code."""


def chapter_inputs(root: Path, chapter: str) -> list[tuple[str, str | None]]:
    """(chapter, profile) of every store ``chapter`` reads: what `READS` declares (`declared_read`), its own
    profile runs only where they are declared there."""
    return [declared_read(root, chapter, pair) for pair in READS.get(chapter, ())]


def declared_read(root: Path, chapter: str, pair: tuple[str, str | None]) -> tuple[str, str | None]:
    """``pair``, one of ``READS[chapter]``; `ParameterError` naming both chapters and READS when its chapter or
    profile does not exist (a typo there would otherwise read "unknown profile 'fulll'", naming neither)."""
    source, profile = pair
    where = f"({source!r}, {profile!r}), declared in READS[{chapter!r}] (forlab.book.runner)"
    try:
        named = read_chapter(root, source)[1]
    except ParameterError as err:
        raise ParameterError(f"{where}: {err}; fix the pair there") from None
    if profile is not None and profile not in named:
        raise ParameterError(f"{where}: {source} has no profile {profile!r} (its profiles: "
                             f"{', '.join(named) or '(none)'}); fix the pair there")
    return pair


def input_paths(root: Path, chapter: str) -> list[Path]:
    """Every file a store of `chapter_inputs` may be read from (`store_paths`)."""
    return [p for source, profile in chapter_inputs(root, chapter) for p in store_paths(root, source, profile)]


def store_paths(root: Path, chapter: str, profile: str | None) -> list[Path]:
    """The files the store of ``chapter``'s run (a profile, or None for its default run) may be read from: for a
    profile both ``results/`` and ``archive/`` (`open_profile_store` looks in that order), for a default run
    ``results/``."""
    declared, named = read_chapter(root, chapter)
    params = resolve_parameters(declared, {}, profile, named, chapter)
    roots = [root / store.results_root()] + ([root / store.ARCHIVE] if profile else [])
    return [store.path_for(chapter, params, r) for r in roots]


def content_hash(root: Path, chapter: str) -> str:
    """sha256 over the notebook's cell sources, its effective default parameters, every file in src/forlab and
    the content (or absence) of every store it reads (`input_paths`)."""
    nb_path = notebook_path(root, chapter)
    nb = nbformat.read(nb_path, as_version=4)
    digest = hashlib.sha256()
    cells = [[c.cell_type, c.source, sorted(c.get("metadata", {}).get("tags", []))] for c in nb.cells]
    digest.update(json.dumps(cells).encode())
    digest.update(store.canonical_json(declared_parameters(nb_path)).encode())
    src = root / "src" / "forlab"
    for path in sorted(src.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(src).as_posix().encode() + b"\0" + path.read_bytes())
    for path in input_paths(root, chapter):
        content = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "absent"
        digest.update(f"{store.shown_path(path)}\0{content}\0".encode())
    return digest.hexdigest()


def _cache_path(root: Path) -> Path:
    return root / store.results_root() / CACHE_FILE


def load_cache(root: Path) -> dict[str, str]:
    """Chapter -> content hash of its last successful default run (empty when there is no cache)."""
    path = _cache_path(root)
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _write_cache(root: Path, cache: Mapping[str, str]) -> None:
    """Write the cache atomically under a temporary name of its own (two ``forlab book`` at once never share one)."""
    path = _cache_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(dict(cache), indent=1, sort_keys=True)
    store.atomic_write(path, lambda tmp: tmp.write_text(text))


def record_run(root: Path, chapter: str, content: str | None) -> None:
    """Record that ``chapter``'s default run with `content_hash` ``content`` succeeded; None forgets it (a run
    under way, failed or interrupted: the chapter is stale until one succeeds)."""
    cache = load_cache(root)
    if content is None:
        if chapter not in cache:
            return
        cache.pop(chapter)
    else:
        cache[chapter] = content
    _write_cache(root, cache)


def stale_chapters(root: Path, force: bool = False) -> list[str]:
    """Chapters in ``_toc.yml`` order whose notebook, defaults, forlab code or a store they read changed, whose
    outputs are gone, or that read a chapter which is itself stale (its store will change when it re-runs)."""
    cache = load_cache(root)
    stale: list[str] = []
    for chapter in toc_chapters(root):
        params = read_chapter(root, chapter)[0]
        outputs_exist = (root / EXECUTED_DIR / f"{chapter}.ipynb").is_file() and (
            root / store.path_for(chapter, params)
        ).is_file()
        upstream = any(source in stale for source, _ in READS.get(chapter, ()))
        if force or upstream or not outputs_exist or cache.get(chapter) != content_hash(root, chapter):
            stale.append(chapter)
    return stale


def run_stale(
    root: Path, force: bool = False, run: Callable[..., Any] = run_chapter, progress: bool = True
) -> list[str]:
    """Re-run the stale chapters with their defaults in ``_toc.yml`` order; returns them. ``run`` (`run_chapter`)
    records each success in the cache, with the chapter's hash taken as it starts, after the chapters it reads have
    re-run."""
    stale = stale_chapters(root, force)
    for chapter in terminal_bar(stale, desc="chapters", unit="chapter", disable=not progress or not stale):
        run(root, chapter, progress_bar=False)
    return stale


def build_html(root: Path) -> int:
    """``jupyter-book build . -W --keep-going`` in ``root`` (warnings are errors); returns its exit status."""
    exe = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(exe) if exe.exists() else "jupyter-book", "build", ".", "-W", "--keep-going"]
    return subprocess.run(cmd, cwd=root, check=False).returncode


def profile_params(chapter: str, profile: str) -> dict[str, Any]:
    """The full parameter set of a chapter's named profile (defaults overridden by the profile's values)."""
    declared, named = read_chapter(find_root(), chapter)
    return resolve_parameters(declared, {}, profile, named, chapter)


def chapter_params(chapter: str, override: Mapping[str, Any] | None = None,
                   origin: str | None = None) -> dict[str, Any]:
    """The parameters of a chapter's run: its declared defaults, overridden by ``override`` (an error names it
    ``origin``, e.g. the notebook parameter that holds it; by default the chapter, never a name of this code)."""
    declared, named = read_chapter(find_root(), chapter)
    return resolve_parameters(declared, dict(override or {}), None, named, chapter, origin or chapter)


def open_profile_store(chapter: str, profile: str = "paper") -> xr.Dataset | None:
    """The store of a chapter's profile run: from ``results/`` when it was run here, else from the committed
    ``archive/``; None when neither exists (the chapter then says how to produce it). `store.StoreError` naming
    the file and ``forlab run <chapter> --profile <profile>`` when the file is unreadable or not that profile's."""
    params = profile_params(chapter, profile)
    for root in (store.results_root(), find_root() / store.ARCHIVE):
        path = store.path_for(chapter, params, root)
        if path.exists():
            rerun = f"forlab run {chapter} --profile {profile}"
            return store.open_path(path, expect=(chapter, params), rerun=rerun)
    return None


PROFILE_STORES = {"paper": "paper-scale store"}
"""How a page names a profile's store (default: "<profile>-profile store")."""


def missing_profile_text(chapter: str, profile: str = "paper", *, what: str | None = None, also: str = "") -> str:
    """Markdown shown where `open_profile_store` found nothing: the command that makes the store. ``what`` names the
    store as the page does (default `PROFILE_STORES`); ``also``, another command that makes it too."""
    what = what or PROFILE_STORES.get(profile, f"{profile}-profile store")
    alternative = f" (or {also})" if also else ""
    return f"No {what} yet: run `forlab run {chapter} --profile {profile}`{alternative}."
