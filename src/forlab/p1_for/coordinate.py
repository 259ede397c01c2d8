"""P1, single-round TSO-DSO coordination with FOR offers, and its benchmark against the integrated AC-OPF
(chapter 05's section "The TSO, the DSOs and the judge").

The TSO's FOR-based AC-OPF (step 2) is `forlab.p1_for.tso`; this module holds steps 3 and 4 and one whole case.

1. Offline, every DSO samples its FOR and fits its offer (`forlab.p1_for.sampling`, `forlab.p1_for.representation`).
2. The TSO solves its AC-OPF with each DS replaced by its offer, eq. (p1-tso): the PCC import (P_j, Q_j) is a
   decision variable drawn at the PCC bus, V_j is that bus's voltage magnitude, f_j(x~_j) <= 0 and C_j(x~_j) joins
   the objective.
3. Every DSO solves its local cost OPF with its PCC point fixed at the TSO's choice, eq. (p1-dso) (nearest feasible
   point when the choice is not feasible for the real grid: reported as PCC mismatch) and dispatches its FPUs; in
   this process one after the other, or at the same time, each DSO held on a Dask worker (`coordinate`'s client).
4. `forlab.opf.judge.judge` runs the power flow of the whole T+D system at the TS dispatch and the DSOs' FPU
   dispatch: violations and the true total cost, whose deviation from the integrated AC-OPF optimum is
   eq. (p1-deviation).
"""

from __future__ import annotations

import copy
import time
from functools import partial
from operator import itemgetter

import numpy as np
import pandas as pd

from forlab.book.parallel import wire_bytes, workers_of
from forlab.grid import td
from forlab.opf.judge import dispatch_from_result, judge, violation_counts
from forlab.opf.outcome import (
    Baseline,
    integrated_baseline,
    judged_outcome,
    parallel,
    sequential,
    solve_ending,
    timed,
)
from forlab.p1_for.dso_opf import CostLibrary, DSOModel
from forlab.p1_for.offer import Offer
from forlab.p1_for.tso import TSOForOPF


def scale_loads(net, level: float):
    """A copy of ``net`` with every load (P and Q) multiplied by ``level``."""
    if not np.isfinite(level) or level <= 0:
        raise ValueError(f"load level must be a positive number, got {level!r}")
    n = copy.deepcopy(net)
    n.load[["p_mw", "q_mvar"]] = n.load[["p_mw", "q_mvar"]] * float(level)
    return n


def single_pcc(system) -> None:
    """P1 attaches each DS at one PCC: raise a clear error for systems with a DS tied to two TS buses."""
    counts = system.pcc.groupby("ds").size()
    multi = counts[counts > 1]
    if len(multi):
        raise ValueError(
            f"system {system.name!r} ties DS {list(multi.index)} to several TS buses; the FOR method (P1) offers one "
            f"PQV region per PCC and is run here on single-PCC systems only (see the ML surrogate chapter for "
            f"multiple PCCs)"
        )


START_TRIALS = 4
"""Held-out library points at which a DSO times its two starts offline (`DSOAgent`, ``start="auto"``)."""


