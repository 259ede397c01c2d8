"""P1, stages 1 and 2: sample the PQV feasible operating region (FOR) of a DS at its PCC (chapter 03's section
"Three steps").

Stage 0 solves the six bounding-box OPFs, eq. (p1-box), in this process. Stage 1 projects an n x n grid of targets on
each box face onto the FOR, eq. (p1-projection); stage 2 finds the support points, eq. (p1-support), of N Fibonacci
directions, eq. (p1-fibonacci) (both in box-normalised coordinates). Stages 1 and 2 run as fixed-size chunks on Dask
workers (or in-process); each worker builds the DS model once and caches it, across the load levels of the DS too
(`forlab.p1_for.dso_opf.DSOModel.set_loads`).

Every task is warm-started from one of the six box solutions chosen by the task alone (the face of a projection
target, the box axis closest to a direction), never from whatever another task solved before it on the same worker:
the result therefore does not depend on the number of workers or on scheduling.
"""

from __future__ import annotations

import contextlib
import time
from collections import OrderedDict

import numpy as np
import xarray as xr

from forlab.p1_for.dso_opf import Box, DSOModel, Sample, face_targets, fibonacci_directions, structure_token

_MODELS: OrderedDict[str, DSOModel] = OrderedDict()

# DS models a process keeps (`_model`), least recently used dropped first: one per DS, so that a DS's model outlives
# the other DSs' offers of a load level and serves the DS's next level (loads set, not built again), bounded so that
# memory stays flat with many DSs (beyond this many DSs a worker builds a DS's model once per level again)
MODELS_KEPT = 16

# how long a Dask run may go without any chunk finishing before it fails naming the worker(s) that hold the rest:
# about 25 times the slowest chunk of the book (8 DS OPFs of at most 1.5 s each in chapter 03's archived store), room
# for a worker that first builds its DS model on an overloaded machine, yet a stopped worker is named within five
# minutes instead of hanging the run for ever (issue 20)
TASK_TIMEOUT_S = 300.0


def _model(token: str, net, vm_limits) -> DSOModel:
    """The process's cached model of the DS ``token`` (`structure_token`) at the loads of ``net``: built once per
    process and DS, its loads set per load level."""
    m = _MODELS.get(token)
    if m is None:
        m = DSOModel(net, vm_limits=vm_limits)
    elif m.net is not net:  # the same net object (every chunk of one run) has the same loads: nothing to compare
        m._use_loads(net)  # the token matched the DS already
    _keep(token, m)
    return m


def _keep(token: str, model: DSOModel) -> None:
    """Keep ``model`` as the process's model of DS ``token``, the most recently used; at most `MODELS_KEPT`."""
    _MODELS[token] = model
    _MODELS.move_to_end(token)
    while len(_MODELS) > MODELS_KEPT:
        _MODELS.popitem(last=False)


def _solve_chunk(token, net, vm_limits, lo, hi, starts, tasks) -> list[tuple]:
    """Solve one chunk of tasks (index, kind, vector, start index) on the worker's cached model. Each result is
    (index, record, FPU P, FPU Q, solution); the solution (x, lam_g, lam_x) of a successful cost OPF is kept, the
    primal-dual warm start of the DSO's later cost OPFs (`forlab.p1_for.dso_opf.CostLibrary`), else it is None."""
    m = _model(token, net, vm_limits)
    box = Box(np.asarray(lo), np.asarray(hi))
    out = []
    for idx, kind, vec, k in tasks:
        if kind == "projection":
            s = m.project(vec, box, x0=starts[k])
        elif kind == "cost":
            s, mismatch = m.cost_at(box.denormalise(vec), box, x0=starts[k])
        elif kind == "fibonacci":
            s = m.support(vec, box, x0=starts[k])
        else:
            raise ValueError(f"unknown task kind {kind!r}")
        rec = s.record()
        rec["mismatch"] = mismatch if kind == "cost" else 0.0
        solution = None
        if kind == "cost":
            # the cost's slope at the requested point (none when the nearest feasible point had to stand in)
            grad = s.gradient if (mismatch == 0.0 and s.gradient is not None) else np.full(3, np.nan)
            rec["grad_p"], rec["grad_q"], rec["grad_v"] = (float(v) for v in grad)
            solution = (s.x, s.lam_g, s.lam_x) if s.success else None
        out.append((idx, rec, s.fpu_p_mw, s.fpu_q_mvar, solution))
    return out


