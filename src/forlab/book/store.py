"""Results stores: one xarray Dataset per (chapter, parameters), written as netCDF4 through h5netcdf.

A store lives at ``<root>/<chapter>/<param-hash>.nc``. ``root`` defaults to ``$FORLAB_RESULTS``, else to ``results/``
at the repository root (the nearest folder at or above the working directory that holds ``_toc.yml`` and
``notebooks/``, `repository_root`),
so that a kernel started in ``notebooks/`` (JupyterLab, nbval) finds the same stores as ``forlab run``; outside any
repository it is ``./results``. The file carries its own
provenance in ``attrs``: chapter, parameters (JSON), parameter hash, forlab / library versions, git commit and the
UTC creation time, so a store can be traced back to the run that made it without any other file, plus the
interpreter, solver and library versions and the lock's sha256 (`forlab.book.provenance`).

Writes are atomic (a uniquely named temporary file, renamed over the store); temporary files left by a killed writer
are removed at the next save or open in their folder (`clean_stale_temps`). Reads check what they load: an
unreadable file, a store of another chapter or parameters, or one that expands beyond ``max_bytes`` in memory is a
`StoreError` naming the file and the command that re-makes it.

A chapter's declared parameters (`declared_parameters`: the literals of its notebook's ``parameters`` cell), the
type a value must have for one (`fit_value`), the chapters a repository has (`notebook_path`) and a chapter's own
check of its values (`check_values`) live here too, below the runner that uses them: `open_store` completes a
partial parameter set with the chapter's defaults, and refuses an unknown chapter or a value the chapter refuses
rather than suggest a ``forlab run`` that would stop on it.

Solver statuses are stored as string variables (see :func:`solver_status`), never as codes.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as _dt
import hashlib
import json
import numbers
import os
import re
import secrets
import shlex
import subprocess
import textwrap
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from forlab.book import names, units
from forlab.book import provenance as _provenance
from forlab.book.tables import grouped

ENGINE = "h5netcdf"
SUFFIX = ".nc"
HASH_LENGTH = 12
MAX_STORE_BYTES = 2**30
"""Default ceiling on a store's size in memory (uncompressed): the largest archived store is ~13 MB, so a file
beyond 1 GiB is a mistake or a compression bomb, refused before it is loaded (``max_bytes=`` raises it)."""
TEMP_SUFFIX = ".tmp"
LEGACY_TEMP_AGE_S = 3600.0
"""A temporary file whose name carries no writer pid (written before pids were recorded) counts as stale after this."""
# Statuses that count as a successful solve (pandapower power flow, Ipopt via CasADi, cvxpy, Pyomo).
OK_STATUSES = frozenset({"converged", "Solve_Succeeded", "Solved_To_Acceptable_Level", "optimal", "locallyOptimal"})


ROOT_FILE, ROOT_FOLDER = "_toc.yml", "notebooks"
"""A folder holding both, the book's table of contents and the chapters' notebooks, is a forlab repository's root
(a git checkout elsewhere is not: its ``results/`` would be another tree's)."""
RESULTS = "results"


def repository_root(start: str | os.PathLike | None = None) -> Path | None:
    """The nearest folder at or above ``start`` (default: the working directory) that holds ``_toc.yml`` and
    ``notebooks/`` (`ROOT_FILE`, `ROOT_FOLDER`); None outside any forlab repository. The one rule by which the
    stores (`results_root`), the paths a page shows (`shown_path`) and the forlab command
    (`forlab.book.runner.find_root`) find the repository, so that live results and the archive are one tree's."""
    here = Path(start if start is not None else Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / ROOT_FILE).is_file() and (candidate / ROOT_FOLDER).is_dir():
            return candidate
    return None


def results_root(root: str | os.PathLike | None = None) -> Path:
    """The directory that holds all stores: ``root``, else ``$FORLAB_RESULTS``, else ``results/`` at the
    `repository_root` of the working directory, else ``./results``.

    The repository's ``results/`` is relative (``results``) when the working directory is the repository root, as
    in every ``forlab run`` (so a printed store path names no machine's file system), and absolute from anywhere
    else (``notebooks/``), so that ``root / results_root()`` is right wherever it is computed.
    """
    if root is not None:
        return Path(root)
    if os.environ.get("FORLAB_RESULTS"):
        return Path(os.environ["FORLAB_RESULTS"])
    repo = repository_root()
    if repo is None:
        return Path(RESULTS)
    return Path(RESULTS) if repo == Path.cwd().resolve() else repo / RESULTS


def canonical_json(params: Mapping[str, Any]) -> str:
    """JSON with sorted keys and no whitespace: the form that is hashed and stored in ``attrs``."""
    return json.dumps(dict(params), sort_keys=True, separators=(",", ":"), default=_json_default)


def param_hash(params: Mapping[str, Any]) -> str:
    """First 12 hex characters of the sha256 of the canonical JSON of ``params``.

    ``1`` and ``1.0`` hash differently: the runner coerces values to the type of the declared default first.
    """
    return hashlib.sha256(canonical_json(params).encode()).hexdigest()[:HASH_LENGTH]


def path_for(chapter: str, params: Mapping[str, Any], root: str | os.PathLike | None = None) -> Path:
    """Where the store of ``chapter`` run with ``params`` lives."""
    return results_root(root) / chapter / f"{param_hash(params)}{SUFFIX}"


def netcdf_safe(value: Any) -> str | int | float:
    """An attribute value netCDF can hold: strings and numbers pass; bools, None, containers become JSON strings."""
    if isinstance(value, (bool, np.bool_)):
        return json.dumps(bool(value))
    if isinstance(value, (str, int, float, np.integer, np.floating)):
        return value.item() if isinstance(value, np.generic) else value
    if isinstance(value, (Path, _dt.datetime, _dt.date)):
        return str(value)
    return json.dumps(value, sort_keys=True, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    return str(value)


class StoreError(OSError):
    """A store that cannot be used: unreadable (truncated, corrupt), of another chapter or parameters than asked
    for, or larger in memory than allowed. The message names the file and how to re-make it."""


def provenance(chapter: str, params: Mapping[str, Any]) -> dict[str, str]:
    """The attributes :func:`save` adds to every store (all strings): what was run, from which commit, with
    which interpreter, solvers, libraries and lock (`forlab.book.provenance.environment`), and when."""
    import forlab

    return {
        "chapter": chapter,
        "parameters": canonical_json(params),
        "parameter_hash": param_hash(params),
        "forlab_version": forlab.__version__,
        "git_commit": git_commit(),
        **_provenance.environment(),
        "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }


def git_commit() -> str:
    """Commit of the forlab source tree, with ``-dirty`` when it has local changes; ``unknown`` outside git."""
    here = Path(__file__).resolve().parent

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=here, capture_output=True, text=True, timeout=10, check=True
        )
        return done.stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        return commit + ("-dirty" if git("status", "--porcelain") else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def save(
    ds: xr.Dataset, chapter: str, params: Mapping[str, Any], root: str | os.PathLike | None = None
) -> Path:
    """Write ``ds`` with provenance attributes to :func:`path_for` ``(chapter, params)`` atomically
    (`atomic_write`): a reader sees either the old store or the complete new one. Returns the path of the store.
    """
    target = path_for(chapter, params, root)
    target.parent.mkdir(parents=True, exist_ok=True)
    out = units.with_units(ds.copy())  # every variable leaves with its unit, or the save fails naming it
    out.attrs = {k: netcdf_safe(v) for k, v in ds.attrs.items()} | provenance(chapter, params)
    for var in out.variables.values():
        var.attrs = {k: netcdf_safe(v) for k, v in var.attrs.items()}
    return atomic_write(target, lambda tmp: out.to_netcdf(tmp, engine=ENGINE))


def atomic_write(target: Path, write: Callable[[Path], Any]) -> Path:
    """Call ``write(tmp)`` on a fresh temporary file next to ``target`` (`temp_path`), fsync it and rename it over
    ``target``; on any error or interrupt the temporary file is removed and ``target`` is untouched. Stale
    temporary files of killed writers in the folder are removed first (`clean_stale_temps`)."""
    target = Path(target)
    clean_stale_temps(target.parent)
    tmp = temp_path(target)
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))  # reserve the name: never shared
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # a store or page is a shareable result, whatever the writer made
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    return target


_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{12}\.tmp(?:\.\w+)?$")
_LEGACY_TEMP = re.compile(r"^\..+\.tmp$")  # mkstemp's .<hash>.<random>.tmp, the old fixed .runcache.tmp


def temp_path(target: Path) -> Path:
    """``.<stem>.<pid>.<random>.tmp<suffix>`` next to ``target`` (it keeps the target's suffix, which tools like
    papermill check): the writer's pid lets `clean_stale_temps` tell a live write from a killed one, and 48 random
    bits keep two writers (processes or threads) apart."""
    target = Path(target)
    return target.with_name(f".{target.stem}.{os.getpid()}.{secrets.token_hex(6)}{TEMP_SUFFIX}{target.suffix}")


def clean_stale_temps(directory: Path, now: float | None = None) -> list[Path]:
    """Remove the temporary files in ``directory`` whose writer is gone: its pid no longer runs, or runs a process
    that started after the file was last written (the pid was reused). A name without a pid (an older writer's,
    e.g. ``.runcache.tmp``) counts as stale after `LEGACY_TEMP_AGE_S`. Returns what it removed."""
    removed = []
    now = time.time() if now is None else now
    for path in Path(directory).glob(f".*{TEMP_SUFFIX}*"):
        match, legacy = _TEMP.match(path.name), _LEGACY_TEMP.match(path.name)
        try:
            written = path.stat().st_mtime
        except OSError:
            continue  # its writer just renamed or removed it
        if match:
            stale = not _writer_alive(int(match["pid"]), written)
        else:
            stale = legacy is not None and now - written > LEGACY_TEMP_AGE_S
        if stale:
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def _writer_alive(pid: int, written: float) -> bool:
    """Whether process ``pid`` runs and started before ``written`` (1 s slack for the clock's resolution)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it runs, as another user
    started = _process_start(pid)
    return started is None or started <= written + 1.0


def _process_start(pid: int) -> float | None:
    """Start time (epoch seconds) of ``pid`` from Linux's /proc; None where /proc does not tell."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime"))  # fmt: skip
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable (POSIX); a no-op where directories cannot be opened."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# ---------------------------------------------------------------- a chapter's parameters
# Here rather than in the runner: `open_store` completes a partial parameter set with the chapter's defaults and
# judges a chapter and its values as `forlab run` does, and this module stays below the runner (which imports it).


class ParameterError(ValueError):
    """A chapter that does not exist, a ``-p`` name that the chapter does not declare, or a value that does not fit
    the declared default or that the chapter's own check refuses (`check_values`); the forlab command's exit
    status 2. `forlab.book.runner.ParameterError` is this class."""


def chapters(root: str | os.PathLike) -> list[str]:
    """Chapter ids of the repository ``root``: the stems of ``notebooks/*.ipynb``, sorted."""
    return sorted(p.stem for p in (Path(root) / ROOT_FOLDER).glob("*.ipynb"))


_CHAPTER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def notebook_path(root: str | os.PathLike, chapter: str) -> Path:
    """The source notebook of ``chapter``, a notebook stem in ``notebooks/`` (a name, never a path: an absolute
    path or ``..`` would put the executed copy over a source notebook or outside the book); ``ParameterError``
    listing the chapters otherwise."""
    names = chapters(root)
    listing = f"chapters: {', '.join(names) or '(none)'}"
    if not isinstance(chapter, str) or not _CHAPTER_NAME.match(chapter):
        stem = Path(str(chapter)).name.removesuffix(".ipynb")
        hint = f" (did you mean {stem}?)" if stem in names else ""
        raise ParameterError(f"a chapter is a name, not a path: {chapter!r}{hint}; {listing}")
    path = Path(root) / ROOT_FOLDER / f"{chapter}.ipynb"
    if chapter not in names or not path.is_file():
        raise ParameterError(f"unknown chapter {chapter!r}; {listing}")
    return path


def chapter_check(chapter: str) -> Callable[[dict[str, Any]], None] | None:
    """A chapter's own check of its parameters' values: ``check_params`` of its study module
    (``forlab.studies.ch<chapter>``; cheap, it builds and solves nothing); None for a notebook without one."""
    import importlib
    import importlib.util

    name = f"forlab.studies.ch{chapter}"
    if importlib.util.find_spec(name) is None:
        return None
    return getattr(importlib.import_module(name), "check_params", None)


def check_values(chapter: str, params: Mapping[str, Any]) -> None:
    """`ParameterError` (the command line's exit status 2) when the chapter's own check (`chapter_check`) refuses
    a value that has the right type, e.g. a negative count or an unknown grid: said before a kernel starts, rather
    than as a failed notebook cell with a ``.failed.ipynb`` left behind."""
    check = chapter_check(chapter)
    if check is None:
        return
    try:
        check(dict(params))
    except (TypeError, ValueError) as err:
        raise ParameterError(f"{chapter}: {err}") from err


def parameters_cell(nb: Any) -> Any:
    """The first code cell of notebook ``nb`` tagged ``parameters`` (None when there is none)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            return cell
    return None


def assignments(source: str) -> list[tuple[str, ast.expr]]:
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
    import nbformat  # only here: every chapter kernel and worker imports this module, few read a notebook

    cell = parameters_cell(nbformat.read(nb_path, as_version=4))
    if cell is None:
        return {}
    declared = {}
    for name, value in assignments(cell.source):
        try:
            declared[name] = ast.literal_eval(value)
        except ValueError:
            continue  # not a parameter papermill can override: reported by runner.convention_problems
    return declared


def fits(value: Any, kind: type) -> bool:
    """``value`` has type ``kind`` by the rules of chapter parameters: a bool is never a number, an int is a float,
    NumPy scalars count as their Python types, a tuple is a list (the value papermill gives is always a list)."""
    if kind in (int, float):
        number = numbers.Integral if kind is int else numbers.Real
        return isinstance(value, number) and not isinstance(value, bool)
    return isinstance(value, list | tuple) if kind is list else isinstance(value, kind)


def fit_value(value: Any, default: Any) -> Any:
    """``value`` (a Python value; `forlab.book.runner.coerce` parses command-line text first) as a parameter whose
    declared default is ``default`` takes it: an int for a float default becomes a float, a tuple for a list
    default a list (and back), a list's elements must fit those of the default list (`_element_kind`); a None
    default takes anything. TypeError saying what it must be otherwise. No conversion changes a hash but int ->
    float, which `forlab run` makes too."""
    if default is None:
        return value
    kind = type(default)
    if isinstance(default, list | tuple) and isinstance(value, list | tuple):
        return kind(_check_elements(value, default))
    if not fits(value, kind):
        raise TypeError(f"{value!r} is {_a(type(value))}, not {_a(kind)} like the default {default!r}")
    return kind(value)


def _a(kind: type) -> str:
    """A type's name with its article: "an int", "a float"."""
    return f"{'an' if kind.__name__[0] in 'aeiou' else 'a'} {kind.__name__}"


def _element_kind(default: list | tuple) -> type | None:
    """The type every element of a default list has (float for ints mixed with floats); None when it is empty or
    mixes types, and then any element goes."""
    kinds = {type(x) for x in default}
    if kinds == {int, float}:
        return float
    return kinds.pop() if len(kinds) == 1 else None


def _check_elements(value: list | tuple, default: list | tuple) -> list | tuple:
    """``value`` unchanged (ints stay ints in a float list: the hash of a stored run must not move); TypeError
    naming the first element that does not fit `_element_kind`."""
    kind = _element_kind(default)
    wrong = [x for x in value if kind is not None and not fits(x, kind)]
    if wrong:
        raise TypeError(f"{list(value)!r} holds the {type(wrong[0]).__name__} {wrong[0]!r}: every element must be "
                        f"{_a(kind)}, like those of the default {list(default)!r}")
    return value


def notebook_defaults(chapter: str, params: Mapping[str, Any]) -> dict[str, Any] | None:
    """The declared defaults of ``notebooks/<chapter>.ipynb`` in this repository when ``params`` lacks some of
    them, else None (no such notebook, or a complete set). Why only a partial set: no run writes a store under
    one (every run saves all its parameters), while a complete set is hashed as given, so no store changes name."""
    repo = repository_root()
    path = None if repo is None else repo / "notebooks" / f"{chapter}.ipynb"
    if path is None or not path.is_file():
        return None
    declared = declared_parameters(path)
    return declared if set(declared) - set(params) else None


def complete_params(
    chapter: str, params: Mapping[str, Any], defaults: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``params`` filled up with the chapter's declared ``defaults`` (None: ``params`` as given).

    ValueError for a name the chapter does not declare, TypeError for a value that does not fit its default
    (`fit_value`). An int given for a float default becomes a float, so that ``{"load_scale": 1}`` finds the store
    of ``load_scale = 1.0`` (the runner coerces the same way; the hash tells ``1`` from ``1.0``).
    """
    if defaults is None:
        return dict(params)
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        raise ValueError(
            f"chapter {chapter!r} declares no parameter {', '.join(unknown)}; it declares: "
            + ", ".join(f"{name} = {value!r}" for name, value in defaults.items())
        )
    full = dict(defaults)
    for name, value in params.items():
        try:
            full[name] = fit_value(value, defaults[name])
        except TypeError as err:
            raise TypeError(f"chapter {chapter!r}, parameter {name!r}: {err}") from None
    return full


def _cli_value(value: Any, default: Any = "") -> str:
    """``value`` as ``forlab run -p`` parses it back (`forlab.book.runner.coerce`): a string as it is, a value for
    a None default as a Python literal, anything else as JSON."""
    if isinstance(value, str):
        return value
    if value is None or default is None:
        return repr(value)
    return json.dumps(value, default=_json_default)


def run_command(
    chapter: str, params: Mapping[str, Any], defaults: Mapping[str, Any] | None = None,
    root: str | os.PathLike | None = None,
) -> str:
    """The shell command (every word quoted with `shlex.quote`) that produces the store of ``chapter`` with
    ``params``: ``forlab run`` with a ``-p`` for every parameter, or only for those that differ from ``defaults``
    when they are given; prefixed with ``FORLAB_RESULTS=...`` when the stores live elsewhere than the default
    root."""
    words = ["forlab", "run", chapter]
    for name, value in params.items():
        default = "" if defaults is None else defaults.get(name, "")
        if defaults is not None and name in defaults and canonical_json({0: value}) == canonical_json({0: default}):
            continue
        words += ["-p", name, _cli_value(value, default)]
    command = shlex.join(words)
    if root is not None and Path(root).resolve() != results_root().resolve():
        command = f"FORLAB_RESULTS={shlex.quote(str(Path(root).resolve()))} {command}"
    return command


def stored_attrs(path: str | os.PathLike) -> dict[str, Any] | None:
    """A store's attributes (`provenance`), read without loading its data (None if unreadable)."""
    import h5netcdf

    try:
        with h5netcdf.File(path, "r") as fh:
            return dict(fh.attrs)
    except (OSError, ValueError):
        return None


def stored_parameters(path: str | os.PathLike) -> dict[str, Any] | None:
    """The parameters recorded in a store's attributes, read without loading its data (None if unreadable)."""
    try:
        return json.loads((stored_attrs(path) or {})["parameters"])
    except (KeyError, TypeError, ValueError):
        return None


def differences(asked: Mapping[str, Any], stored: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Name -> (asked, stored) for every parameter whose canonical JSON differs (``1`` differs from ``1.0``);
    a name missing on one side shows as ``"(absent)"``."""
    absent = "(absent)"
    return {
        name: (asked.get(name, absent), stored.get(name, absent))
        for name in sorted(set(asked) | set(stored))
        if canonical_json({0: asked.get(name, absent)}) != canonical_json({0: stored.get(name, absent)})
    }


def missing_store_message(
    chapter: str, params: Mapping[str, Any], root: str | os.PathLike | None = None,
    defaults: Mapping[str, Any] | None = None, closest: int = 3,
) -> str:
    """Why `open_store` found nothing: the path looked at, the command that produces the store and, when the
    chapter has other stores, the parameters in which the ``closest`` of them differ."""
    path = path_for(chapter, params, root)
    lines = [
        f"no store of chapter {chapter!r} with parameters {canonical_json(params)} at {_where(path)}",
        f"produce it (from anywhere in the repository) with:\n    {run_command(chapter, params, defaults, root)}",
    ]
    found = [(p, differences(params, s)) for p in list_stores(chapter, root) if (s := stored_parameters(p)) is not None]
    if found:
        found.sort(key=lambda item: len(item[1]))
        lines.append(f"the chapter's {len(found)} existing store(s) differ; the closest:")
        for store_path, diff in found[:closest]:
            what = "; ".join(f"{n} = {_cli_value(a)} asked, {_cli_value(b)} there" for n, (a, b) in diff.items())
            lines.append(f"    {_where(store_path)}: {what}")
    return "\n".join(lines)


def refuse_unmakeable(chapter: str, params: Mapping[str, Any]) -> None:
    """`ParameterError` when, in the repository of the working directory, ``forlab run`` would refuse the run that
    makes the store of ``chapter`` with ``params``: an unknown chapter (`notebook_path`) or a value the chapter's
    own check refuses (`check_values`). Then a missing store's message names the refusal, not a command that stops
    with exit status 2. Outside a repository nothing is known about chapters, and nothing is refused."""
    repo = repository_root()
    if repo is None:
        return
    notebook_path(repo, chapter)
    try:
        check_values(chapter, params)
    except ParameterError as err:
        raise ParameterError(f"no store of chapter {chapter!r} with parameters {canonical_json(params)}, and no "
                             f"run can make one: `forlab run {chapter}` refuses them ({err.__cause__})") from err


def relative_to_repository(path: str | os.PathLike, root: str | os.PathLike | None = None) -> Path:
    """``path`` relative to the repository ``root`` (by default the one it lies in) when it lies there, else as it
    is: how forlab prints a path in a message or on the terminal (a store, an executed notebook, an offer file), so
    that no machine's file system shows where the repository's own layout says enough."""
    resolved = Path(path).resolve()
    root = repository_root(resolved.parent) if root is None else Path(root).resolve()
    return resolved.relative_to(root) if root is not None and resolved.is_relative_to(root) else Path(path)


def _where(path: Path) -> str:
    """``path`` for a message (`relative_to_repository`)."""
    return relative_to_repository(path).as_posix()


def open_store(
    chapter: str, params: Mapping[str, Any], root: str | os.PathLike | None = None,
    defaults: Mapping[str, Any] | None = None, max_bytes: int = MAX_STORE_BYTES,
) -> xr.Dataset:
    """Load the store of ``chapter`` run with ``params`` fully into memory (the file is closed on return).

    ``params`` may be partial (`complete_params`): ``defaults`` gives the chapter's declared parameters, else
    they come from ``notebooks/<chapter>.ipynb`` of this repository (`notebook_defaults`), so that the store
    looked for, and the ``forlab run`` command the error names, are those of the complete set. A complete set is
    hashed as given. FileNotFoundError with `missing_store_message` when there is no such store; `StoreError`
    (`open_path`) when the file is unreadable, holds another chapter or parameters, or is larger than
    ``max_bytes`` in memory. Where no store exists and no run could make one, `ParameterError` instead
    (`refuse_unmakeable`): the chapter is unknown, or the chapter's own check refuses a value.
    """
    if defaults is None:
        defaults = notebook_defaults(chapter, params)
    full = complete_params(chapter, params, defaults)
    path = path_for(chapter, full, root)
    if not path.exists():
        refuse_unmakeable(chapter, full)
        raise FileNotFoundError(missing_store_message(chapter, full, root, defaults))
    return open_path(path, expect=(chapter, full), rerun=run_command(chapter, full, defaults, root),
                     max_bytes=max_bytes)  # fmt: skip


READS_LOG = "FORLAB_READS_LOG"
"""Environment variable: a file to which `open_path` appends every store it opens (the runner sets it for a
chapter's kernel and checks the reads against the chapter's declared inputs)."""


def open_path(
    path: str | os.PathLike, expect: tuple[str, Mapping[str, Any]] | None = None, rerun: str | None = None,
    max_bytes: int = MAX_STORE_BYTES,
) -> xr.Dataset:
    """Load a store file fully into memory, its names upgraded to the book's current ones
    (`forlab.book.names.upgrade`), and record where it came from in ``attrs["store_path"]``.

    ``expect = (chapter, params)`` checks the file's ``chapter`` and ``parameter_hash`` attributes against them.
    `StoreError` naming the file and ``rerun`` (the command that re-makes it) when the file is unreadable
    (truncated, corrupt), is not the expected store, or expands beyond ``max_bytes`` in memory (checked before
    anything is loaded). Stale temporary files of killed writers in its folder are removed first.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no store at {_where(path)}")
    clean_stale_temps(path.parent)
    hint = rerun or f"forlab run {path.parent.name} ... (the run that made it)"
    try:
        with xr.open_dataset(path, engine=ENGINE) as ds:
            _check_store(ds, path, expect, hint, max_bytes)
            loaded = ds.load()
    except StoreError:
        raise
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as err:
        raise StoreError(f"store {_where(path)} is unreadable (truncated or corrupt: {type(err).__name__}: "
                         f"{err}); delete it and re-run with `{hint}`") from err  # fmt: skip
    if os.environ.get(READS_LOG):
        with contextlib.suppress(OSError), open(os.environ[READS_LOG], "a") as log:
            log.write(f"{path.resolve()}\n")
    out = units.with_units(names.upgrade(loaded), strict=False)  # archives written before every variable had units
    out.attrs["store_path"] = shown_path(path)
    return out


def _check_store(
    ds: xr.Dataset, path: Path, expect: tuple[str, Mapping[str, Any]] | None, hint: str, max_bytes: int
) -> None:
    """StoreError when the lazily opened ``ds`` is larger than ``max_bytes`` or not the ``expect``-ed store."""
    if ds.nbytes > max_bytes:
        # MiB grouped as the book groups thousands; max_bytes as code, the value a caller passes
        raise StoreError(f"store {_where(path)} expands to {grouped(ds.nbytes / 2**20)} MiB in memory, above "
                         f"`max_bytes = {max_bytes}` ({grouped(max_bytes / 2**20)} MiB): pass a larger max_bytes to "
                         f"open it, or delete it and re-run with `{hint}`")  # fmt: skip
    if expect is None:
        return
    chapter, params = expect
    found = (ds.attrs.get("chapter"), ds.attrs.get("parameter_hash"))
    if found != (chapter, param_hash(params)):
        raise StoreError(f"store {_where(path)} holds chapter {found[0]!r} with parameter_hash {found[1]!r}, not "
                         f"{chapter!r} with {param_hash(params)} ({canonical_json(params)}): it was copied or "
                         f"renamed; delete it and re-run with `{hint}`")  # fmt: skip


def short_commit(attrs: Mapping[str, Any]) -> str:
    """A store's git commit (``attrs["git_commit"]``) as a page names it: its first 7 hex digits, a "-dirty" mark
    kept; anything that is not a full hash as it is."""
    commit = str(attrs.get("git_commit", ""))
    head = commit.removesuffix("-dirty")
    return head[:7] + ("-dirty" if commit.endswith("-dirty") else "") if len(head) == 40 else commit


def written_utc(attrs: Mapping[str, Any]) -> str:
    """When a store was written (``attrs["created_utc"]``), to the minute: "2026-12-04 22:15"."""
    return str(attrs.get("created_utc", ""))[:16].replace("T", " ")


def origin_text(st: xr.Dataset, *details: str) -> str:
    """Markdown: where a store comes from, in the one sentence by which a chapter's prose cites a store (no study
    module writes it by hand): "From `<store_path>` (commit `abc1234`, written <UTC minute> UTC; <details>...)",
    without closing punctuation (the page goes on with "." or ":"). The block a chapter prints under the store of
    its own run is `store_header`."""
    told = "; ".join((f"commit `{short_commit(st.attrs)}`, written {written_utc(st.attrs)} UTC", *details))
    return f"From `{st.attrs['store_path']}` ({told})"


HEADER_WIDTH = 86
"""Characters per line of `store_header`: a monospace line of the book's text column."""


def store_header(stored: xr.Dataset) -> str:
    """Where a store came from, as a chapter prints it under the store of its own run: its chapter, parameters, git
    commit and creation time, one per line (a long parameter set wraps after its commas, indented, so that the
    printed block fits the page's column, `HEADER_WIDTH`)."""
    lines = []
    for name in ("chapter", "parameters", "git_commit", "created_utc"):
        value = str(stored.attrs[name])
        value = value.replace(",", ", ") if name == "parameters" else value  # compact JSON: a place to wrap
        lines += textwrap.wrap(value, HEADER_WIDTH, initial_indent=f"{name:12} ",
                               subsequent_indent=" " * 13, break_on_hyphens=False) or [f"{name:12}"]
    return "\n".join(lines)


def parameters_text(st: xr.Dataset) -> str:
    """A store's parameters as "`name = value`" pairs joined by ", ", each pair inline code (the value as JSON), so
    that the line can wrap on the page between the pairs and at the spaces inside a list (the store's JSON has none
    after its commas) and the page prints the value as it is written: outside code, MyST's smart quotes turned the
    quotes of a string into typographic ones, which a reader who copies the value into `forlab run -p` cannot use.
    What a paper-scale section names beside `origin_text`."""
    params = json.loads(st.attrs["parameters"])
    return ", ".join(_inline_code(f"{k} = {json.dumps(v)}") for k, v in params.items())


def paper_origin(st: xr.Dataset, *details: str) -> str:
    """Markdown, complete sentences: the one line by which every chapter's paper-scale section names its (archived
    profile) store, `origin_text` with ``details`` (such as the study's wall time) and a full stop, then the
    parameters it ran with (`parameters_text`) in a sentence of their own, "It ran with `a = 1`, `b = [2, 3]`.".
    Not inside the origin's parenthesis: there a profile's twenty-odd parameters made one sentence of some 900
    characters, and a reader lost where it went on. A caller goes on with a sentence or a paragraph of its own."""
    ran = parameters_text(st)
    return f"{origin_text(st, *details)}." + (f" It ran with {ran}." if ran else "")


def _inline_code(text: str) -> str:
    """``text`` as Markdown inline code: between single backticks, or, where it holds one, between a run of backticks
    longer than any in it, padded with spaces (CommonMark's rule)."""
    if "`" not in text:
        return f"`{text}`"
    fence = "`" * (max(len(run) for run in re.findall(r"`+", text)) + 1)
    return f"{fence} {text} {fence}"


def shown_path(path: str | os.PathLike) -> str:
    """``path`` as a page shows it: relative to the repository (or working directory) it lies in, so that no
    machine's file system appears in the book."""
    path = Path(path).resolve()
    repo = repository_root(path.parent)
    return path.relative_to(repo).as_posix() if repo is not None else path.name


def list_stores(chapter: str, root: str | os.PathLike | None = None) -> list[Path]:
    """All stores of ``chapter``, sorted by file name. None found for a chapter that the repository of the working
    directory does not have is `ParameterError` naming its chapters (a misspelt name listed nothing, without a
    word); its stores, where some exist (saved under that name by hand), are listed."""
    found = sorted((results_root(root) / chapter).glob(f"*{SUFFIX}"))
    repo = repository_root()
    if not found and repo is not None:
        notebook_path(repo, chapter)
    return found


def solver_status(
    statuses: str | Iterable[str], dims: str | tuple[str, ...] = (), solver: str = ""
) -> xr.DataArray:
    """A string variable of solver statuses (the solver's own words, e.g. ``Solve_Succeeded``, ``converged``).

    The convention for every store: a status is a string variable named ``*_status`` with ``dims`` of the
    quantity it qualifies; :func:`succeeded` tells which entries count as a successful solve.
    """
    values = np.asarray(statuses if isinstance(statuses, str) else list(statuses), dtype=str)
    return xr.DataArray(values, dims=dims, attrs={"long_name": "solver status", "solver": solver})


def succeeded(status: xr.DataArray | str) -> xr.DataArray | bool:
    """True where a solver status is one of :data:`OK_STATUSES`."""
    if isinstance(status, str):
        return status in OK_STATUSES
    return xr.apply_ufunc(np.isin, status, list(OK_STATUSES))


ARCHIVE = "archive"
"""Committed stores of long runs (paper profiles), laid out like ``results/``: ``archive/<chapter>/<hash>.nc``."""