class DSOAgent:
    """What a DSO keeps from its offline work for the online step: its DS model, built once, a library of its own
    cost-OPF solutions (primal and dual) at feasible PCC points of its FOR, and the start its online cost OPF
    takes.

    Online, `dispatch` solves the cost OPF at the TSO's PCC point from its start: the nearest library solution (a
    primal-dual warm start, `forlab.opf.acopf.WARM_START_IPOPT`) or a cold start (the DS's power flow); a failed
    warm start falls back to a cold solve, and a request that is not feasible to the nearest feasible PCC point.
    Nothing in the library leaves the DSO.

    ds_net: the DS (at the load level of the offer); box: the offer's bounding box. The library is either
    ``library``, a `forlab.p1_for.dso_opf.CostLibrary` (the price fit's own cost OPFs, `make_offer`'s
    ``return_library``: taken as it is, nothing solved again, on its model) or solved here at ``library_points``
    (normalised PCC points, e.g. the cost-fit points of the offer; the successful ones form the library). model: a
    DS model already built (else the library's, else built here).

    start: "warm" (the library), "cold", or "auto": chosen by evidence, offline (`choose_start`): at ``trials``
    held-out library points, each start is timed (fastest of ``repeats``) and the faster in total is kept. A
    library start is not always the faster one: a warm start keeps Ipopt near a solution whose active set may
    differ from the one at the new point, and it can then need more iterations than a cold start. Without a library
    the start is cold. ``start_evidence`` records the choice and its numbers (`choose_start`).
    """

    def __init__(self, ds_net, box, library_points=(), *, vm_limits=None, model: DSOModel | None = None,
                 library: CostLibrary | None = None, start: str = "warm", trials: int = START_TRIALS,
                 repeats: int = 2):
        if start not in ("warm", "cold", "auto"):
            raise ValueError(f"start must be 'warm', 'cold' or 'auto' (chosen by timing both), got {start!r}")
        t0 = time.perf_counter()
        self.model = model or (library.model if library is not None else DSOModel(ds_net, vm_limits=vm_limits))
        self.build_time_s = time.perf_counter() - t0
        self.box = box
        t0 = time.perf_counter()
        self.library_points, self.library = (self._kept(library) if library is not None
                                             else self._solved(library_points))
        self.library_time_s = time.perf_counter() - t0
        # the library's solutions and the box hold at these loads only (a model re-used across load levels moves on)
        self.loads_key = self.model.loads_key
        t0 = time.perf_counter()
        self.start_evidence = self.choose_start(start, trials, repeats)
        self.start = self.start_evidence["start_choice"]
        self.start_time_s = time.perf_counter() - t0

    def _kept(self, library: CostLibrary) -> tuple[np.ndarray, list]:
        """The library as the price fit left it; ValueError when it belongs to another model or box."""
        if library.model is not self.model:
            raise ValueError("the cost library was solved on another DS model: its warm starts fit that model's "
                             "variables only; pass model=library.model (or no model)")
        if not (np.allclose(library.box.lo, self.box.lo) and np.allclose(library.box.hi, self.box.hi)):
            raise ValueError("the cost library's box differs from the offer's: it comes from another offer")
        return library.points, list(library.starts)

    def _solved(self, library_points) -> tuple[np.ndarray, list]:
        """The cost OPF at each normalised point; the successful ones (at the points they deliver)."""
        pts, results = [], []
        for t in np.asarray(library_points, float).reshape(-1, 3):
            s, res = self.model.cost_solve(self.box.denormalise(t), self.box)
            if s.success:
                pts.append(self.box.normalise(s.point))
                results.append(res)
        return np.array(pts).reshape(-1, 3), results

    def choose_start(self, start: str = "auto", trials: int = START_TRIALS, repeats: int = 2) -> dict:
        """The online start and why: ``start_choice`` ("warm" or "cold"), ``start_rule`` ("measured", "fixed" by
        the caller, or "no library") and, when measured, at ``start_trials`` library points (spread over the
        library) the Ipopt seconds and iterations of each start summed over them: ``start_trial_warm_s``,
        ``start_trial_cold_s``, ``start_trial_warm_iterations``, ``start_trial_cold_iterations``.

        A trial point is held out of its own warm start (it starts from the nearest other library point, as an
        online request would), each start's time is the fastest of ``repeats`` solves (noise only adds time), and a
        failed warm start counts with the cold solve it falls back to, as `dispatch` does. The faster total wins.
        """
        nan = float("nan")
        out = {"start_choice": start, "start_rule": "fixed", "start_trials": 0, "start_trial_warm_s": nan,
               "start_trial_cold_s": nan, "start_trial_warm_iterations": nan, "start_trial_cold_iterations": nan}
        if len(self.library) == 0:
            return {**out, "start_choice": "cold", "start_rule": "no library"}
        if start != "auto":
            return out
        if len(self.library) < 2:  # no held-out point with another library point to start from
            return {**out, "start_choice": "cold", "start_rule": "no library"}
        picks = np.unique(np.linspace(0, len(self.library) - 1, min(int(trials), len(self.library))).round())
        warm_s = cold_s = warm_it = cold_it = 0.0
        for i in picks.astype(int):
            x = self.box.denormalise(self.library_points[i])
            w = timed(partial(self._dispatch, x, True, i), repeats, itemgetter("solve_time_s"), dispatch_ending)
            c = timed(partial(self._dispatch, x, False), repeats, itemgetter("solve_time_s"), dispatch_ending)
            warm_s, warm_it = warm_s + w.solve_time_s, warm_it + w.result["iterations"]
            cold_s, cold_it = cold_s + c.solve_time_s, cold_it + c.result["iterations"]
        return {"start_choice": "warm" if warm_s < cold_s else "cold", "start_rule": "measured",
                "start_trials": len(picks), "start_trial_warm_s": warm_s, "start_trial_cold_s": cold_s,
                "start_trial_warm_iterations": warm_it, "start_trial_cold_iterations": cold_it}

    def step(self, x_pcc, repeats: int) -> dict:
        """The DSO's online step, eq. (p1-dso), timed by the rule (`forlab.opf.outcome.timed`, fastest of
        ``repeats``): ``warm``, the dispatch from the agent's start (its first result is the one sent on), and
        ``cold``, the same request from a cold start for comparison; ``true_slope``, the DSO's marginal price at the
        point (per MW, per Mvar, per p.u.; NaN when it had to deliver another point), and the agent's offline facts.
        Everything in it pickles: it is what a DSO held on a Dask worker answers (`coordinate`)."""
        x = np.asarray(x_pcc, float)
        warm = timed(partial(self.dispatch, x), repeats, itemgetter("solve_time_s"), dispatch_ending)
        cold = timed(partial(self.dispatch, x, warm=False), repeats, itemgetter("solve_time_s"), dispatch_ending)
        s = warm.result["sample"]
        true = (s.gradient / self.box.half if s.gradient is not None and warm.result["start"] != "nearest"
                else np.full(3, np.nan))
        return {"warm": warm, "cold": cold, "true_slope": true, "library_size": len(self.library),
                "build_s": self.build_time_s, "library_s": self.library_time_s, "start_s": self.start_time_s,
                "start_evidence": dict(self.start_evidence)}

    def dispatch(self, x_pcc, warm: bool | None = None) -> dict:
        """The cheapest FPU dispatch at the PCC point x = (MW, Mvar, p.u.), from the agent's start (``warm=None``),
        from the library (True) or cold (False).

        Implements eq. (p1-dso), chapter 05.

        Returns a dict: sample (stage "cost"), the PCC mismatch of `pcc_mismatch` (``mismatch`` box-normalised, 0
        when the request is feasible, and its components), solve_time_s (Ipopt time of every solve this took), iterations,
        start ("warm" from the library, "cold", or "nearest" when the request was infeasible) and start_distance
        (normalised distance to the library point used).
        """
        if self.model.loads_key != self.loads_key:
            raise RuntimeError("this DSO agent's DS model was set to other loads since the agent was made "
                               "(DSOModel.set_loads, e.g. by the offer of the next load level): its box and library "
                               "no longer hold; make the agent on a model at its own loads")
        return self._dispatch(np.asarray(x_pcc, float), self.start == "warm" if warm is None else bool(warm))

    def _dispatch(self, x: np.ndarray, warm: bool, held_out: int | None = None) -> dict:
        """`dispatch` with the library start or not; ``held_out``: a library point not to start from."""
        solved, start, dist = [], "cold", float("nan")
        usable = len(self.library) - (held_out is not None)
        if warm and usable > 0:
            d = np.linalg.norm(self.library_points - self.box.normalise(x), axis=1)
            if held_out is not None:
                d[held_out] = np.inf
            k = int(np.argmin(d))
            dist = float(d[k])
            s, _ = self.model.cost_solve(x, self.box, start=self.library[k])
            solved.append(s)
            start = "warm"
        if not solved or not solved[-1].success:
            # cold, and when the request is not feasible for the real grid, the nearest feasible PCC point
            s, _, more = self.model.cost_with_fallback(x, self.box)
            solved += more
            start = "cold" if len(more) == 1 else "nearest"
        return {"sample": s, **pcc_mismatch(self.box, x, s), "solve_time_s": sum(r.solve_time_s for r in solved),
                "iterations": sum(r.iterations for r in solved), "start": start, "start_distance": dist}