def _check_run_options(chunk_size, task_timeout_s) -> None:
    """ValueError unless ``chunk_size`` is a positive integer (a negative one used to slice every chunk empty, so
    only the box samples came back; zero failed inside range()) and ``task_timeout_s`` a positive number of seconds."""
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer (DS OPFs per task, default 8), got {chunk_size!r}")
    if not isinstance(task_timeout_s, (int, float)) or not task_timeout_s > 0:
        raise ValueError(f"task_timeout_s must be a positive number of seconds, got {task_timeout_s!r}")


def nearest_start(t: np.ndarray) -> int:
    """Index of the box sample (-P, +P, -Q, +Q, -V, +V) nearest to a normalised point: its dominant axis and sign."""
    axis = int(np.argmax(np.abs(t)))
    return 2 * axis + int(t[axis] > 0)


def run_tasks(ds_net, box: Box, starts: np.ndarray, tasks: list, *, vm_limits=None, n_workers: int | None = 0,
              address: str | None = None, chunk_size: int = 8, progress: bool = True, desc: str = "DS OPFs",
              local: DSOModel | None = None, security=None, task_timeout_s: float = TASK_TIMEOUT_S, client=None
              ) -> tuple[list, int]:
    """Solve tasks (index, kind, normalised vector, start index) in fixed-size chunks, in-process or on Dask.

    client: a Dask client the caller keeps open for a whole run (`forlab.book.parallel.client`), used instead of
    one started here from ``address`` and ``n_workers`` (starting a local cluster takes seconds, and an offer
    runs its tasks three times: sampling, labelling, cost OPFs); None: as ``address`` / ``n_workers`` say.
    security: TLS certificates for the scheduler (`forlab.book.parallel.security_of`); task_timeout_s: the run
    fails with TimeoutError naming the worker(s) holding the unfinished chunks when no chunk finished for this long
    (a worker that does not answer at all is named after `forlab.book.parallel.WORKER_TIMEOUT_S`).
    Returns the results sorted by task index and the number of Dask workers used (0: in-process).
    """
    from forlab.book import parallel
    from forlab.book.progress import bar as progress_bar

    _check_run_options(chunk_size, task_timeout_s)
    chunks = [tasks[i : i + chunk_size] for i in range(0, len(tasks), chunk_size)]
    token = structure_token(ds_net, vm_limits)
    results: list = []
    bar = progress_bar(total=len(tasks), desc=desc, disable=not progress)
    own = parallel.client(address, n_workers, security=security) if client is None else contextlib.nullcontext(client)
    with own as c:
        if c is None:
            if local is not None:
                _keep(token, local)
            for ch in chunks:
                results += _solve_chunk(token, ds_net, vm_limits, box.lo, box.hi, starts, ch)
                bar.update(len(ch))
            workers = 0
        else:
            # a broadcast to a stopped worker never returns: only answering workers get the data and the chunks
            alive = parallel.check_workers(c, min(parallel.WORKER_TIMEOUT_S, task_timeout_s))
            workers = len(alive)
            net_f = c.scatter(ds_net, broadcast=True, workers=alive)
            starts_f = c.scatter(starts, broadcast=True, workers=alive)
            futs = [c.submit(_solve_chunk, token, net_f, vm_limits, box.lo, box.hi, starts_f, ch, pure=False)
                    for ch in chunks]
            for fut in parallel.wait_each(c, futs, task_timeout_s, what=f"chunk of {desc}"):
                part = fut.result()
                results += part
                bar.update(len(part))
    bar.close()
    results.sort(key=lambda r: r[0])
    return results, workers


