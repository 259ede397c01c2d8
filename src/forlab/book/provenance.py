"""What a store was made with: interpreter, solvers (CasADi's Ipopt and its MUMPS), libraries and the lock.

`store.save` writes :func:`environment` into every store's attributes, so a result can be regenerated with the exact
versions it was made with: ``requirements.lock`` (made by ``python3 scripts/dev.py lock``) pins every package, and
``lock_sha256`` / ``lock_mismatches`` say which lock it was and whether the installed packages were that lock.

Ipopt and MUMPS are compiled into CasADi's wheel and have no Python version attribute: :func:`solver_versions` asks
Ipopt itself, which writes "This is Ipopt version X, running with linear solver MUMPS Y." into its output file
(``output_file`` at ``file_print_level`` 5) on a one-variable problem stopped at iteration 0 (about 10 ms, once per
process); nothing reaches the terminal or a page.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import platform
import re
import tempfile
from importlib import metadata
from pathlib import Path

LOCK_NAME = "requirements.lock"
LIBRARIES = (
    "numpy", "scipy", "pandas", "pandapower", "casadi", "cvxpy", "clarabel", "pyomo", "pyomo-ripopt", "highspy",
    "xarray", "h5netcdf", "h5py", "dask", "distributed", "papermill", "matplotlib",
)  # fmt: skip
_BANNER = re.compile(r"Ipopt version (?P<ipopt>\S+?),? running with linear solver (?P<linear>\S+)(?: (?P<lv>\d+(?:\.\d+)*))?")


def lock_path() -> Path:
    """``requirements.lock`` at the root of the source tree forlab is imported from (an editable install)."""
    return Path(__file__).resolve().parents[3] / LOCK_NAME


def lock_sha256(path: Path | None = None) -> str:
    """sha256 of the lock file; ``absent`` when forlab does not run from a checkout that has one."""
    path = lock_path() if path is None else path
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "absent"


def locked_versions(text: str) -> dict[str, str]:
    """PEP 503 name -> pinned version of every ``name==version`` line of a lock."""
    pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", text, flags=re.MULTILINE)
    return {normalise(name): version for name, version in pins}


def normalise(name: str) -> str:
    """A package name in its PEP 503 normal form (lower case, runs of "-", "_", "." as one "-")."""
    return re.sub(r"[-_.]+", "-", name).lower()


@functools.cache
def lock_mismatches(path: Path | None = None) -> tuple[str, ...]:
    """``"name installed, locked"`` for every locked package whose installed version differs (empty: the venv is
    the lock; also empty without a lock file, whose absence ``lock_sha256`` records). Read once per process:
    about 0.2 s for the ~160 locked packages."""
    path = lock_path() if path is None else path
    try:
        pins = locked_versions(path.read_text())
    except OSError:
        return ()
    found = []
    for name, version in sorted(pins.items()):
        try:
            installed = f"{metadata.version(name)} installed"
        except metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != f"{version} installed":
            found.append(f"{name} {installed}, {version} locked")
    return tuple(found)


def library_versions(names: tuple[str, ...] = LIBRARIES) -> dict[str, str]:
    """Installed versions of the libraries results depend on (those not installed are left out)."""
    versions = {}
    for name in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


@functools.cache
def solver_versions() -> dict[str, str]:
    """``{"ipopt": ..., "linear_solver": "MUMPS", "mumps": ...}`` as CasADi's Ipopt reports them; ``unknown``
    for what it could not tell (no CasADi, no Ipopt plugin)."""
    found = {"ipopt": "unknown", "linear_solver": "unknown", "mumps": "unknown"}
    try:
        import casadi

        x = casadi.MX.sym("x")
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "ipopt.out"
            options = {"print_level": 0, "sb": "yes", "output_file": str(out), "file_print_level": 5, "max_iter": 0}
            casadi.nlpsol("version_probe", "ipopt", {"x": x, "f": x**2}, {"print_time": False, "ipopt": options})(x0=1)
            match = _BANNER.search(out.read_text())
    except Exception:  # noqa: BLE001 - a missing solver is recorded as unknown, never fails a save
        return found
    if match:
        found["ipopt"], found["linear_solver"] = match["ipopt"], match["linear"]
        if match["linear"].upper() == "MUMPS" and match["lv"]:
            found["mumps"] = match["lv"]
    return found


def casadi_version() -> str:
    """CasADi's own version (``casadi.CasadiMeta.version()``), ``unknown`` without CasADi."""
    try:
        import casadi

        return casadi.CasadiMeta.version()
    except ImportError:
        return "unknown"