def dispatch_ending(d: dict) -> tuple:
    """How a DSO's dispatch (`DSOAgent.dispatch`) ended, for `forlab.opf.outcome.timed`: its sample's success and
    status, and the start it took (a request that fell back to the nearest feasible point is another solve)."""
    return (*solve_ending(d["sample"]), d["start"])


def pcc_mismatch(box, requested, sample) -> dict:
    """The PCC mismatch between the point the TSO requested and the one the DSO delivers (the nearest feasible point
    when the request is not feasible for the real grid): ``mismatch``, the distance in box-normalised units (the
    metric of the FOR sampling, `forlab.p1_for.dso_opf.DSOModel.cost_with_fallback`), and its components delivered -
    requested, ``mismatch_mw`` (MW), ``mismatch_mvar`` (Mvar) and ``mismatch_pu`` (p.u. voltage); NaN when the DSO
    delivered nothing."""
    x = np.asarray(requested, float)
    if not sample.success:
        return {"mismatch": np.nan, "mismatch_mw": np.nan, "mismatch_mvar": np.nan, "mismatch_pu": np.nan}
    d = sample.point - x
    norm = float(np.linalg.norm(box.normalise(sample.point) - box.normalise(x)))
    return {"mismatch": norm, "mismatch_mw": float(d[0]), "mismatch_mvar": float(d[1]), "mismatch_pu": float(d[2])}