def plan(n_directions: int, face_grid: int) -> list[tuple[int, str, np.ndarray, int]]:
    """The task list: projections of the face targets (eq. (p1-projection)), then support points (eq. (p1-support))
    of the Fibonacci directions (eq. (p1-fibonacci)).

    Each task carries the index of the box sample it starts from: the face's own extreme for a projection, the
    extreme of the axis most aligned with the direction for a support point (box samples are ordered -P, +P, -Q,
    +Q, -V, +V).
    """
    tasks = []
    if face_grid > 0:
        targets, faces = face_targets(face_grid)
        for t, f in zip(targets, faces):
            tasks.append((len(tasks), "projection", t, int(f)))
    if n_directions > 0:
        for d in fibonacci_directions(n_directions):
            tasks.append((len(tasks), "fibonacci", d, nearest_start(d)))
    return tasks


def sample_for(
    ds_net,
    n_directions: int = 50,
    face_grid: int = 3,
    *,
    vm_limits: tuple[float, float] | None = None,
    n_workers: int | None = None,
    address: str | None = None,
    chunk_size: int = 8,
    progress: bool = True,
    name: str | None = None,
    security=None,
    task_timeout_s: float = TASK_TIMEOUT_S,
    client=None,
    model: DSOModel | None = None,
) -> xr.Dataset:
    """Sample the FOR of one DS. Returns an xarray Dataset with one entry per OPF (dimension ``sample``).

    Implements eqs. (p1-box), (p1-projection), (p1-fibonacci) and (p1-support), chapter 03.

    n_directions: N Fibonacci directions (stage 2); face_grid: n of the n x n target grid per box face (stage 1);
    vm_limits: DS bus voltage limits (p.u.) instead of the net's; n_workers: Dask worker processes of a local
    cluster (None, the default: one per core; 0: in-process, no Dask) or address: an existing Dask scheduler
    (``security``: its TLS certificates, see `forlab.book.parallel.security_of`); task_timeout_s: a Dask run fails,
    naming the worker, when no chunk finished for this long (`TASK_TIMEOUT_S`, see there); client: a Dask client
    kept open by the caller (`run_tasks`), used instead of ``address`` / ``n_workers``; model: this DS's
    `forlab.p1_for.dso_opf.DSOModel` (built on ``ds_net`` with ``vm_limits``) when the caller has one, used for the
    in-process solves instead of building another (its bounding box is solved once per model). Failed OPFs stay in
    the dataset with their status.
    Variables: p_mw, q_mvar, vm_pu (PCC import and voltage), normal (outward normal, normalised coordinates), stage,
    success, status, objective, iterations, solve_time_s, fpu_p_mw/fpu_q_mvar (dispatch). Attributes: box corners,
    wall times.
    """
    if not isinstance(n_directions, (int, np.integer)) or n_directions < 0:
        raise ValueError(f"n_directions must be a non-negative integer, got {n_directions!r}")
    if not isinstance(face_grid, (int, np.integer)) or face_grid < 0:
        raise ValueError(f"face_grid must be a non-negative integer, got {face_grid!r}")
    _check_run_options(chunk_size, task_timeout_s)
    t_start = time.perf_counter()
    local = model or DSOModel(ds_net, vm_limits=vm_limits)
    box, box_samples = local.bounding_box()
    t_box = time.perf_counter() - t_start
    starts = np.array([s.x for s in box_samples])
    tasks = plan(n_directions, face_grid)
    t_par = time.perf_counter()
    results, workers = run_tasks(
        ds_net, box, starts, tasks, vm_limits=vm_limits, n_workers=n_workers, address=address,
        chunk_size=chunk_size, progress=progress, desc=f"FOR samples {name or ds_net.name or ''}".strip(), local=local,
        security=security, task_timeout_s=task_timeout_s, client=client,
    )
    t_parallel = time.perf_counter() - t_par
    all_samples = ([({**s.record(), "mismatch": 0.0}, s.fpu_p_mw, s.fpu_q_mvar) for s in box_samples]
                   + [r[1:4] for r in results])
    ds = _to_dataset(all_samples, box, local)
    ds.attrs.update({
        "ds_name": str(name or ds_net.name or ""), "n_directions": int(n_directions), "face_grid": int(face_grid),
        "n_workers": int(workers), "chunk_size": int(chunk_size), "box_time_s": t_box,
        "parallel_time_s": t_parallel, "wall_time_s": time.perf_counter() - t_start,
        "model_build_time_s": local.opf.build_time_s, "n_buses": int(local.model.nb),
        "n_fpus": len(local.fpu_index),
    })
    return ds


