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
``notebooks/`` is never changed.
"""

from __future__ import annotations

import ast
import hashlib
import json
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

KERNEL = "python3"
CACHE_FILE = ".runcache.json"
EXECUTED_DIR = Path("book") / "chapters"


class ParameterError(ValueError):
    """A ``-p`` name that the chapter does not declare, or a value that does not fit the declared default."""


class ChapterFailed(RuntimeError):
    """A chapter's notebook raised, or did not write its store where the convention says."""


# ---------------------------------------------------------------- locating things


def find_root(start: str | os.PathLike | None = None) -> Path:
    """The repository root: the nearest directory at or above ``start`` (default: cwd) with ``_toc.yml``."""
    here = Path(start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "_toc.yml").is_file() and (candidate / "notebooks").is_dir():
            return candidate
    raise FileNotFoundError(
        f"no forlab repository (a directory with _toc.yml and notebooks/) at or above {here}"
    )


def chapters(root: Path) -> list[str]:
    """Chapter ids: the stems of ``notebooks/*.ipynb``, sorted."""
    return sorted(p.stem for p in (root / "notebooks").glob("*.ipynb"))


def notebook_path(root: Path, chapter: str) -> Path:
    """The source notebook of ``chapter``; ``ParameterError`` listing the chapters when there is none."""
    path = root / "notebooks" / f"{chapter}.ipynb"
    if not path.is_file():
        raise ParameterError(
            f"unknown chapter {chapter!r}; chapters: {', '.join(chapters(root)) or '(none)'}"
        )
    return path


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


def _parameters_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode | None:
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            return cell
    return None


def _assignments(source: str) -> list[tuple[str, ast.expr]]:
    """(name, value node) of every top-level ``name = value`` or ``name: type = value`` in ``source``."""
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found.append((node.targets[0].id, node.value))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            found.append((node.target.id, node.value))
    return found


def declared_parameters(nb_path: str | os.PathLike) -> dict[str, Any]:
    """Name -> default of the literal assignments in the cell tagged ``parameters`` (empty if there is none)."""
    cell = _parameters_cell(nbformat.read(nb_path, as_version=4))
    if cell is None:
        return {}
    declared = {}
    for name, value in _assignments(cell.source):
        try:
            declared[name] = ast.literal_eval(value)
        except ValueError:
            continue  # not a parameter papermill can override: reported by convention_problems
    return declared


def profiles(nb_path: str | os.PathLike) -> dict[str, dict[str, Any]]:
    """Named parameter sets from ``metadata.forlab.profiles``."""
    nb = nbformat.read(nb_path, as_version=4)
    return dict(nb.metadata.get("forlab", {}).get("profiles", {}))


def describe_parameters(declared: Mapping[str, Any]) -> str:
    """One line per declared parameter: ``name = default  (type)``."""
    if not declared:
        return "  (no parameters declared)"
    return "\n".join(f"  {n} = {v!r}  ({type(v).__name__})" for n, v in declared.items())


_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}


def coerce(value: Any, default: Any) -> Any:
    """``value`` (a string from the command line, or any object) converted to the type of ``default``.

    bool accepts true/false/yes/no/on/off/1/0; float accepts ints; list, tuple and dict parse JSON or a Python
    literal; a ``None`` default takes any literal (else the string). Raises ``ValueError`` (unparsable) or
    ``TypeError`` (a literal of another type) when it does not fit.
    """
    kind = type(default)
    if not isinstance(value, str):
        if isinstance(value, kind) or (
            kind is float and isinstance(value, int) and not isinstance(value, bool)
        ):
            return kind(value)
        value = json.dumps(value)
    text = value.strip()
    if default is None:
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return value
    if kind is bool:
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise ValueError(f"{value!r} is not a bool (true/false)")
    if kind is int:
        return int(text)
    if kind is float:
        return float(text)
    if kind is str:
        return value
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        try:
            parsed = ast.literal_eval(text)
        except (ValueError, SyntaxError) as err:
            raise ValueError(f"{value!r} is not a {kind.__name__} literal") from err
    if kind is tuple and isinstance(parsed, list):
        parsed = tuple(parsed)
    if not isinstance(parsed, kind):
        raise TypeError(f"{value!r} is a {type(parsed).__name__}, not a {kind.__name__}")
    return parsed


