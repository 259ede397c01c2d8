"""One DSO as a party of its own for a whole run: its offline work (the offer and the agent that dispatches it) and
its online dispatch in one object, `DSOService`, that lives on a Dask worker (a Dask actor) from the first offer to
the last dispatch, so that its DS model never leaves it: what crosses the wire is the offer, the TSO's PCC point and
the DSO's answer.

`prepare` is one DSO's offline work at one load level, in the process it runs in (chapter 05's offline step, eqs.
(p1-box) to (p1-price)): sample the FOR and fit the offer (`forlab.p1_for.representation.make_offer`), then make the
`forlab.p1_for.coordinate.DSOAgent` on the offer's own DS model, with the price fit's cost OPFs as its warm-start
library. In-process the DSOs run it one after the other; on Dask, `placed` puts one `DSOService` per DSO on the
workers and `offline` asks them all at once: one task per DSO (each DSO's OPFs in its worker's process), so the N
DSOs' offline work runs concurrently, as N DSOs with a computer each would do it. The services then answer
`coordinate`'s dispatch requests in place (its ``agents``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from forlab.book.parallel import assign, workers_of
from forlab.p1_for.coordinate import DSOAgent, answers, held, scale_loads
from forlab.p1_for.offer import Offer
from forlab.p1_for.representation import make_offer

IN_PROCESS = {"n_workers": 0, "address": None, "client": None}
"""`make_offer`'s options on a worker: the DSO's OPFs run in the worker's own process (no Dask inside a task)."""


def prepare(ds_net, pcc: dict, options: dict, warm_library: bool, model=None) -> tuple[Offer, dict, DSOAgent, float]:
    """One DSO's offline work at the load level of ``ds_net``: (offer, the offer's quality (`make_offer`'s report
    attributes), the DSO's agent, offline seconds).

    options: `make_offer`'s; pcc: the offer's PCC identity; model: the DSO's DS model from an earlier load level,
    re-used at these loads (None: built here). warm_library: the agent keeps the price fit's cost OPFs (primal and
    dual) as its warm-start library, nothing solved again, and chooses its start by timing both (``start="auto"``);
    False: no library, cold starts. The seconds are the offer's, then the agent's build, library and start choice
    (each about 0 when there was nothing to do)."""
    offer, _, report, dt, library = make_offer(ds_net, pcc=pcc, return_library=True, model=model, **options)
    if warm_library:
        agent = DSOAgent(ds_net, offer.box, library=library, start="auto")
    else:
        agent = DSOAgent(ds_net, offer.box, model=library.model, start="cold")
    return offer, report.attrs, agent, dt + agent.build_time_s + agent.library_time_s + agent.start_time_s


class DSOService:
    """One DSO on a Dask worker for a whole run (a Dask actor; see the module docstring).

    ds_net: the DS at its nominal loads, kept here; `offline` scales it to a load level, makes the offer and keeps
    the agent of that level (its DS model is re-used from level to level); `step` and `dispatch` answer the TSO's
    point with that agent (`forlab.p1_for.coordinate.DSOAgent`)."""

    def __init__(self, ds_net):
        self.net = ds_net
        self.model = None
        self.agent: DSOAgent | None = None

    def offline(self, level: float, pcc: dict, options: dict, warm_library: bool) -> tuple[Offer, dict, float]:
        """`prepare` at load ``level`` in this process: (offer, its quality, offline seconds, including the
        warm-start solver the agent builds now so that no online request pays for it)."""
        offer, quality, agent, dt = prepare(scale_loads(self.net, level), pcc, {**options, **IN_PROCESS},
                                            warm_library, self.model)
        self.model = agent.model
        t0 = time.perf_counter()
        self.agent = held(agent)
        return offer, dict(quality), dt + time.perf_counter() - t0

    def step(self, x_pcc, repeats: int) -> dict:
        return self._agent().step(x_pcc, repeats)

    def dispatch(self, x_pcc, warm: bool | None = None) -> dict:
        return self._agent().dispatch(x_pcc, warm)

    def _agent(self) -> DSOAgent:
        if self.agent is None:
            raise RuntimeError("this DSO has no offer yet: call offline(level, ...) before asking it to dispatch")
        return self.agent


@contextlib.contextmanager
def placed(client, nets: dict) -> Iterator[dict]:
    """One `DSOService` per DS of ``nets`` (name -> DS net) on the client's workers for the duration of a ``with``
    block: name -> Dask actor. The largest DSs are placed first, each on the worker with the fewest buses so far, so
    that the workers' offline work is about even; the actors are released at the end."""
    workers = workers_of(client, what="place the DSOs")
    where = assign({k: len(n.bus) for k, n in nets.items()}, workers)
    names = list(nets)
    futures = [client.submit(DSOService, nets[k], actor=True, workers=[where[k]], allow_other_workers=False,
                             pure=False, key=f"dso-{k}-{id(nets)}") for k in names]
    try:
        actors = answers(futures, names, [where[k] for k in names], "placing its service")
        yield dict(zip(names, actors))
    finally:
        for f in futures:
            f.release()


def offline(services: dict, level: float, pcc: dict[str, dict], options: dict, warm_library: bool
            ) -> tuple[dict[str, Offer], dict[str, dict], dict[str, float], float]:
    """Every DSO's offline work at load ``level`` at once, one task per DSO on its worker (`DSOService.offline`):
    (offers, qualities, each DSO's offline seconds, the wall seconds from asking them all to having every offer).
    A DSO that fails raises RuntimeError naming it and its worker."""
    names = list(services)
    own = {k: v for k, v in options.items() if k not in IN_PROCESS}  # the caller's client stays with the caller
    t0 = time.perf_counter()
    futures = [services[k].offline(level, pcc[k], own, warm_library) for k in names]
    replies = answers(futures, names, [getattr(services[k], "_address", "?") for k in names], "its offline work")
    wall = time.perf_counter() - t0
    offers = {k: r[0] for k, r in zip(names, replies)}
    quality = {k: r[1] for k, r in zip(names, replies)}
    seconds = {k: r[2] for k, r in zip(names, replies)}
    return offers, quality, seconds, wall