def fpu_dispatch_table(system, ds_name: str, sample, integrated) -> pd.DataFrame:
    """The DS FPU set-points of a DSO sample as rows of the integrated net's sgen table."""
    sg = integrated.sgen
    rows = []
    dsn = system.ds[ds_name]
    for k, (p, q) in zip(td.fpu_index(dsn), zip(sample.fpu_p_mw, sample.fpu_q_mvar)):
        idx = sg.index[(sg.zone == ds_name) & (sg.orig_index == k)]
        if len(idx) != 1:
            raise RuntimeError(f"FPU {k} of DS {ds_name!r} not found once in the integrated net")
        rows.append({"et": "sgen", "element": int(idx[0]), "p_mw": float(p), "q_mvar": float(q)})
    return pd.DataFrame(rows)


DSO_TIMEOUT_S = 600.0
"""Seconds a DSO held on a Dask worker may take to be placed or to answer one request; then the case ends with an
error naming the DSO and its worker (the worker died, hangs or is overloaded)."""


def coordinate(system, offers: dict[str, Offer], level: float = 1.0, *, vm_limits=None,
               baseline: Baseline | None = None, agents: dict[str, DSOAgent] | None = None, repeats: int = 3,
               offline_time_s: float = float("nan"), client=None) -> dict:
    """One case study: integrated AC-OPF vs single-round FOR coordination at a load level.

    Implements the single-round coordination of chapter 05: the TSO's FOR-based AC-OPF, eq. (p1-tso) (`_tso_step`),
    every DSO's cost OPF with its PCC point fixed, eq. (p1-dso) (`DSOAgent.step`), the T+D power flow of the resulting
    dispatch and its cost deviation against the integrated optimum, eq. (p1-deviation), as the one outcome record
    (`forlab.opf.outcome.judged_outcome`).

    offers: DS name -> its offer (built on the DS at this load level); agents: DS name -> the DSO's `DSOAgent` from
    its offline work (without one, the DSO solves cold), or every DSO's `forlab.p1_for.dso_service.DSOService`
    placed on a Dask worker since its offline work, asked there in place (``dso_setup_s`` 0); baseline: the integrated AC-OPF if already solved and timed
    (`forlab.opf.outcome.integrated_baseline`); offline_time_s: the DSOs' offline time, recorded as it is. Every solve
    is timed ``repeats`` times from the same start and the fastest counts (solver and wall time). A failed
    integrated, TSO or DSO solve ends the case there: the record is failed (``status`` names the solve and its
    solver's words), its deviation NaN, never a number.

    client: a Dask client: every DSO is then held on a worker for the case (`_on_workers`: a Dask actor, placed
    round-robin; its agent is shipped once and its DS model built there once). Their solves are those of the
    in-process run, so the judged dispatch and the ``dso`` rows are the same (the rows' times measured on the
    workers, each DSO alone); the Dask run adds a measurement on the real machine: ``dso_parallel_wall_s``, the wall
    time from sending the N requests at once (each DSO's dispatch from its start) to having every answer back,
    fastest of ``repeats`` rounds, with the messages, the DSOs that share a worker taking turns and the machine's load
    in it; ``dso_workers``, the workers holding the DSOs; ``dso_setup_s``, the time to place them. Without a client
    the DSOs run here one after the other and nothing runs in parallel: these are NaN (``dso_workers`` 0). Either way
    the online time is the rule's, TSO plus slowest DSO (the ideal parallel time; ``dso_wall_time_max_s`` its wall
    time).

    Returns a flat dict: the `forlab.opf.outcome.Outcome` fields (online time = TSO + slowest DSO, bytes = every
    offer's content and the TSO's PCC point to each DSO, pickled as Dask sends them, one round: `offer_bytes`), the
    integrated, TSO and DSO times and iterations (DSOs also from a cold start), the time reductions (%), the
    largest PCC mismatch (`pcc_mismatch`), the violations and the measurement above; under ``points`` the TSO's
    PCC points and under ``dso`` one row per DSO (``solve_time_s``, ``cold_solve_time_s``, ...).
    """
    single_pcc(system)
    integrated = scale_loads(system.integrated(), level)
    base = baseline or integrated_baseline(integrated, repeats)
    tso = _tso_step(system, offers, level, repeats) if base.success else None
    dso_rows, verdict, measured = [], None, dict(NOT_MEASURED)
    if tso is not None and tso["result"].success:
        pts = list(tso["points"].itertuples())
        replies, measured = _dso_replies(system, offers, level, agents, vm_limits, pts, client, repeats)
        dispatch = [dispatch_from_result(tso["result"])]
        for pt, reply in zip(pts, replies):
            row, sample = _dso_row(pt, offers[pt.ds], reply)
            dso_rows.append(row)
            if not row["success"]:
                break  # a DSO that cannot dispatch ends the case: no judged dispatch, a failed outcome
            dispatch.append(fpu_dispatch_table(system, pt.ds, sample, integrated))
        else:
            verdict = judge(integrated, pd.concat(dispatch, ignore_index=True))
    out = {"system": system.name, "level": float(level)}
    out.update(_record(base, tso, pd.DataFrame(dso_rows), verdict, offers, repeats, offline_time_s))
    out.update(measured)
    return out


