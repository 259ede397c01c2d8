"""Results stores: one xarray Dataset per (chapter, parameters), written as netCDF4 through h5netcdf.

A store lives at ``<root>/<chapter>/<param-hash>.nc``. ``root`` defaults to ``$FORLAB_RESULTS``, else to ``results/``
at the repository root (the nearest folder at or above the working directory that holds ``_toc.yml`` or ``.git``),
so that a kernel started in ``notebooks/`` (JupyterLab, nbval) finds the same stores as ``forlab run``; outside any
repository it is ``./results``. The file carries its own
provenance in ``attrs``: chapter, parameters (JSON), parameter hash, forlab / library versions, git commit and the
UTC creation time, so a store can be traced back to the run that made it without any other file.

Solver statuses are stored as string variables (see :func:`solver_status`), never as codes.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import shlex
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from forlab.book import names, units

ENGINE = "h5netcdf"
SUFFIX = ".nc"
HASH_LENGTH = 12
LIBRARIES = (
    "numpy", "scipy", "pandas", "pandapower", "casadi", "cvxpy", "xarray",
    "h5netcdf", "h5py", "dask", "papermill", "matplotlib",
)  # fmt: skip
# Statuses that count as a successful solve (pandapower power flow, Ipopt via CasADi, cvxpy).
OK_STATUSES = frozenset({"converged", "Solve_Succeeded", "Solved_To_Acceptable_Level", "optimal"})


ROOT_MARKERS = ("_toc.yml", ".git")
"""A folder holding one of these is a repository root (the book's table of contents, or git's folder / file)."""
RESULTS = "results"


def repository_root(start: str | os.PathLike | None = None) -> Path | None:
    """The nearest folder at or above ``start`` (default: the working directory) that holds ``_toc.yml`` or
    ``.git``; None outside any repository."""
    here = Path(start if start is not None else Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
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


def provenance(chapter: str, params: Mapping[str, Any]) -> dict[str, str]:
    """The attributes :func:`save` adds to every store (all strings)."""
    import forlab

    return {
        "chapter": chapter,
        "parameters": canonical_json(params),
        "parameter_hash": param_hash(params),
        "forlab_version": forlab.__version__,
        "git_commit": git_commit(),
        "library_versions": json.dumps(library_versions(), sort_keys=True),
        "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }


def library_versions(names: Iterable[str] = LIBRARIES) -> dict[str, str]:
    """Installed versions of the libraries results depend on (those not installed are left out)."""
    versions = {}
    for name in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


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
    """Write ``ds`` with provenance attributes to :func:`path_for` ``(chapter, params)`` atomically.

    The data go to a temporary file in the target directory, which is fsynced and then renamed over the target,
    so a reader sees either the old store or the complete new one. On any error the temporary file is removed.
    Returns the path of the store.
    """
    target = path_for(chapter, params, root)
    target.parent.mkdir(parents=True, exist_ok=True)
    out = units.with_units(ds.copy())  # every variable leaves with its unit, or the save fails naming it
    out.attrs = {k: netcdf_safe(v) for k, v in ds.attrs.items()} | provenance(chapter, params)
    for var in out.variables.values():
        var.attrs = {k: netcdf_safe(v) for k, v in var.attrs.items()}
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        out.to_netcdf(tmp, engine=ENGINE)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a store is a shareable result
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    return target


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable (POSIX); a no-op where directories cannot be opened."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def complete_params(
    chapter: str, params: Mapping[str, Any], defaults: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``params`` filled up with the chapter's declared ``defaults`` (None: ``params`` as given).

    ValueError for a name the chapter does not declare. An int given for a float default becomes a float, so that
    ``{"load_scale": 1}`` finds the store of ``load_scale = 1.0`` (the runner coerces the same way; the hash tells
    ``1`` from ``1.0``).
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
        default = defaults[name]
        if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        full[name] = value
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


def stored_parameters(path: str | os.PathLike) -> dict[str, Any] | None:
    """The parameters recorded in a store's attributes, read without loading its data (None if unreadable)."""
    import h5netcdf

    try:
        with h5netcdf.File(path, "r") as fh:
            return json.loads(fh.attrs["parameters"])
    except (OSError, KeyError, ValueError):
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


def _where(path: Path) -> str:
    """``path`` for a message: relative to its repository (`shown_path`), else as it is."""
    return shown_path(path) if repository_root(Path(path).resolve().parent) is not None else str(path)


def open_store(
    chapter: str, params: Mapping[str, Any], root: str | os.PathLike | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> xr.Dataset:
    """Load the store of ``chapter`` run with ``params`` fully into memory (the file is closed on return).

    ``params`` may be partial when ``defaults`` gives the chapter's declared parameters (`complete_params`); the
    runner reads them from the notebook: ``defaults=forlab.book.runner.chapter_params(chapter)`` (this module
    stays below the runner and parses no notebook). FileNotFoundError with `missing_store_message` when there is
    no such store.
    """
    full = complete_params(chapter, params, defaults)
    path = path_for(chapter, full, root)
    if not path.exists():
        raise FileNotFoundError(missing_store_message(chapter, full, root, defaults))
    return open_path(path)


def open_path(path: str | os.PathLike) -> xr.Dataset:
    """Load a store file fully into memory, its names upgraded to the book's current ones
    (`forlab.book.names.upgrade`), and record where it came from in ``attrs["store_path"]``."""
    with xr.open_dataset(path, engine=ENGINE) as ds:
        out = names.upgrade(ds.load())
    out = units.with_units(out, strict=False)  # archives written before every variable carried its unit
    out.attrs["store_path"] = shown_path(path)
    return out


def shown_path(path: str | os.PathLike) -> str:
    """``path`` as a page shows it: relative to the repository (or working directory) it lies in, so that no
    machine's file system appears in the book."""
    path = Path(path).resolve()
    repo = repository_root(path.parent)
    return path.relative_to(repo).as_posix() if repo is not None else path.name


def list_stores(chapter: str, root: str | os.PathLike | None = None) -> list[Path]:
    """All stores of ``chapter``, sorted by file name."""
    return sorted((results_root(root) / chapter).glob(f"*{SUFFIX}"))


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
