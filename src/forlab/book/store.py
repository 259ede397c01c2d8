"""Results stores: one xarray Dataset per (chapter, parameters), written as netCDF4 through h5netcdf.

A store lives at ``<root>/<chapter>/<param-hash>.nc``. ``root`` defaults to ``$FORLAB_RESULTS`` or ``results``
(relative to the working directory, which the runner sets to the repository root). The file carries its own
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
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from forlab.book import names

ENGINE = "h5netcdf"
SUFFIX = ".nc"
HASH_LENGTH = 12
LIBRARIES = (
    "numpy", "scipy", "pandas", "pandapower", "casadi", "cvxpy", "xarray",
    "h5netcdf", "h5py", "dask", "papermill", "matplotlib",
)  # fmt: skip
# Statuses that count as a successful solve (pandapower power flow, Ipopt via CasADi, cvxpy).
OK_STATUSES = frozenset({"converged", "Solve_Succeeded", "Solved_To_Acceptable_Level", "optimal"})


def results_root(root: str | os.PathLike | None = None) -> Path:
    """The directory that holds all stores: ``root``, else ``$FORLAB_RESULTS``, else ``results``."""
    return Path(root if root is not None else os.environ.get("FORLAB_RESULTS", "results"))


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
    out = ds.copy()
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


def run_command(chapter: str, params: Mapping[str, Any]) -> str:
    """The ``forlab run`` command that produces the store of ``chapter`` with ``params``."""
    args = "".join(
        f" -p {name} {value if isinstance(value, str) else json.dumps(value)}"
        for name, value in params.items()
    )
    return f"forlab run {chapter}{args}"


def open_store(chapter: str, params: Mapping[str, Any], root: str | os.PathLike | None = None) -> xr.Dataset:
    """Load the store of ``chapter`` run with ``params`` fully into memory (the file is closed on return)."""
    path = path_for(chapter, params, root)
    if not path.exists():
        raise FileNotFoundError(
            f"no store for chapter {chapter!r} with parameters {canonical_json(params)} at {path}; "
            f"produce it with: {run_command(chapter, params)}"
        )
    return open_path(path)


def open_path(path: str | os.PathLike) -> xr.Dataset:
    """Load a store file fully into memory, its names upgraded to the book's current ones
    (`forlab.book.names.upgrade`), and record where it came from in ``attrs["store_path"]``."""
    with xr.open_dataset(path, engine=ENGINE) as ds:
        out = names.upgrade(ds.load())
    out.attrs["store_path"] = shown_path(path)
    return out


def shown_path(path: str | os.PathLike) -> str:
    """``path`` as a page shows it: relative to the repository (or working directory) it lies in, so that no
    machine's file system appears in the book."""
    path = Path(path).resolve()
    for parent in path.parents:
        if (parent / ".git").exists() or (parent / "_toc.yml").exists():
            return path.relative_to(parent).as_posix()
    return path.name


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