NOT_MEASURED = {"dso_parallel_wall_s": float("nan"), "dso_workers": 0, "dso_setup_s": float("nan")}
"""The Dask measurement of `coordinate` when the DSOs ran in-process (or not at all)."""


def _dso_replies(system, offers, level, agents, vm_limits, pts: list, client, repeats: int) -> tuple:
    """The DSOs' timed steps (`DSOAgent.step`) at the TSO's points ``pts``, in order, and the Dask measurement (see
    `coordinate`). In-process the replies come lazily, one after the other: a DSO after a failed one is not asked;
    on Dask every DSO is asked (`coordinate` drops the rows after a failed one, as in-process)."""
    names = [pt.ds for pt in pts]
    xs = [[pt.p_mw, pt.q_mvar, pt.vm_pu] for pt in pts]
    services = _services(agents, names)
    if services is not None:  # on their workers since their offline work: asked in place, nothing to place
        replies, measured = _ask(services, names, xs, repeats)
        return replies, {**measured, "dso_setup_s": 0.0}
    makers = [_maker(system, offers, level, agents, vm_limits, k) for k in names]
    if client is None:
        return (f(*a, **kw).step(x, repeats) for (f, a, kw), x in zip(makers, xs)), dict(NOT_MEASURED)
    return _on_workers(client, names, makers, xs, repeats)


def held(agent: DSOAgent) -> DSOAgent:
    """The agent as it arrives: on a Dask worker, unpickled there once (its DS model built there,
    `forlab.p1_for.dso_opf.DSOModel.__reduce__`) and kept as the worker's actor. A warm-starting agent's model also
    builds its warm-start solver now, as the start's trials did offline, so that no online request pays for it."""
    if agent.start == "warm" and len(agent.library):
        agent.model.opf.warm_solver()
    return agent