def _to_dataset(rows, box: Box, model: DSOModel) -> xr.Dataset:
    recs = [r[0] for r in rows]
    n = len(recs)

    def col(key, dtype=float):
        return np.array([r[key] for r in recs], dtype=dtype)

    fpu_p = np.array([r[1] for r in rows], dtype=float).reshape(n, -1)
    fpu_q = np.array([r[2] for r in rows], dtype=float).reshape(n, -1)
    fpus = model.model.units.iloc[model.fpu_index]
    ds = xr.Dataset(
        {
            "p_mw": ("sample", col("p_mw")), "q_mvar": ("sample", col("q_mvar")), "vm_pu": ("sample", col("vm_pu")),
            "normal": (("sample", "axis"), np.column_stack([col("normal_p"), col("normal_q"), col("normal_v")])),
            "target": (("sample", "axis"), np.column_stack([col("target_p"), col("target_q"), col("target_v")])),
            "stage": ("sample", col("stage", str)), "status": ("sample", col("status", str)),
            "success": ("sample", col("success", bool)), "objective": ("sample", col("objective")),
            "fpu_cost": ("sample", col("fpu_cost")), "iterations": ("sample", col("iterations", int)),
            "solve_time_s": ("sample", col("solve_time_s")), "mismatch": ("sample", col("mismatch")),
            "fpu_p_mw": (("sample", "fpu"), fpu_p), "fpu_q_mvar": (("sample", "fpu"), fpu_q),
            "box_lo": ("axis", np.asarray(box.lo, float)), "box_hi": ("axis", np.asarray(box.hi, float)),
        },
        coords={"sample": np.arange(n), "axis": ["p_mw", "q_mvar", "vm_pu"],
                "fpu": fpus["element"].to_numpy(int)},
    )
    return ds


def box_of(ds: xr.Dataset) -> Box:
    """The bounding box recorded in a samples dataset."""
    return Box(ds.box_lo.values, ds.box_hi.values)


def boundary_points(ds: xr.Dataset, normalised: bool = True) -> np.ndarray:
    """The successful samples as an (n x 3) array, in box-normalised coordinates by default."""
    ok = ds.success.values
    pts = np.column_stack([ds.p_mw.values, ds.q_mvar.values, ds.vm_pu.values])[ok]
    return box_of(ds).normalise(pts) if normalised else pts


def coverage(ds: xr.Dataset, reference: xr.Dataset) -> dict:
    """How well the samples cover a denser reference boundary (both in the samples' box coordinates).

    Returns mean and max distance from every reference point to its nearest sample, and the ratio of the convex
    hull volumes (samples / reference).
    """
    from scipy.spatial import ConvexHull, cKDTree

    box = box_of(ds)
    pts = boundary_points(ds, normalised=False)
    ref = boundary_points(reference, normalised=False)
    a, b = box.normalise(pts), box.normalise(ref)
    dist, _ = cKDTree(a).query(b)
    try:
        vol = ConvexHull(a).volume / ConvexHull(b).volume
    except Exception:  # noqa: BLE001 - a flat point set has no volume
        vol = float("nan")
    return {"mean_distance": float(dist.mean()), "max_distance": float(dist.max()), "hull_volume_ratio": float(vol)}


__all__ = ["Sample", "boundary_points", "box_of", "coverage", "plan", "sample_for"]