def environment() -> dict[str, str]:
    """The attributes `forlab.book.store.save` adds about the environment (all strings)."""
    solvers = solver_versions()
    return {
        "python_version": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "platform": f"{platform.system()}-{platform.machine()}",
        "casadi_version": casadi_version(),
        "ipopt_version": solvers["ipopt"],
        "ipopt_linear_solver": solvers["linear_solver"],
        "mumps_version": solvers["mumps"],
        "blas_kernel": blas_kernel(),
        "cpu_model": cpu_model(),
        "cpu_count": str(os.cpu_count() or "unknown"),
        "library_versions": json.dumps(library_versions(), sort_keys=True),
        "lock_sha256": lock_sha256(),
        "lock_mismatches": json.dumps(lock_mismatches()),
    }


_CORENAME = ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename")


@functools.cache
def blas_kernel() -> str:
    """The kernels numpy's OpenBLAS runs on this CPU ("Haswell", "SkylakeX", ...: its own ``get_corename``), or
    "unknown" where numpy's BLAS is not an OpenBLAS loaded from a file this process maps (Linux).

    Why a store records it: OpenBLAS picks its kernels by CPU (``OPENBLAS_CORETYPE`` overrides the pick), and
    kernels round products differently in the last bits. Chapter 06's paper profile amplifies such bits (a DS's
    loads scaled in the 14th digit, then feasibility labels flipped on the boundary, other samples, other
    polytopes): re-run from the same commit on a machine whose OpenBLAS picked "SkylakeX", it wrote a store other
    than the archived one, and with the kernels pinned to "Haswell" another one again (numpy's SIMD loops and
    pandapower's numba code also depend on the CPU; which part moved which digit was not isolated). A store
    therefore names the machine it ran on as well (`cpu_model`)."""
    import ctypes

    import numpy  # noqa: F401  (loads its OpenBLAS)

    try:
        maps = Path("/proc/self/maps").read_text().split("\n")
    except OSError:
        return "unknown"
    # a maps line is "address perms offset dev inode path", the path possibly followed by " (deleted)"
    paths = dict.fromkeys(line.split(maxsplit=5)[5].removesuffix(" (deleted)") for line in maps
                          if "openblas" in line.lower() and len(line.split(maxsplit=5)) == 6)
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:  # a file replaced while the process ran: the kernels cannot be asked, and no save may fail
            continue
        for name in _CORENAME:
            if hasattr(lib, name):
                getter = getattr(lib, name)
                getter.restype = ctypes.c_char_p
                return getter().decode().strip()
    return "unknown"


def machine_text(attrs) -> str:
    """The machine a store's times hold for, in words, from its attributes (`environment`): "Intel(R) Xeon(R)
    Processor, 2 cores"; what the store does not record (a store written before ``cpu_model`` or ``cpu_count``)
    left out, "" when it records neither. The one sentence of the machine on every page."""
    model = str(attrs.get("cpu_model", ""))
    cores = str(attrs.get("cpu_count", ""))
    parts = [model] if model not in ("", "unknown") else []
    parts += [f"{cores} core{'' if cores == '1' else 's'}"] if cores.isdigit() else []
    return ", ".join(parts)


def cpu_model() -> str:
    """The CPU's model name as Linux reports it (``/proc/cpuinfo``), else `platform.processor`, else "unknown"."""
    try:
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
    except OSError:
        found = None
    return found.group(1).strip() if found else (platform.processor() or "unknown")