def _maker(system, offers: dict[str, Offer], level: float, agents: dict | None, vm_limits, ds: str) -> tuple:
    """How DSO ``ds``'s agent is made, as (factory, args, kwargs): its offline agent as it is, or, without one, a
    cold-start agent built on the DS at the load level (here, or on the worker that holds it)."""
    agent = (agents or {}).get(ds)
    if agent is not None:
        if _is_actor(agent):
            raise TypeError(f"agents[{ds!r}] is a Dask actor but not every DSO of the case is: pass the DSOs' "
                            f"services all placed (forlab.p1_for.dso_service.placed) or none")
        return held, (agent,), {}
    return DSOAgent, (scale_loads(system.ds[ds], level), offers[ds].box), {"vm_limits": vm_limits}


def _on_workers(client, names: list[str], makers: list[tuple], xs: list, repeats: int) -> tuple[list[dict], dict]:
    """The DSOs of one case as Dask actors, one per DSO, round-robin over the client's workers (one actor per DSO,
    where `forlab.p3_aladin.execution.DaskAgents` joins a worker's regions in one). Their timed steps (`DSOAgent.step`) run one DSO at a time, so that
    each DSO's time is its own, as the ideal rule (slowest DSO) assumes, not inflated by DSOs that share its cores;
    then ``repeats`` rounds of the N dispatches sent all at once measure the real parallel wall time. Returns the
    replies in order and the measurement (see `coordinate`); the actors are released at the end."""
    workers = workers_of(client, what="dispatch the DSOs (client=None dispatches them in-process)")
    where = [workers[k % len(workers)] for k in range(len(names))]
    t0 = time.perf_counter()
    futures = [client.submit(f, *a, **kw, actor=True, workers=[w], allow_other_workers=False, pure=False)
               for (f, a, kw), w in zip(makers, where)]
    try:
        actors = answers(futures, names, where, "placing its agent")
        setup = time.perf_counter() - t0
        replies, measured = _ask(actors, names, xs, repeats)
    finally:
        for f in futures:
            f.release()
    return replies, {**measured, "dso_setup_s": setup}


def _ask(actors: list, names: list[str], xs: list, repeats: int) -> tuple[list[dict], dict]:
    """The timed steps of DSOs held as Dask actors, one DSO at a time, then ``repeats`` rounds of the N dispatches
    sent at once (see `_on_workers`): the replies in order and ``dso_parallel_wall_s``, ``dso_workers``."""
    where = [getattr(a, "_address", "?") for a in actors]
    replies = [answers([a.step(x, repeats)], [name], [w], "its step")[0]
               for a, x, name, w in zip(actors, xs, names, where)]
    wall = min(_parallel_round(actors, xs, names, where) for _ in range(max(int(repeats), 1)))
    return replies, {"dso_parallel_wall_s": wall, "dso_workers": len(set(where))}


def _is_actor(agent) -> bool:
    from distributed.actor import Actor  # only a run with Dask has actors; imported when asked

    return isinstance(agent, Actor)


def _services(agents: dict | None, names: list[str]) -> list | None:
    """The DSOs' services as placed on the workers (`forlab.p1_for.dso_service.placed`), in order, when every DSO of
    the case is one; otherwise None (agents made here or shipped by `_on_workers`)."""
    found = [(agents or {}).get(k) for k in names]
    return found if found and all(a is not None and _is_actor(a) for a in found) else None


def _parallel_round(actors: list, xs: list, names: list[str], where: list[str]) -> float:
    """Seconds from sending every DSO its dispatch request to having every answer back."""
    t0 = time.perf_counter()
    answers([a.dispatch(x) for a, x in zip(actors, xs)], names, where, "its dispatch")
    return time.perf_counter() - t0


