"""Options of the distributed algorithms: `ALADINOptions` (defaults of ALADIN-alpha's ``loadDefOpts.m`` unless stated
otherwise) and `ADMMOptions` (forlab's choices; chapter 07 states them).

``cost_scale``, ``init``, ``consensus_weight``, ``sigma`` and ``ipopt`` are handed to the problem (its start, row
weights and local solvers); the AC-OPF's meaning of them is in `forlab.p3_aladin.opf_regions`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

LOCAL_STARTS = ("iterate", "last")
"""Where a local solver starts its problem after the first round (`ALADINOptions.local_start`)."""


@dataclass
class ALADINOptions:
    """ALADIN options; defaults are ALADIN-alpha's (``loadDefOpts.m``) unless stated otherwise.

    Attributes:
        rho0: initial penalty of the proximal term of the local NLPs (scaled cost per p.u.^2). Default 1e2.
        rho_update: factor applied to rho after every round. Default 1.1. Measured (issue 17, in-process, at
            3d74000, before ``cycle_damping`` existed; the chapters' archived stores, written at later commits, print
            their own rounds): chapter 12's sixteen-DS run (archived parameters), whose DS regions' active sets cycle
            for about fifteen rounds before they settle, took 20 rounds with 1.3, 36 with 1.5 and 33 with the
            default; on the 28 systems of chapter 07's paper profile 1.3 took more rounds on 17 (case118 in 3 areas
            13 to 19, case300 in 6 areas 15 to 20), fewer on 2, and left 1654-5 unconverged after 30 (28),
            ``scripts/aladin_options.py``.
        rho_max: cap of rho. Default 1e8.
        cycle_damping: factor by which a region's own rho grows in every round its local solution cycles (its
            active-limit count and the sign of its largest consensus residual both alternating,
            `forlab.p3_aladin.algorithm.cycling`); 1 = off. Default 2 (forlab's choice). Measured (issue 17,
            in-process at 18b94f4, where it was made, factor 2, with the per-tie power stop of the time): chapter
            12's paper-profile systems (power-flow start, 50 rounds at most) with 1, 2, 4, 8 and 16 DSs took 19, 31,
            31, 24 and 20 rounds against 19, 36, 36, 29 and 32 without it (its store archived from that commit took
            the same; the one archived from a later commit prints its own rounds); on the 28 systems of chapter
            07's paper profile 26 took the same rounds, case30+case69+case33bw one more (11), 1654-5 one fewer
            (27), ``scripts/aladin_options.py``.
            Chapter 07's archived paper store before it (written from bb5e03c) against the one after (9180bf5):
            24 the same, case30+case69+case33bw 10 to 11, case118:8 12 to 13 (the damping never fired: round-off),
            case118:10 11 to 13 (it fired twice), 1654-5 28 to 27.
            The count test alone cost rounds on chapter 07's transmission systems (module docstring of
            `forlab.p3_aladin.algorithm.cycling`).
        mu0: initial penalty of the consensus slack in the coupled QP (scaled cost per p.u.^2). Default 1e2 (forlab's
            choice, from bb5e03c; ALADIN-alpha's is 1e3, which the measurements in these docstrings written before
            that commit used). Measured (issue 17, in-process, rounds to the stopping test, before ``cycle_damping``
            existed: chapter 07's systems at d0a4779, repeated by the script at 7da6ef2, chapter 12's at f779cb1, 2e2
            to 5e2 at bb5e03c; the chapters' archived stores, written at later commits, print their own rounds): with
            1e3, case118 in two areas diverges: its coupled QP left a slack of a fifth to a third of the consensus
            violation in its first three rounds (as on systems that converge), its multipliers, which move by mu times
            that slack, grew from 2e2 to 5e6 by round 5 while mu doubled, and from round 6 its local NLPs failed. Of
            the values tried, 1e2 is the one with which every system converged: chapter 07's 28 paper-profile systems
            (``scripts/aladin_options.py --options '{"mu0": 1000}'`` and so on repeats it against the default; against
            1e3, 16 take more rounds, 53-I 10 against 6 and 1654-5 28 against 23, 8 fewer, 418-8 10 against 14, and 3
            the same) and chapter 12's (case1354pegase and 1, 2, 4, 8 and 16 DSs, power-flow start, 50 rounds at most:
            19, 36, 36, 29 and 32 rounds, where that chapter's store of the time, written with 1e3, took 23, 35, 36,
            28 and did not converge). With 2e2 1654-5 did not converge within 30 rounds; 3e2 and 5e2 converged on all
            28 of chapter 07 (with more rounds on 16 and 11 of them), but with 3e2 the TS region's local NLP ran past
            its timeout with 16 DSs, and with 5e2 one DS did not converge within 50 rounds. Held at 1e3 (``mu_update``
            1), case118 in two areas converges in 15, but 13 of the other 27 no longer converge within 30.
        mu_update: factor applied to mu after every round. Default 2.
        mu_max: cap of mu. Default 2e6.
        max_iter: the round limit, the largest number of rounds (one local step of every region each). Default 30.
        eps: termination tolerance on the consensus violation max|sum A_i x_i| and on max||x_i - z_i||_inf
            (rad / p.u.). Default 1e-6 (ALADIN-alpha stops on 1e-10 consensus; the book's target is 1e-6).
        eps_power: termination tolerance on the power mismatch the consensus residual hides
            (`Partition.power_mismatch`, p.u.; `ConsensusProblem.hidden_mismatch` of a generic problem), eq.
            (p3-stop); ``None`` to stop on ``eps`` alone. Default 1e-5 (forlab choice: a DS feeder scaled to a TS bus
            has series admittances of hundreds of p.u., so 1e-6 rad of angle mismatch would leave 1e-4 p.u. of power
            and a visible cost gap). The measure is per tie (the largest over the consensus rows), not the sum over
            them, although the T+D power flow puts what all ties hide on the units that balance it and the judge holds
            each unit to its limits within `forlab.opf.judge.GEN_TOL` (1 kW, 1e-5 p.u. on a 100 MVA base). Measured
            (issue 17, in-process): chapter 12's paper-profile system with two DSs (power-flow start,
            ``cycle_damping`` 2) stopped on the largest tie after 31 rounds with a unit 1.5e-5 p.u. past its limit
            (judged infeasible, as in its archived store; an earlier store's sixteen-DS run stopped 2 kW past), and on
            the sum after 32 rounds with 2.7e-7 p.u. (feasible). But on the 28 systems of chapter 07's paper profile
            the sum stopped one round later on 8 of them (case9+case33bw, 1654-5, case118 in 4, 5, 6 and 10 areas,
            case300 in 8 areas, 118X3; without ``cycle_damping``), and with ``cycle_damping`` 2 it left 1654-5
            unstopped after 30 rounds (the chapter's targets on consensus and gap met from round 25; 29 rounds without
            the damping), so the largest tie stays the measure.
        active_margin: distance to a limit within which a constraint or bound counts as active (p.u., rad,
            squared p.u. for branch limits). Default 1e-6.
        reg: lower bound of the eigenvalues of the regularised local Hessians. Default 1e-4.
        face_reg: least eigenvalue the coordinator's face solves ask of their matrix on the face of the QP step's
            active limits: the exact coupled reduced Hessian for the exact Newton refinement
            (`forlab.p3_aladin.algorithm.qp.newton_on_face`; below it the regularised step stands), the regularised
            one for the polish of a least-distance step (`forlab.p3_aladin.algorithm.qp.polished_on_face`).
            Default 1e-6 (forlab's choice; before, the floor was ``reg``). Measured in-process (issue 17): near
            their solutions the faces of 1654-5 and 118X10 have their least eigenvalue between 2e-6 and 9e-5, which
            the floor ``reg`` refused in every round, so that every step kept the regularised curvature and 1654-5's
            consensus fell only in every other round from round 10 on (not converged within 30 rounds on the
            machine of that measurement). With 1e-6, 1654-5 converged in 23 rounds when this was measured (27 in
            chapter 07's paper store cda932858838 as archived from 1951446, a later commit; 29 as archived again
            from 278c987) and 118X3 took one round more (11); the other systems of chapter 07 keep their rounds;
            1e-8 gave the same rounds on all of them, 1e-10 on the five transmission systems it was tried on. In
            that paper store no step of 1654-5 is the exact Newton step on its face; measured again at ceed047, by
            ``scripts/aladin_options.py --options '{"face_reg": 1e-4}' --systems 1654-5 118X10 118X3``,
            the floor ``reg`` in place of 1e-6 took 1654-5 29 rounds against 27
            (first at the target in round 25 either way), 118X10 and 118X3 the same rounds: there ``face_reg`` acts
            through the polish of the least-distance step, the other face solve it sets. Why no step of 1654-5 is
            the exact one (measured at c3a2369, in-process, every face solve of the refinement's in a run of 27
            rounds): the exact reduced Hessian is indefinite on the face in every round, its least eigenvalue there
            between -59 and -1.5e-5 (the first face of a round; the faces a blocking limit adds keep it), so no
            floor at or above zero would admit it. The "2e-6 to 9e-5" above, measured at an earlier commit, still
            holds for 118X10 (3.1e-5 to 9.0e-5 in rounds 8 to 12 at c3a2369, each of them an exact step), no longer
            for 1654-5.
        region_flip: with ``qp="reduced"`` (dense coordinator), the share of the free directions whose eigenvalues of
            the coupled reduced Hessian must lie below ``reg`` before the coordinator regularises it region by region
            (every region's exact reduced Hessian flipped on its own, then the coupling added) instead of as a whole
            (`forlab.p3_aladin.algorithm.qp.condensed_qp`). Default 1: always as a whole. Measured (issue 17, the 28
            systems of chapter 07's paper profile): 0.1 stays within one round of the default, or takes fewer, on
            23 of them, 118Xn included, takes two to five more on four and leaves 1654-5 unconverged; a step towards
            a coordinator by blocks (`forlab.p3_aladin.algorithm.qp._regularized` has the numbers).
        alpha: step length of the primal update z = x + alpha dx. Default 1 (full step).
        cost_scale: factor on unit costs in every objective; ``None`` = automatic, 1 / (base MVA x mean marginal
            cost of the units at mid output, per MWh), which makes gradients in p.u. of order one (forlab choice).
        init: start of the regions: "flat" (angles 0, magnitudes 1 p.u., units mid-range) or "pf" (the base-case
            power flow of the net, as a state estimate each operator has of its own grid; a region whose clipped
            power-flow point violates its nodal balance more than its flat start starts flat, and every region
            when the power flow fails, `forlab.p3_aladin.opf_regions.problem.ACOPFProblem.start`). Default "flat".
            The centralized AC-OPF that chapter 07 times ALADIN against starts from that same power-flow point
            (`forlab.opf.acopf.power_flow_point`), not timed, so the flat default gives ALADIN no advantage.
            Measured (issue 17, chapter 07's eleven study systems, in-process at 999130c, by
            ``scripts/aladin_options.py --options '{"init": "pf"}'``,
            rounds to the stopping test, "pf" against "flat"): more on four
            (case9+case33bw 13 against 11, case118+case136ma+case141 13 against 12, case300 in 4 areas 17 against
            15, 418-3 16 against 12), fewer on four (case39+case118zh 12 against 13, case118+case533mt_hi 8
            against 10, case118 in 3 areas 12 against 13, 53-I 8 against 10), the same on case30+case69+case33bw
            and on 118X7 (whose power flow fails: both start flat), and 1654-5 did not stop within 30 rounds (27
            from flat).
        qp: form of the coupled QP (`forlab.p3_aladin.algorithm.qp`, eq. (p3-qp)). "reduced" (default, forlab's
            choice): every region reduces its QP to the null space of its equality constraints where its data lives
            and sends only its exact reduced Hessian, reduced gradient, coupling block and near linearised limits;
            the coordinator forms the coupled reduced Hessian (regularised as a whole, eigenvalue floor ``reg``, only
            when an eigenvalue is at or below ``reg``) and solves the QP with those limits kept as inequalities
            (`forlab.p3_aladin.algorithm.qp.condensed_qp`); every region expands its own step, capped at its far
            limits. "coupled" (the earlier default, for comparison): exact local Hessians and Jacobians sent whole,
            one dense QP in the null space of the equality constraints with every variable bound and linearised
            inequality kept, solved by Clarabel. "kkt": ALADIN-alpha's QP, local Hessians regularised by each
            region, active constraints as equalities, one sparse KKT solve.
        consensus_weight: scaling of the consensus rows in the QP's slack penalty, ``mu * w_r**2`` for row r
            (`consensus_weights`): "admittance" weighs a row by the tie admittance behind it relative to the
            network's median branch, so that mu prices the power a residual hides; "none": ALADIN-alpha's scalar
            mu; "auto" (default, forlab's choice): "admittance" on every partition by zone, "none" on the spectral
            partitions (areas of a transmission grid), `forlab.p3_aladin.opf_regions.problem.auto_scaling`. The zone
            partitions are those of the T+D systems (TS and DSs) and also of the rapidPF multi-region systems
            (53-I, 418-k, 118Xn, 1654-5), which chapter 07 partitions by zone: they get the admittance weights
            too, although the "auto" limit settings treat them as transmission grids
            (`forlab.p3_aladin.opf_regions.problem.auto_limits` asks
            `forlab.p3_aladin.opf_regions.problem.is_td_partition`, which needs a TS region).
        sigma: the proximal scaling Sigma of the local NLPs (`proximal_weights`): "admittance" ``w_r**2`` on the
            variables of consensus row r, 1 elsewhere; "none": Sigma = I (ALADIN-alpha's default); "auto"
            (default) as ``consensus_weight``. Measured (chapter 07's systems, when ``"auto"`` was made, at
            b4ae24b: ``mu0`` 1e3, before limit passes and ``cycle_damping`` existed; chapter 07's archived stores,
            written at later commits, print their own rounds): on T+D systems, whose DS feeders are tens to
            hundreds of times stiffer than the median branch, the unscaled form stalls for tens of rounds at
            a point whose angle residual of 1e-4 rad hides MW of power (case30+case69+case33bw: target after 38
            rounds unscaled, 9 scaled); on case300 in 4 areas, whose ties are at most a few times the median
            branch, the scaled form is slower (target after 13 rounds unscaled, not within 30 scaled).
        timeout_s: longest wait for one region's answer to one request before the run fails with a
            `forlab.p3_aladin.execution.RegionFailed` naming the region (s); in every mode, in-process and on Dask
            alike, it is also Ipopt's ``max_wall_time`` of the local NLPs (`local_settings`). Default 120 (forlab
            choice: a local NLP of a 1354-bus region takes seconds, so two minutes means a hung or lost worker, not a
            slow one).
        ipopt: Ipopt options of the local NLPs overriding `forlab.p3_aladin.opf_regions.region.LOCAL_IPOPT`. Default
            none (the signature's ``<factory>``: a new empty dict for every instance).
        condense: with ``qp="reduced"``, every region also eliminates its own reduced variables (regularising its
            reduced Hessian on its own, `forlab.p3_aladin.algorithm.reduction.LocalReduction.condense`) and the
            coordinator solves the QP in the consensus rows and near limits only
            (`forlab.p3_aladin.algorithm.qp.condensed_step`), falling back to the dense reduced QP when that
            system is singular. Default False (measured, issue 17: more rounds than the dense coordinator, which
            regularises the coupled reduced Hessian as a whole, and frequent fallbacks on T+D systems).
        limit_passes: with ``qp="reduced"`` (dense coordinator), how many times at most the coordinator re-solves
            its QP with the far limits its step would cross, which the regions report on being sent the tentative
            step (`forlab.p3_aladin.algorithm.loop.keep_crossed_limits`); 0 = never: a region then cuts its whole
            step short at the first far limit it crosses
            (`forlab.p3_aladin.algorithm.reduction.LocalReduction.expand`). "auto" (default): the problem's choice
            (`resolved`; the AC-OPF's: `forlab.p3_aladin.opf_regions.problem.auto_limits`), 0 for a problem that makes
            none.
        limit_reach: with ``qp="reduced"``, a region sends the coordinator those of its linearised limits whose room
            is at most ``limit_reach`` times what its last step moved them
            (`forlab.p3_aladin.algorithm.reduction.LocalReduction`'s ``reach``; all of them in the first round); the
            others stay with it and cap its step, unless a pass brings them in. "auto" (default): as ``limit_passes``,
            300 for a problem that makes no choice.
        limit_watch: with ``qp="reduced"`` and limit passes, a region also sends as *watched* rows those of its far
            limits that a step ``limit_watch`` times as long as its last one could reach
            (`forlab.p3_aladin.algorithm.reduction.FarLimits`); they stay out of the QP, and the coordinator checks
            every tentative step against them itself, so that only a step past the unwatched limits' ``far_radius``
            costs a round trip to the regions (`forlab.p3_aladin.algorithm.loop.keep_crossed_limits`). The QPs and
            steps are those of 0 (no watched rows: every check a round trip), bit for bit. Default 10 (forlab's
            choice; measured in-process on chapter 07's systems with passes, issue 17, at fd740e4 with the options
            of then, ``mu0`` 1e3; chapter 07's archived stores print their own round trips): round trips per run
            from 15 to 0 on case118 in 3 areas, 20 to 2 on case300 in 4 areas, 6 to 0 on 53-I, 21 to 0 on 418-3,
            19 to 0 on 118X7 and 85 to 10 on 1654-5, for 14 %, 21 %, 43 %, 66 %, 35 % and 142 % more bytes up;
            case300 in 4 areas on Dask, whole run 0.93 s to 0.87 s (four paired runs). Without passes the regions
            send no watched rows.
        seed_active: with ``qp="reduced"``, the coordinator starts a round's QP from the limits that were active
            at the last round's step, which every region's near limits name by their positions among its limits
            (``id_r``; `forlab.p3_aladin.algorithm.qp.condensed_qp`'s ``seed``). The QP is the same, solved along a
            shorter path; only where rows are tied at a bound can the face of the exact Newton refinement differ, and
            with it the rounds. "auto" (default): the problem's choice (`resolved`; the AC-OPF's:
            `forlab.p3_aladin.opf_regions.problem.auto_limits`: on the partitions where it makes limit passes), False
            for a problem that makes none. Measured in-process (issue 17, True against False): on the transmission
            partitions the same rounds, the coordinator's time over a run from 31.1 s to 22.7 s on 1654-5, 5.2 s to
            3.9 s on 118X7, 0.29 s to 0.24 s on case300 in 4 areas; on the T+D systems the rounds changed, 11 to 10 on
            case118+case533mt_hi, 12 to 15 on case118+case136ma+case141, and case1354pegase+case141 from a flat start
            no longer converged within 30 (`tests/test_aladin.py`).
        local_start: where Ipopt starts every local NLP after the first: "iterate" (default, forlab's choice) the
            region's iterate ``z_i``, the coupled QP's prediction of its next solution, warm with the last
            multipliers; "last" the last local solution, warm only within
            `forlab.p3_aladin.opf_regions.region.WARM_DISTANCE` of it (forlab's earlier start). Measured in-process
            (issue 17, chapter 07's eleven systems, ``OPENBLAS_NUM_THREADS=1``, "iterate" against "last"): the same
            rounds to the stopping target on every system but case118+case533mt_hi (a round earlier, and its own
            test a round later), and 7 to 44 % less local NLP time summed over the regions (1654-5 7 %, case300 in
            4 areas 15 %, 118X7 12 %, case118+case533mt_hi 44 %).
        local_graph: CasADi expression type of the local NLPs where the problem builds them with CasADi (the
            AC-OPF's regions): "SX", "MX" or "auto" (`forlab.opf.acopf.ACOPF`'s ``graph``). "MX" (default,
            forlab's choice): CasADi builds the derivatives of an MX graph several times faster and evaluates them
            more slowly, and a run of a few tens of rounds gains more from the build. Measured in-process (issue 17,
            chapter 07's systems, in one sitting at commit 7dc6630 that introduced the option, not read from a
            chapter's archived store): set-up plus rounds shorter on every system than with "auto" (case300 in 4
            areas 0.93 s against 1.01 s, 8 % shorter; 118X7 6.9 s against 7.1 s, 3 %; case39+case118zh 0.28 s
            against 0.36 s, 22 %), same rounds and solutions. Compare the two times of a pair, not either with a
            chapter's tables, which time other sittings on a shared machine. ADMM's hundreds of rounds keep "auto".
    """

    rho0: float = 1e2
    rho_update: float = 1.1
    rho_max: float = 1e8
    cycle_damping: float = 2.0
    mu0: float = 1e2
    mu_update: float = 2.0
    mu_max: float = 2e6
    max_iter: int = 30
    eps: float = 1e-6
    eps_power: float | None = 1e-5
    active_margin: float = 1e-6
    reg: float = 1e-4
    face_reg: float = 1e-6
    region_flip: float = 1.0
    alpha: float = 1.0
    cost_scale: float | None = None
    init: str = "flat"
    qp: str = "reduced"
    consensus_weight: str = "auto"
    sigma: str = "auto"
    timeout_s: float = 120.0
    ipopt: dict = field(default_factory=dict)
    condense: bool = False
    limit_passes: int | str = "auto"
    limit_reach: float | str = "auto"
    limit_watch: float = 10.0
    seed_active: bool | str = "auto"
    local_start: str = "iterate"
    local_graph: str = "MX"

    def __post_init__(self):
        check_option_bounds(self, ("rho0", "rho_max", "mu0", "mu_max", "eps", "reg", "face_reg", "alpha", "timeout_s"))
        check_option_bounds(self, ("rho_update", "mu_update", "cycle_damping"), low=1.0, strict=False)
        check_option_bounds(self, ("active_margin",), low=0.0, strict=False)
        check_count(self, "max_iter")
        if self.eps_power is not None:
            check_option_bounds(self, ("eps_power",))
        check_option_bounds(self, ("region_flip",), low=0.0, strict=False)
        if self.region_flip > 1.0:
            raise ValueError(f"ALADINOptions.region_flip is a share of the free directions, in [0, 1], "
                             f"not {self.region_flip!r}")
        if self.alpha > 1.0:
            raise ValueError(f"alpha must be in (0, 1], not {self.alpha!r}")
        if self.cost_scale is not None:
            check_option_bounds(self, ("cost_scale",))
        check_choice(self, "qp", ("reduced", "coupled", "kkt"))
        if not isinstance(self.condense, bool):
            raise TypeError(f"condense must be True or False, not {self.condense!r}")
        if self.seed_active != "auto" and not isinstance(self.seed_active, bool):
            raise TypeError(f"seed_active must be True, False or 'auto', not {self.seed_active!r}")
        if self.limit_passes != "auto":
            check_count(self, "limit_passes", low=0)
        if self.limit_reach != "auto":
            check_option_bounds(self, ("limit_reach",), low=0.0, strict=False)
        check_option_bounds(self, ("limit_watch",), low=0.0, strict=False)
        check_choice(self, "init", ("flat", "pf"))
        check_choice(self, "consensus_weight", ("auto", "admittance", "none"))
        check_choice(self, "sigma", ("auto", "admittance", "none"))
        check_choice(self, "local_start", LOCAL_STARTS)
        check_choice(self, "local_graph", ("SX", "MX", "auto"))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def resolved(self, auto: dict) -> ALADINOptions:
        """These options with every "auto" among `AUTO_FIELDS` replaced by the problem's choice ``auto``
        (`ConsensusProblem.auto_options`) or, where it makes none, by `AUTO_GENERIC`; checked again."""
        chosen = {k: auto.get(k, AUTO_GENERIC[k]) for k in AUTO_FIELDS if getattr(self, k) == "auto"}
        return dataclasses.replace(self, **chosen)

    def local_settings(self) -> dict:
        """What the local solvers are built with (`ConsensusProblem.local_solvers`; "auto" settings resolved
        first, `resolved`)."""
        for name in AUTO_FIELDS:
            if getattr(self, name) == "auto":
                raise ValueError(f"ALADINOptions.{name} is 'auto': resolve the options for the problem first "
                                 "(ALADINOptions.resolved)")
        watch = self.limit_watch if self.limit_passes else 0.0  # without passes nothing checks watched rows
        return {"active_margin": self.active_margin, "reg": self.reg, "alpha": self.alpha,
                "limit_reach": self.limit_reach, "limit_watch": watch, "local_start": self.local_start,
                "graph": self.local_graph, "ipopt": {"max_wall_time": float(self.timeout_s)} | self.ipopt}


AUTO_FIELDS = ("limit_passes", "limit_reach", "seed_active")
"""The `ALADINOptions` whose default "auto" the problem chooses (`ALADINOptions.resolved`)."""

AUTO_GENERIC = {"limit_passes": 0, "limit_reach": 300.0, "seed_active": False}
"""What "auto" means for a problem that makes no choice: no passes, the regions send every limit within 300 times
their last move, every round's QP starts from scratch (forlab's earlier fixed behaviour)."""


@dataclass
class ADMMOptions:
    """ADMM options (forlab's choices; the chapter states them).

    Attributes:
        rho: penalty of the proximal term (scaled cost per p.u.^2, see
            `forlab.p3_aladin.opf_regions.problem.auto_cost_scale`).
            Default 1e3 (with residual balancing: the start value).
        max_iter: the round limit, the largest number of rounds. Default 1000.
        eps: tolerance on the consensus violation max|sum A_i x_i| (rad / p.u.). Default 1e-4, the tolerance of
            PowerModelsADA's published runs.
        eps_dual: tolerance on the dual residual rho max|z - z_previous| (scaled cost per p.u.). Default 1e-2.
        adaptive: residual balancing (Boyd et al. (2011), section 3.4.1): rho times ``tau`` when the consensus
            violation exceeds ``ratio`` times the dual residual (divided by rho), rho divided by ``tau`` in the
            opposite case. Default True (measured on case118 in 3 areas: consensus 1e-4 and gap 1e-3 after 811
            rounds from rho 1e3; none of rho 1, 10, 1e2, 1e3, 3e3, 1e4, 3e4 fixed got there in 600).
        ratio: how many times one residual must exceed the other before the residual balancing changes rho
            (the consensus violation against the dual residual divided by rho, either way). Default 10.
        tau: the factor by which the residual balancing multiplies or divides rho. Default 2.
        rho_max: the largest rho the balancing may reach. Default 1e8, ALADIN's ``rho_max``. Without a cap, on
            case300 in 4 areas (its tie-broken partition, issue 17) rho doubled to 1e30 while the consensus
            stalled, every local NLP failed from there on (Ipopt's 1000 iterations each) and the 1000 rounds would
            have taken hours; the archived runs before the cap never went above 1e5.
        init: "flat" or "pf" start, as for ALADIN. Default "flat".
        cost_scale: as `ALADINOptions.cost_scale`. Default None (automatic).
        timeout_s: longest wait for one region's answer (s), as for ALADIN. Default 120.
        ipopt: Ipopt options of the local NLPs. Default none (the signature's ``<factory>``: a new empty dict for
            every instance).
    """

    rho: float = 1e3
    max_iter: int = 1000
    eps: float = 1e-4
    eps_dual: float = 1e-2
    adaptive: bool = True
    ratio: float = 10.0
    tau: float = 2.0
    rho_max: float = 1e8
    init: str = "flat"
    cost_scale: float | None = None
    timeout_s: float = 120.0
    ipopt: dict = field(default_factory=dict)

    def __post_init__(self):
        check_option_bounds(self, ("rho", "rho_max", "eps", "eps_dual", "timeout_s"))
        check_option_bounds(self, ("ratio", "tau"), low=1.0, strict=False)
        if self.rho_max < self.rho:
            raise ValueError(f"ADMMOptions.rho_max ({self.rho_max:g}) must be at least rho ({self.rho:g})")
        check_count(self, "max_iter")
        if self.cost_scale is not None:
            check_option_bounds(self, ("cost_scale",))
        check_choice(self, "init", ("flat", "pf"))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def resolved(self, auto: dict) -> ADMMOptions:
        """These options (ADMM has no "auto" option; as `ALADINOptions.resolved`)."""
        return self

    def local_settings(self) -> dict:
        """What the local solvers are built with (`ConsensusProblem.local_solvers`)."""
        return {"ipopt": {"max_wall_time": float(self.timeout_s)} | self.ipopt}


# ---------------------------------------------------------------------------------------------------- checks
def check_option_bounds(options, names: tuple[str, ...], low: float = 0.0, strict: bool = True) -> None:
    """``ValueError`` naming the option unless each of ``names`` is a finite number above ``low`` (at least ``low``
    when not ``strict``); NaN and infinity are rejected (a NaN penalty would end a run "converged" after one
    round)."""
    for name in names:
        val = getattr(options, name)
        ok = isinstance(val, (int, float)) and not isinstance(val, bool) and math.isfinite(val) \
            and (val > low if strict else val >= low)
        if not ok:
            rel = ">" if strict else ">="
            raise ValueError(f"{type(options).__name__}.{name} must be a finite number {rel} {low:g}, not {val!r}")


def check_count(options, name: str, low: int = 1) -> None:
    """``ValueError`` unless the option ``name`` is an integer >= ``low``."""
    val = getattr(options, name)
    if isinstance(val, bool) or not isinstance(val, int) or val < low:
        raise ValueError(f"{type(options).__name__}.{name} must be an integer >= {low}, not {val!r}")


def check_choice(options, name: str, allowed: tuple[str, ...]) -> None:
    """``ValueError`` unless the option ``name`` is one of ``allowed``."""
    val = getattr(options, name)
    if val not in allowed:
        raise ValueError(f"{type(options).__name__}.{name} must be one of {allowed}, not {val!r}")