def resolve_parameters(
    declared: Mapping[str, Any],
    overrides: Mapping[str, Any] | list[tuple[str, Any]] = (),
    profile: str | None = None,
    available_profiles: Mapping[str, Mapping[str, Any]] | None = None,
    chapter: str = "",
) -> dict[str, Any]:
    """Defaults, then the profile's values, then ``overrides``, each checked and coerced to the default's type."""
    listing = f"declared parameters of {chapter or 'the chapter'} (name = default):\n{describe_parameters(declared)}"
    merged = dict(declared)
    layers: list[tuple[str, list[tuple[str, Any]]]] = []
    if profile is not None:
        available = dict(available_profiles or {})
        if profile not in available:
            raise ParameterError(f"unknown profile {profile!r}; profiles: {', '.join(available) or '(none)'}")
        layers.append((f"profile {profile!r}", list(available[profile].items())))
    pairs = list(overrides.items()) if isinstance(overrides, Mapping) else list(overrides)
    layers.append(("-p", pairs))
    for origin, items in layers:
        for name, value in items:
            if name not in declared:
                raise ParameterError(f"{origin}: unknown parameter {name!r}\n{listing}")
            try:
                merged[name] = coerce(value, declared[name])
            except (ValueError, TypeError) as err:
                raise ParameterError(f"{origin}: bad value for {name!r}: {err}\n{listing}") from err
    return merged


# ---------------------------------------------------------------- the chapter convention


def convention_problems(nb_path: str | os.PathLike) -> list[str]:
    """What a notebook does wrong against the chapter convention (empty list: nothing)."""
    nb_path = Path(nb_path)
    nb = nbformat.read(nb_path, as_version=4)
    problems = []
    cell = _parameters_cell(nb)
    if cell is None:
        problems.append("no code cell tagged 'parameters'")
    else:
        for name, value in _assignments(cell.source):
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
        for name, v in _assignments(code)
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
    literal = [v for name, v in _assignments(code) if name == "PARAMS" and isinstance(v, ast.Dict)]
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
    """A code cell a reader gains nothing from: the parameters (papermill's injected ones too), a cell with no
    visible output, or one whose only output is where its store was written (``store: results/...``)."""
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


def prepare_for_book(nb: nbformat.NotebookNode, root: Path) -> nbformat.NotebookNode:
    """The executed copy as the book shows it (changed in place and returned).

    Every code cell is tagged ``remove-input`` (its outputs stay on the page); plumbing cells (:func:`is_plumbing`)
    are tagged ``remove-cell``. Paths under the repository root in text outputs become relative to it, whatever a
    chapter printed: the machine that built the book does not appear on its pages.
    """
    prefixes = sorted({f"{root}/", f"{Path(root).resolve()}/"}, key=len, reverse=True)
    for cell in nb.cells:
        if cell.cell_type != "code":
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
    """Execute ``notebooks/<chapter>.ipynb`` with papermill (cwd = ``root``) and return where its outputs are."""
    import papermill

    nb_path = notebook_path(root, chapter)
    problems = convention_problems(nb_path)
    if problems:
        raise ChapterFailed(f"{nb_path} breaks the chapter convention: " + "; ".join(problems))
    declared = declared_parameters(nb_path)
    params = resolve_parameters(declared, overrides, profile, profiles(nb_path), chapter)
    default = params == declared
    out = executed_path(root, chapter, params, default)
    out.parent.mkdir(parents=True, exist_ok=True)
    store_path = root / store.path_for(chapter, params)
    _kernel_environment()
    try:
        papermill.execute_notebook(
            str(nb_path),
            str(out),
            parameters={} if default else params,
            kernel_name=KERNEL,
            cwd=str(root),
            progress_bar=progress_bar,
            config=_quiet_kernel_config(),
        )
    except papermill.PapermillExecutionError as err:
        first_line = (err.source or "").strip().splitlines()[:1]
        raise ChapterFailed(
            f"{chapter}: cell {err.cell_index} (In [{err.exec_count}]: {''.join(first_line)} ...) failed with "
            f"{err.ename}: {err.evalue}\nexecuted notebook with the full traceback: {out}"
        ) from err
    if not store_path.is_file():
        raise ChapterFailed(
            f"{chapter} ran but wrote no store at {store_path}: the notebook must call "
            "forlab.book.store.save(ds, CHAPTER, PARAMS) with PARAMS holding exactly its parameters"
        )
    if default:
        nbformat.write(prepare_for_book(nbformat.read(out, as_version=4), root), out)
    return RunResult(chapter, params, default, out, store_path)