def answers(futures: list, names: list[str], where: list[str], what: str) -> list:
    """The results of the DSOs' futures in order; RuntimeError naming the DSO and its worker when one raised, or when
    no DSO answered for `DSO_TIMEOUT_S` while one was awaited. The limit is on progress, not on each DSO: with many
    DSOs on few workers a DSO's work waits behind the others' on its worker (measured, chapter 12's paper profile:
    with 112 DSOs on 2 workers on a loaded machine one waited longer than the limit while the others kept answering).
    Each wait returns as soon as its future is done, so the measured round times hold no polling."""
    out = []
    for f, name, w in zip(futures, names, where):
        while True:
            finished = sum(g.done() for g in futures)
            try:
                out.append(f.result(timeout=DSO_TIMEOUT_S))
                break
            except TimeoutError:
                if sum(g.done() for g in futures) == finished:  # nobody answered for the whole limit: stalled
                    raise RuntimeError(f"DSO {name!r} on Dask worker {w}: no answer to {what} within "
                                       f"{DSO_TIMEOUT_S:g} s, nor from any other DSO (worker dead, hung or "
                                       f"overloaded)") from None
            except Exception as err:
                raise RuntimeError(f"DSO {name!r} on Dask worker {w}: {what} failed with {type(err).__name__}: "
                                   f"{err}") from err
    return out


def _tso_step(system, offers: dict[str, Offer], level: float, repeats: int) -> dict:
    """The TSO's FOR-based AC-OPF, eq. (p1-tso), on the TS at the load level: result, PCC points, fastest solver and
    wall time, and build time."""
    ts = scale_loads(system.ts, level)
    pcc = system.pcc.set_index("ds")
    t0 = time.perf_counter()
    tso = TSOForOPF(ts, {k: (offers[k], int(pcc.ts_bus[k])) for k in system.ds}, pcc_x_pu=td.pcc_reactance_pu(system))
    build = time.perf_counter() - t0
    t = timed(tso.solve, repeats, lambda r: r[0].solve_time_s, lambda r: solve_ending(r[0]))
    res, points = t.result
    return {"result": res, "points": points, "time_s": t.solve_time_s, "wall_time_s": t.wall_time_s,
            "build_s": build}


def _dso_row(pt, offer: Offer, reply: dict) -> tuple[dict, object]:
    """One DSO's row of the ``dso`` table from its timed step (`DSOAgent.step`, eq. (p1-dso)) at the TSO's point
    ``pt``, and the sample whose FPU dispatch it returns.

    Timed from the agent's start (``start``: "warm" from its library, "cold", or "nearest") and cold, for
    comparison; the row also carries the offline choice of that start and its evidence (`DSOAgent.choose_start`,
    ``start_s``: the seconds the choice took), and the marginal prices at the chosen point (per MW, per Mvar, per
    p.u.): the offer's and the DSO's true one (the cost OPF's multipliers; none when the DSO had to deliver another
    point).
    """
    warm, cold = reply["warm"], reply["cold"]
    out, cold_out = warm.result, cold.result
    s = out["sample"]
    offered = offer.gradients(pt.p_mw, pt.q_mvar, pt.vm_pu)[1][0]
    row = {"ds": pt.ds, "success": s.success, "status": s.status, "solve_time_s": warm.solve_time_s,
           "wall_time_s": warm.wall_time_s, "iterations": out["iterations"], "start": out["start"],
           "start_distance": out["start_distance"], "library_size": reply["library_size"],
           "cold_solve_time_s": cold.solve_time_s, "cold_iterations": cold_out["iterations"],
           "cold_fpu_cost": cold_out["sample"].fpu_cost,
           "build_s": reply["build_s"], "library_s": reply["library_s"], "start_s": reply["start_s"],
           **reply["start_evidence"],
           **{k: out[k] for k in ("mismatch", "mismatch_mw", "mismatch_mvar", "mismatch_pu")}, "fpu_cost": s.fpu_cost,
           **{f"offer_slope_{a}": float(v) for a, v in zip("pqv", offered)},
           **{f"true_slope_{a}": float(v) for a, v in zip("pqv", reply["true_slope"])}}
    return row, s


PCC_POINT = np.zeros(3)
"""The TSO's answer to each DSO, the PCC point it chose (P in MW, Q in Mvar, |V| in p.u.): the shape `offer_bytes`
counts."""


def offer_bytes(offers: dict[str, Offer]) -> int:
    """What P1 exchanges, in bytes by the one rule of every method (`forlab.book.parallel.wire_bytes`): every offer's
    content (`Offer.to_dict`, DSO -> TSO) and the TSO's PCC point back to each DSO (`PCC_POINT`)."""
    return sum(wire_bytes(o.to_dict(), PCC_POINT) for o in offers.values())


def _largest(col: pd.Series, key=np.abs) -> float:
    """The entry of ``col`` largest in ``key`` (signed; NaN for none)."""
    v = pd.to_numeric(col, errors="coerce").dropna()
    return float(v.loc[key(v).idxmax()]) if len(v) else float("nan")


def _record(base: Baseline, tso: dict | None, dso: pd.DataFrame, verdict: dict | None, offers: dict,
            repeats: int, offline_time_s: float) -> dict:
    """The case's flat record (see `coordinate`): the outcome by the rule (online = TSO, then the DSOs in parallel,
    so the slowest DSO counts), the integrated, TSO and DSO times and the reductions against the integrated time
    (DSOs also summed, and cold; NaN for a failed case; the TSO's times and objective NaN when its solve failed,
    ``tso_status`` says why), the judged violations (-1: no dispatch judged) and the PCC mismatch."""
    ran = len(dso) > 0
    res = tso["result"] if tso is not None else None
    parts = {} if res is None else {"tso": (res.success, res.status)}
    parts.update({f"dso {r.ds}": (bool(r.success), str(r.status)) for r in dso.itertuples()})
    # a failed TSO solve has no time (its status says what happened): `judged_outcome` does the same for the case
    solved = res is not None and bool(res.success)
    t_tso = tso["time_s"] if solved else np.nan
    solve = sequential([t_tso, parallel(dso.solve_time_s)]) if ran else t_tso
    wall = sequential([tso["wall_time_s"], parallel(dso.wall_time_s)]) if ran else np.nan
    oc = judged_outcome(verdict, base, parts, solve_time_s=solve, wall_time_s=wall, offline_time_s=offline_time_s,
                        bytes_exchanged=offer_bytes(offers), rounds=1)
    nan = np.nan
    # a failed solve anywhere (the integrated one included) leaves the case without a time reduction
    t_int = base.solve_time_s if oc.ok else nan
    return {
        **oc.as_dict(),
        "integrated_success": base.success, "integrated_status": base.status,
        "integrated_iterations": base.result.iterations, "integrated_build_s": base.build_time_s,
        "tso_success": bool(res.success) if res is not None else False,
        "tso_status": str(res.status) if res is not None else "not run",
        "tso_time_s": t_tso, "tso_wall_time_s": tso["wall_time_s"] if solved else nan,
        "tso_iterations": res.iterations if res is not None else -1,
        "tso_build_s": tso["build_s"] if tso is not None else nan,
        "tso_objective": res.objective if solved else nan,
        "dso_success": bool(ran and dso.success.all()),
        "dso_time_max_s": parallel(dso.solve_time_s) if ran else nan,
        "dso_wall_time_max_s": parallel(dso.wall_time_s) if ran else nan,
        "dso_time_sum_s": sequential(dso.solve_time_s) if ran else nan,
        "dso_cold_time_max_s": parallel(dso.cold_solve_time_s) if ran else nan,
        "time_reduction_parallel_pct": 100 * (1 - oc.solve_time_s / t_int),
        "time_reduction_sum_pct": 100 * (1 - (t_tso + dso.solve_time_s.sum()) / t_int) if ran else nan,
        "time_reduction_cold_pct": 100 * (1 - (t_tso + dso.cold_solve_time_s.max()) / t_int) if ran else nan,
        "timing_repeats": int(max(int(repeats), 1)),
        "pcc_mismatch": float(dso.mismatch.max()) if ran else nan,
        **{f"pcc_mismatch_{u}": _largest(dso[f"mismatch_{u}"]) if ran else nan for u in ("mw", "mvar", "pu")},
        "pf_converged": bool(verdict is not None and verdict["converged"]),
        **{k: (verdict or {}).get(k, nan) for k in ("max_vm_violation_pu", "max_loading_percent",
                                                   "max_gen_violation_mw")},
        **violation_counts(verdict),
        "points": tso["points"] if tso is not None else pd.DataFrame(), "dso": dso,
    }