# ---------------------------------------------------------------- the book


def content_hash(root: Path, chapter: str) -> str:
    """sha256 over the notebook's cell sources, its effective default parameters and every file in src/forlab."""
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
    path = _cache_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(dict(cache), indent=1, sort_keys=True))
    os.replace(tmp, path)


def stale_chapters(root: Path, force: bool = False) -> list[str]:
    """Chapters in ``_toc.yml`` order whose notebook, defaults or forlab code changed, or whose outputs are gone."""
    cache = load_cache(root)
    stale = []
    for chapter in toc_chapters(root):
        params = declared_parameters(notebook_path(root, chapter))
        outputs_exist = (root / EXECUTED_DIR / f"{chapter}.ipynb").is_file() and (
            root / store.path_for(chapter, params)
        ).is_file()
        if force or not outputs_exist or cache.get(chapter) != content_hash(root, chapter):
            stale.append(chapter)
    return stale


def run_stale(
    root: Path, force: bool = False, run: Callable[..., Any] = run_chapter, progress: bool = True
) -> list[str]:
    """Re-run the stale chapters with their defaults, recording each success in the cache; returns them."""
    stale = stale_chapters(root, force)
    cache = load_cache(root)
    for chapter in terminal_bar(stale, desc="chapters", unit="chapter", disable=not progress or not stale):
        before = content_hash(root, chapter)
        run(root, chapter, progress_bar=False)
        cache[chapter] = before
        _write_cache(root, cache)
    return stale


def build_html(root: Path) -> int:
    """``jupyter-book build . -W --keep-going`` in ``root`` (warnings are errors); returns its exit status."""
    exe = Path(sys.executable).parent / "jupyter-book"
    cmd = [str(exe) if exe.exists() else "jupyter-book", "build", ".", "-W", "--keep-going"]
    return subprocess.run(cmd, cwd=root, check=False).returncode


def profile_params(chapter: str, profile: str) -> dict[str, Any]:
    """The full parameter set of a chapter's named profile (defaults overridden by the profile's values)."""
    nb = notebook_path(find_root(), chapter)
    return resolve_parameters(declared_parameters(nb), {}, profile, profiles(nb), chapter)


def chapter_params(chapter: str, override: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The parameters of a chapter's run: its declared defaults, overridden by ``override``."""
    nb = notebook_path(find_root(), chapter)
    return resolve_parameters(declared_parameters(nb), dict(override or {}), None, {}, chapter)


def open_profile_store(chapter: str, profile: str = "paper") -> xr.Dataset | None:
    """The store of a chapter's profile run: from ``results/`` when it was run here, else from the committed
    ``archive/``; None when neither exists (the chapter then says how to produce it)."""
    params = profile_params(chapter, profile)
    for root in (store.results_root(), find_root() / store.ARCHIVE):
        path = store.path_for(chapter, params, root)
        if path.exists():
            return store.open_path(path)
    return None
