"""Chapter 11, reliability: hostile probes of forlab's inputs, files and distributed engine, and their outcomes.

Each probe (`PROBES`) is a few lines of Python that feed forlab something bad: a wrong name, NaN grid data, a grid
with an island, a malformed offer file, a bad chapter parameter at tiny sizes, a truncated or foreign store, a write
killed half-way, a stopped Dask worker or a silent peer (issue 20). `run` executes every probe in its own Python
process with a timeout, inside a scratch folder (its own results root and a copy of the notebooks, so nothing of the
repository is touched), and classifies what happened (`OUTCOMES`):

* ``handled``: a one-line error raised on purpose by forlab (ValueError, TypeError, TimeoutError, StoreError, ...
  from forlab's own code), a failure the run recorded as a result, or a check of the files the probe made that
  passed (the interrupted write raises nothing: its store still opens and no temporary file is left);
* ``crash``: a traceback from inside a library, one of Python's own programming errors (`BUG_TYPES`: a failed
  lookup such as KeyError, an arithmetic error such as ZeroDivisionError, an AttributeError, ...), or a process that
  died;
* ``hang``: no answer within the timeout;
* ``silent``: the bad input was accepted (a result computed from it, nothing said);
* ``data_lost``: a file that should have survived (a store, a source notebook) was damaged or replaced.

The store holds one row per probe (dimension ``probe``) and the counts per outcome; `counts_table`,
`outcome_figure` (when `outcomes_differ`), `probes_table` and `summary_text` draw it. `scripts/probes.py` runs the
same probes from the command line.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from forlab.book.runner import check_names, missing_profile_text
from forlab.book.store import paper_origin
from forlab.book.tables import WBR, clipped, counted, grouped, nowrap_numbers, wrappable

__all__ = [
    "OUTCOMES",
    "OUTCOME_HEADER",
    "PARAMETERS",
    "PROBES",
    "WALL_TIME",
    "Probe",
    "check_params",
    "classify",
    "counts_table",
    "outcome_figure",
    "outcome_word",
    "outcomes_differ",
    "paper_text",
    "probe_names",
    "probes_markdown",
    "probes_table",
    "run",
    "run_probe",
    "selected",
    "summary_text",
    "time_text",
]

OUTCOMES = ("handled", "crash", "hang", "silent", "data_lost")
COLOURS = {"handled": "#4c9a2a", "crash": "#c0392b", "hang": "#8e44ad", "silent": "#e67e22", "data_lost": "#2c3e50"}
# Python's own errors of a program (lookup, attribute, name, arithmetic, assertion, recursion, missing code) are never
# a message written for the user
BUG_TYPES = frozenset({"KeyError", "IndexError", "AttributeError", "FloatingPointError", "ZeroDivisionError",
                       "NameError", "UnboundLocalError", "AssertionError", "RecursionError", "NotImplementedError"})
FORLAB_SRC = str(Path(__file__).resolve().parents[1])
MARK = "PROBE-RESULT "

HARNESS = """
import json, logging, sys, traceback, warnings
warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)
g = {"__name__": "__probe__"}
try:
    exec(compile(sys.argv[1] + "\\n" + sys.argv[2], "<probe>", "exec"), g)
    out = {"kind": "returned", "verdict": g.get("verdict", "silent"),
           "detail": str(g.get("detail", "the bad input was accepted without an error"))}
except BaseException as e:
    frames = traceback.extract_tb(e.__traceback__)
    out = {"kind": "raised", "type": type(e).__name__, "message": str(e),
           "origin": frames[-1].filename if frames else ""}
print(MARK_REPR + json.dumps(out), flush=True)
""".replace("MARK_REPR", repr(MARK))


@dataclass(frozen=True)
class Probe:
    """One hostile input: ``code`` runs after `PRELUDE` in a fresh process; it either raises (classified by
    `classify`) or sets ``verdict`` (an outcome) and ``detail``. ``quick``: in the default subset."""

    name: str
    group: str
    what: str
    code: str
    quick: bool = False


# helpers of the probes' processes (the working folder is the probe's scratch repository)
PRELUDE = """
import copy, json, os, subprocess, sys, time
from pathlib import Path
import numpy as np
WORK = Path(os.environ.get("FORLAB_PROBE_DIR", "."))

def radial_ds():
    from forlab.grid import td
    return td.load_system("case9+case33bw", ties="none").ds["case33bw"]

def line(net, a, b):
    return int(net.line.index[(net.line.from_bus == a) & (net.line.to_bus == b)][0])

def case9(table, index, column, value):
    from forlab.grid import cases
    net = cases.load("case9")
    net[table].loc[index, column] = value
    return net

def acopf(net):
    from forlab.opf.acopf import solve
    r = solve(net)
    if not r.success:
        return "handled", f"AC-OPF failed with status {r.status!r} (recorded, not raised)"
    return "silent", f"AC-OPF reports {r.status!r} on the bad data"

def offer_dict():
    return {"format": "forlab-offer/1",
            "box": {"lo": [2.0, -1.0, 0.95], "hi": [6.0, 1.0, 1.05], "axes": ["p_mw", "q_mvar", "vm_pu"]},
            "polynomial": {"degree": 2, "coef": [-0.5, 0, 0, 0, 1.0, 0, 0, 1.0, 0, 1.0], "margin": 0.0,
                           "convex": True},
            "cost": {"H": [[2.0, 0, 0], [0, 1.0, 0], [0, 0, 0.5]], "g": [1.0, 0, 0], "c0": 3.0},
            "pcc": {"ds": "probe"}, "base": {"sn_mva": 10.0}, "info": {}}

def load_offer(edit, raw=None):
    from forlab.p1_for.offer import Offer
    d = offer_dict()
    edit(d)
    path = WORK / "offer.json"
    path.write_text(raw if raw is not None else json.dumps(d))
    o = Offer.load(path)
    return "silent", f"offer loaded: box {o.box.lo.tolist()} .. {o.box.hi.tolist()}, degree {o.polynomial.degree}"

def cli(*args):
    exe = Path(sys.executable).with_name("forlab")
    r = subprocess.run([str(exe), *args], cwd=WORK, capture_output=True, text=True)
    last = ([l for l in r.stderr.splitlines() if l.strip()] or [""])[-1]
    if "Traceback" in r.stderr:
        return "crash", f"traceback: {last}"
    if r.returncode:
        return "handled", f"exit {r.returncode}: {last}"
    out = ([l for l in r.stdout.splitlines() if l.strip()] or [""])[-1]
    return "silent", f"exit 0: {out}"

def tiny_store(chapter, params):
    import xarray as xr
    from forlab.book import store
    return store.save(xr.Dataset({"x_mw": ("i", np.arange(1000.0))}), chapter, params)

def chapter(name, **override):
    from forlab.book.runner import chapter_params
    return chapter_params(name, override)
"""

_P = Probe
PROBES: tuple[Probe, ...] = (
    # ------------------------------------------------------------------ names
    _P("unknown_case", "names", "cases.load of a case that does not exist",
       "from forlab.grid import cases\ncases.load('case_nope')", True),
    _P("unknown_system", "names", "td.load_system of an unknown DS",
       "from forlab.grid import td\ntd.load_system('case9+case_nope')"),
    _P("cli_unknown_chapter", "names", "forlab run no_such_chapter",
       "verdict, detail = cli('run', 'no_such_chapter')", True),
    _P("cli_corrupt_notebook", "names", "forlab list with a notebook that is not JSON",
       "(WORK / 'notebooks' / '99_corrupt.ipynb').write_text('{not json')\nverdict, detail = cli('list')\n"
       "verdict = 'handled' if verdict == 'silent' and 'Traceback' not in detail else verdict"),
    _P("cli_chapter_as_path", "names", "forlab run /absolute/path/to/notebooks/01_first_power_flow",
       "nb = WORK / 'notebooks' / '01_first_power_flow.ipynb'\nbefore = nb.read_bytes()\n"
       "verdict, detail = cli('run', str(WORK / 'notebooks' / '01_first_power_flow'))\n"
       "if nb.read_bytes() != before:\n    verdict, detail = 'data_lost', 'the source notebook was overwritten'"),
    _P("cli_relative_path", "names", "forlab run ../notebooks/01_first_power_flow",
       "verdict, detail = cli('run', '../notebooks/01_first_power_flow')\n"
       "if (WORK / 'book' / 'notebooks').exists():\n    verdict, detail = 'silent', 'wrote into book/notebooks/'"),
    # ------------------------------------------------------------------ grid data
    _P("island_open_line", "grid data",
       "case33bw as cases.load gives it (radial, its tie lines open, its loads as published) with pandapower line "
       "`5` open (buses `5`-`6` counted from zero, as the message counts them; `6`-`7` in Baran-Wu numbering): the "
       "loaded buses beyond it cut off",
       "from forlab.grid import cases\nfrom forlab.opf.network import build_network\nnet = cases.load('case33bw')\n"
       "net.line.loc[line(net, 5, 6), 'in_service'] = False\nm = build_network(net)\n"
       "verdict, detail = 'silent', f'model built on {m.nb} of {len(net.bus)} buses'", True),
    _P("island_sampling", "grid data",
       "FOR sampling of the case9+case33bw DS built radial (td.load_system with `ties=\"none\"`: its tie lines "
       "open, where the book's DS closes them all and opening this line cuts nothing off; its loads scaled as "
       "parallel feeders by the factor load_system fits, the scale column of its pcc table, chapter 02) with "
       "pandapower line `5` open (buses `5`-`6` counted from zero, as the message counts them; `6`-`7` in Baran-Wu "
       "numbering): the FPUs beyond it cut off, whose loads draw that factor times those of island_open_line",
       "from forlab.p1_for.sampling import sample_for\nnet = radial_ds()\n"
       "net.line.loc[line(net, 5, 6), 'in_service'] = False\n"
       "s = sample_for(net, n_directions=4, face_grid=0, n_workers=0, progress=False)\n"
       "verdict, detail = 'silent', f'sampled on {s.attrs[\"n_buses\"]} buses, {s.attrs[\"n_fpus\"]} FPUs'"),
    _P("nan_gen_max_p", "grid data", "case9 generator max_p_mw = NaN, AC-OPF",
       "verdict, detail = acopf(case9('gen', 0, 'max_p_mw', np.nan))", True),
    _P("nan_bus_max_vm", "grid data", "case9 bus max_vm_pu = NaN, AC-OPF",
       "verdict, detail = acopf(case9('bus', 4, 'max_vm_pu', np.nan))"),
    _P("nan_line_max_i_ka", "grid data", "case9 line max_i_ka = NaN, AC-OPF",
       "verdict, detail = acopf(case9('line', 3, 'max_i_ka', np.nan))"),
    _P("nan_reactance", "grid data", "case9 line x_ohm_per_km = NaN, AC-OPF",
       "verdict, detail = acopf(case9('line', 5, 'x_ohm_per_km', np.nan))"),
    _P("zero_sn_mva", "grid data", "case9 with sn_mva = 0, AC-OPF",
       "from forlab.grid import cases\nnet = cases.load('case9')\nnet.sn_mva = 0.0\nverdict, detail = acopf(net)"),
    _P("inverted_vm_limits", "grid data", "case9 bus min_vm_pu 1.2 > max_vm_pu, AC-OPF",
       "verdict, detail = acopf(case9('bus', 2, 'min_vm_pu', 1.2))"),
    # ------------------------------------------------------------------ offers
    _P("offer_nan_coef", "offers", "offer file with a NaN polynomial coefficient",
       "verdict, detail = load_offer(lambda d: d['polynomial']['coef'].__setitem__(3, float('nan')))", True),
    _P("offer_concave_price", "offers", "offer file whose price is concave (H not PSD)",
       "verdict, detail = load_offer(lambda d: d['cost'].__setitem__('H', [[-5.0, 0, 0], [0, 1, 0], [0, 0, 1]]))"),
    _P("offer_zero_width_box", "offers", "offer file with lo = hi on the P axis",
       "verdict, detail = load_offer(lambda d: d['box'].__setitem__('hi', [2.0, 1.0, 1.05]))"),
    _P("offer_swapped_box", "offers", "offer file with lo > hi on the Q axis",
       "verdict, detail = load_offer(lambda d: d['box'].update(lo=[2.0, 1.0, 0.95], hi=[6.0, -1.0, 1.05]))"),
    _P("offer_huge_box", "offers", "offer file with a +-1000 MW box, all feasible at zero cost",
       "def edit(d):\n    d['box'].update(lo=[-1000.0, -1000.0, 0.9], hi=[1000.0, 1000.0, 1.1])\n"
       "    d['polynomial']['coef'] = [-1.0] + [0.0] * 9\n"
       "    d['cost'].update(H=[[0.0] * 3] * 3, g=[0.0] * 3, c0=0.0)\n"
       "verdict, detail = load_offer(edit)", True),
    _P("offer_degree_150", "offers", "offer file declaring degree 150",
       "verdict, detail = load_offer(lambda d: d['polynomial'].__setitem__('degree', 150))", True),
    _P("offer_wrong_shape", "offers", "offer file with a 2 x 2 price matrix",
       "verdict, detail = load_offer(lambda d: d['cost'].__setitem__('H', [[1.0, 0], [0, 1.0]]))"),
    _P("offer_not_json", "offers", "offer file cut off in the middle",
       "verdict, detail = load_offer(lambda d: None, raw=json.dumps(offer_dict())[:60])"),
    # ------------------------------------------------------------------ chapter parameters (tiny sizes)
    _P("ch01_load_scale_inf", "parameters", "chapter 01 with load_scale = inf",
       "from forlab.studies import ch01_first_power_flow as ch\n"
       "ds = ch.run({'grid': 'case33bw', 'load_scale': float('inf')})\n"
       "verdict, detail = 'silent', f'run returned, power flow {ds.pf_status.values}'"),
    _P("ch01_unknown_grid", "parameters", "chapter 01 with grid = 'nope'",
       "from forlab.studies import ch01_first_power_flow as ch\nch.run({'grid': 'nope', 'load_scale': 1.0})"),
    _P("ch05_levels_empty", "parameters", "chapter 05 with levels = []",
       "from forlab.studies import ch05_coordination as ch\n"
       "from forlab.p1_for.representation import MIN_COST_POINTS\n"
       "ch.run(chapter('05_coordination', levels=[], n_directions=6, face_grid=0, n_labelled=30,"
       " n_cost=MIN_COST_POINTS))"),
    _P("ch05_infeasible_level", "parameters",
       "chapter 05 with levels [1.0, 10.0] (fractions of the nominal load; the second meant to be infeasible)",
       "from forlab.studies import ch05_coordination as ch\n"
       "from forlab.p1_for.representation import MIN_COST_POINTS\n"
       "ds = ch.run(chapter('05_coordination', levels=[1.0, 10.0], n_directions=8, face_grid=0, n_labelled=40,"
       " n_cost=MIN_COST_POINTS, repeats=1))\n"
       "kept = sorted({float(v) for v in ds['level'].values}) if 'level' in ds.variables else []\n"
       "at10 = [str(s) for l, s in zip(ds['level'].values, ds['status'].values) if float(l) == 10.0]\n"
       "failed = bool(at10) and all(s != 'ok' for s in at10)\n"
       "verdict = 'data_lost' if kept != [1.0, 10.0] else ('handled' if failed else 'silent')\n"
       "def pct(level):  # a load level in % of the nominal load, as every chapter and chapter 05's status give it\n"
       "    return f'{100 * float(level):g} %'\n"
       "# chapter 05's status whole, the solver's verdict in it: chapter 05 clips it itself, and run_probe keeps\n"
       "# DETAIL_LIMIT characters of any message (a clip of its own here cut the status word in two)\n"
       "detail = (f'store written with load levels {\", \".join(map(pct, kept))} of the nominal load; '\n"
       "          + (at10[0] if at10 else f'no row at load level {pct(10.0)}'))"),
    _P("ch07_unknown_mode", "parameters", "chapter 07 with modes = ['nope']",
       "from forlab.studies import ch07_aladin as ch\n"
       "ch.run(chapter('07_aladin', modes=['nope'], systems=['case9+case33bw'], latencies_ms=[0.0]))"),
    _P("ch07_max_iter_0", "parameters", "chapter 07 with max_iter = 0",
       "from forlab.studies import ch07_aladin as ch\n"
       "ch.run(chapter('07_aladin', max_iter=0, modes=['inprocess'], systems=['case9+case33bw'],"
       " latencies_ms=[0.0]))"),
    _P("ch08_unknown_system", "parameters", "chapter 08 with system = 'nope'",
       "from forlab.studies import ch08_sensitivity as ch\nch.run(chapter('08_sensitivity', system='nope'))"),
    _P("ch08_level_inf", "parameters", "chapter 08 with levels [inf]",
       "from forlab.studies import ch08_sensitivity as ch\n"
       "ch.run(chapter('08_sensitivity', levels=[float('inf')], fpu_counts=[4], meshings=['none'],"
       " methods=['P1']))"),
    # ------------------------------------------------------------------ stores
    _P("truncated_store", "stores", "a store cut to half its size, then opened",
       "from forlab.book import store\np = tiny_store('probe', {'n': 1})\n"
       "p.write_bytes(p.read_bytes()[:len(p.read_bytes()) // 2])\n"
       "store.open_store('probe', {'n': 1})", True),
    _P("foreign_store", "stores", "a store of other parameters copied under this one's name",
       "import shutil\nfrom forlab.book import store\np = tiny_store('probe', {'n': 1})\n"
       "shutil.copy(p, store.path_for('probe', {'n': 2}))\nstore.open_store('probe', {'n': 2})\n"
       "verdict, detail = 'silent', 'a store of n=1 opened as n=2'"),
    _P("store_bomb", "stores", "a compressed store that expands to 2 GiB",
       "import dask.array as da, xarray as xr\nfrom forlab.book import store\n"
       "ds = xr.Dataset({'x_mw': ('i', da.zeros(2**28, chunks=2**24))})\n"
       "ds['x_mw'].encoding = {'zlib': True, 'chunksizes': (2**22,)}\nstore.save(ds, 'probe', {'n': 3})\n"
       "x = store.open_store('probe', {'n': 3})\nverdict, detail = 'silent', f'loaded {x.x_mw.nbytes} bytes'"),
    _P("interrupted_write", "stores", "a store write killed (SIGKILL) mid-way, then the store opened",
       "from forlab.book import store\ntiny_store('probe_kill', {'n': 1})\n"
       "code = ('import numpy as np, xarray as xr\\nfrom forlab.book import store\\nwhile True:\\n'\n"
       "        '    store.save(xr.Dataset({\"x_mw\": (\"i\", np.random.rand(8_000_000))}), '\n"
       "        '\"probe_kill\", {\"n\": 1})')\n"
       "folder = store.path_for('probe_kill', {'n': 1}).parent\n"
       "p = subprocess.Popen([sys.executable, '-c', code], cwd=WORK)\n"
       "# kill it while a temporary file exists, that is, mid-write (a fixed sleep could land between writes)\n"
       "deadline = time.monotonic() + 60\n"
       "while time.monotonic() < deadline and not any('.tmp' in f.name for f in folder.iterdir()):\n"
       "    time.sleep(0.005)\n"
       "p.kill()\np.wait()\n"
       "temps = [f for f in folder.iterdir() if '.tmp' in f.name]\n"
       "if not temps:  # the probe would test nothing: say so rather than call an untested store handled\n"
       "    raise RuntimeError('no write was caught mid-way within a minute')\n"
       "try:\n    store.open_store('probe_kill', {'n': 1})\n    intact = True\nexcept Exception:\n    intact = False\n"
       "left = [f for f in folder.iterdir() if '.tmp' in f.name]\n"
       "verdict = 'data_lost' if not intact else ('silent' if left else 'handled')\n"
       "detail = (f'store intact: {intact}; temporary files after the kill {len(temps)}, '\n"
       "          f'after the next open {len(left)}')",
       True),
    # ------------------------------------------------------------------ distributed engine
    _P("dask_bad_address", "dask", "a scheduler address without a scheme",
       "from forlab.book import parallel\nwith parallel.client('localhost:8786'):\n    pass", True),
    _P("dask_silent_peer", "dask", "a scheduler address where a peer accepts and never answers",
       "import socket\nfrom forlab.book import parallel\nsrv = socket.socket()\nsrv.bind(('127.0.0.1', 0))\n"
       "srv.listen(4)\nwith parallel.client(f'tcp://127.0.0.1:{srv.getsockname()[1]}', timeout_s=3):\n    pass",
       True),
    _P("dask_stopped_worker", "dask", "FOR sampling with one of two Dask workers stopped (SIGSTOP)",
       "import signal, dask\nfrom distributed import LocalCluster\nfrom forlab.book import parallel\n"
       "from forlab.p1_for.sampling import sample_for\nnet = radial_ds()\n"
       "with dask.config.set({'distributed.worker.daemon': False}), LocalCluster(n_workers=2, threads_per_worker=1,"
       " processes=True, dashboard_address=':0', silence_logs=50) as cl:\n"
       "    with parallel.client(cl.scheduler_address) as c:\n        pid = min(c.run(os.getpid).values())\n"
       "    os.kill(pid, signal.SIGSTOP)\n"
       "    try:\n        sample_for(net, n_directions=4, face_grid=0, address=cl.scheduler_address, progress=False,"
       " task_timeout_s=10)\n    finally:\n        os.kill(pid, signal.SIGCONT)"),
)


PARAMETERS = ("probes", "timeout_s", "jobs")
"""The chapter's parameters (the notebook's ``parameters`` cell); `check_params` checks their types in its own
words (``probes`` may be a str or a list of names)."""


def check_params(params: dict) -> None:
    """ValueError unless ``params`` holds exactly `PARAMETERS` (`forlab.book.runner.check_names`: a misspelt key
    would keep its default), ``probes`` is "quick", "all", probe names joined by commas or a list of them
    (`probe_names`), ``timeout_s`` a positive number and ``jobs`` a positive integer."""
    check_names(params, PARAMETERS, "11_reliability")
    probes, timeout_s, jobs = params["probes"], params["timeout_s"], params["jobs"]
    if not (isinstance(probes, str) and probes in ("quick", "all")):
        chosen, names = probe_names(probes), {p.name for p in PROBES}
        if not chosen or set(chosen) - names:
            raise ValueError(f"probes: unknown or empty selection {sorted(set(chosen) - names) or probes!r}; "
                             f"give 'quick', 'all' or names joined by commas from: {', '.join(sorted(names))}")
    if isinstance(timeout_s, bool) or not isinstance(timeout_s, (int, float)) or not 0 < timeout_s < np.inf:
        raise ValueError(f"timeout_s must be a positive number of seconds, got {timeout_s!r}")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer (probes run at once), got {jobs!r}")


def probe_names(probes) -> list[str]:
    """The names of a selection that is neither "quick" nor "all": a str of names joined by commas (what
    ``forlab run 11_reliability -p probes a,b`` passes: the parameter's default is a str, so the command line gives
    a str) or a list of names; [] for anything else."""
    if isinstance(probes, str):
        return [n.strip() for n in probes.split(",") if n.strip()]
    return [str(n) for n in probes] if isinstance(probes, list) else []


def selected(probes) -> list[Probe]:
    """The probes of a selection: "quick" (the fast subset the book runs by default), "all", or names
    (`probe_names`)."""
    if probes == "all":
        return list(PROBES)
    if probes == "quick":
        return [p for p in PROBES if p.quick]
    return [p for p in PROBES if p.name in set(probe_names(probes))]


def classify(result: dict | None, timed_out: bool, stderr: str = "") -> tuple[str, str]:
    """(outcome, detail) of one probe from what its process printed (see module docstring)."""
    if timed_out:
        return "hang", "no answer within the timeout"
    if result is None:
        tail = [line for line in stderr.strip().splitlines() if line.strip()]
        return "crash", "the process died: " + (tail[-1] if tail else "no output")
    if result["kind"] == "returned":
        verdict = result["verdict"] if result["verdict"] in OUTCOMES else "silent"
        return verdict, result["detail"]
    message = result["message"].strip()
    detail = f"{result['type']}: {message}"
    own = result["origin"].startswith(FORLAB_SRC)
    if result["type"] in BUG_TYPES or not own or "\n" in message or not message:
        return "crash", detail
    return "handled", detail


def _kill(proc: subprocess.Popen) -> None:
    """End the probe's process group (the probe and whatever it started), then reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate()


DETAIL_LIMIT = 1000
"""The longest message a probe keeps (characters): enough for forlab's messages whole, with the advice that ends them
(at 400, four of them lost the words that say what to change), while a library's runaway traceback stays short."""


def run_probe(probe: Probe, timeout_s: float, root: Path | None = None) -> dict:
    """Run one probe in its own process (group) inside a scratch copy of the repository at ``root`` (`_scratch`,
    removed afterwards); returns name, group, outcome, detail and wall_time_s. The process sees ``FORLAB_RESULTS``
    = ``<scratch>/results`` and ``FORLAB_PROBE_DIR`` = the scratch folder."""
    from forlab.book.runner import find_root

    workdir = _scratch(root or find_root())
    try:
        return _run_in(probe, timeout_s, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _run_in(probe: Probe, timeout_s: float, workdir: Path) -> dict:
    from forlab.book.store import READS_LOG

    env = dict(os.environ, FORLAB_RESULTS=str(workdir / "results"), FORLAB_PROBE_DIR=str(workdir),
               PYTHONWARNINGS="ignore")
    env.pop(READS_LOG, None)  # the scratch stores a probe opens are not this chapter's inputs
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", HARNESS, PRELUDE, probe.code], cwd=workdir, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout_s)
        timed_out = False
    except subprocess.TimeoutExpired:
        _kill(proc)
        out, err, timed_out = "", "", True
    lines = [line[len(MARK):] for line in out.splitlines() if line.startswith(MARK)]
    outcome, detail = classify(json.loads(lines[-1]) if lines else None, timed_out, err)
    detail = detail.replace(str(workdir), "<scratch>")  # no machine path on the page
    return {"probe": probe.name, "group": probe.group, "what": probe.what, "outcome": outcome,
            "detail": clipped(detail, DETAIL_LIMIT), "wall_time_s": time.perf_counter() - t0,
            "quick": int(probe.quick)}


def _scratch(root: Path) -> Path:
    """A scratch repository for the probes: the table of contents and a copy of the notebooks (probes of
    `forlab run` write there, never into the real book), and an empty results root."""
    work = Path(tempfile.mkdtemp(prefix="forlab-probes-"))
    for name in ("_toc.yml",):
        if (root / name).is_file():
            shutil.copy2(root / name, work / name)
    if (root / "notebooks").is_dir():
        shutil.copytree(root / "notebooks", work / "notebooks")
    (work / "book" / "chapters").mkdir(parents=True)
    (work / "results").mkdir()
    return work


def run(params: dict, progress: bool = True) -> xr.Dataset:
    """The chapter's store: every selected probe run in its own process (``jobs`` at a time, each at most
    ``timeout_s``), one row per probe with its group, outcome, detail and wall time, and the counts per outcome."""
    from forlab.book.progress import bar as progress_bar
    from forlab.book.runner import find_root

    check_params(params)
    probes = selected(params["probes"])
    root = find_root()
    bar = progress_bar(total=len(probes), desc="probes", disable=not progress)
    try:
        with ThreadPoolExecutor(max_workers=params["jobs"]) as pool:
            futures = [pool.submit(run_probe, p, float(params["timeout_s"]), root) for p in probes]
            rows = []
            for fut in futures:
                rows.append(fut.result())
                bar.update(1)
    finally:
        bar.close()
    return _dataset(pd.DataFrame(rows))


def _dataset(t: pd.DataFrame) -> xr.Dataset:
    counts = t.outcome.value_counts().reindex(list(OUTCOMES), fill_value=0)

    def col(name, units, long_name):
        return ("probe", t[name].to_numpy(), {"units": units, "long_name": long_name})

    return xr.Dataset(
        {
            "group": col("group", "-", "kind of input probed"),
            "what": col("what", "-", "what the probe feeds forlab"),
            "outcome": col("outcome", "-", "handled, crash, hang, silent or data_lost"),
            "detail": col("detail", "-", "the error message or what was wrong"),
            "wall_time_s": col("wall_time_s", "s", "wall-clock time of the probe's process"),
            "quick": col("quick", "1", "in the default (quick) subset"),
            "count": ("result", counts.to_numpy(int), {"units": "1", "long_name": "probes per outcome"}),
        },
        coords={"probe": t.probe.to_numpy(), "result": list(OUTCOMES)},
    )


WALL_TIME = "wall time (s)"
"""The probe table's column of each probe's wall time: the page's sum and longest time are read from it."""
OUTCOME_HEADER = "outcome, wall time"
"""The page's column of each probe's outcome with its wall time ("handled, 0.5 s"): a sixth column of its own made the
table wider than the text column (ci140's build), its messages cut at the right edge."""


def probes_table(st: xr.Dataset) -> pd.DataFrame:
    """One row per probe: group, what it tried, outcome, its wall time (s, the times `time_text` sums) and the
    message (or what was wrong), as the probe wrote it (a long message already clipped by the probe,
    `forlab.book.tables.clipped`)."""
    t = pd.DataFrame({"group": st.group.values, "probe": st.probe.values, "tried": st.what.values,
                      "outcome": st.outcome.values, WALL_TIME: st.wall_time_s.values.astype(float),
                      "message or finding": [str(d) for d in st.detail.values]})
    return t.sort_values(["group", "probe"]).reset_index(drop=True)


LONG_TOKEN = 12
"""Words longer than this (characters: paths, identifiers, system names, solver messages) get break opportunities,
or they widen the table past the text column: at 24, the words "no_such_chapter" and "case118+case33bw*8+case69*2"
stayed whole and the table was 792 px wide, past the 688 px column of a 1280 px window."""
BREAK_AFTER = "/_=+"
"""Where such a word may break: after a path separator, an underscore, an equals sign or a plus (between the cases of
a system name); after a dot too, where a letter follows (`_breakable`)."""
_DOT_BEFORE_LETTER = re.compile(r"\.(?=[A-Za-z])")


def _breakable(word: str) -> str:
    """``word`` with break opportunities (`forlab.book.tables.wrappable`, as `WBR` tags: a name, path or command
    copied from the page is the one typed) if longer than `LONG_TOKEN`: after each `BREAK_AFTER` character and after
    a dot followed by a letter (``forlab.p1_for.offer``, ``td.load_system``), never inside a number (an address such
    as 127.0.0.1 stays whole) nor between the slashes of a scheme (``tcp://``)."""
    if len(word) <= LONG_TOKEN:
        return word
    return wrappable(_DOT_BEFORE_LETTER.sub("." + WBR, word), BREAK_AFTER, mark=WBR).replace(f"/{WBR}/", "//")


_CODE_OR_WORD = re.compile(r"`[^`]*`|[^\s`]+")
"""A code span (kept whole) or a run of text without space or backquote (`_breakable`), for `_cell`."""

_CODE_OR_TEXT = re.compile(r"`[^`]*`|[^`]+")
"""A code span (kept whole) or a run of text up to the next one (`nowrap_numbers`), for `_cell`."""


def _cell(text: str) -> str:
    """Text safe in a Markdown table cell: no pipe, no HTML, no emphasis (a message's grammar ``[*<n>]`` set half
    of it in italics), no line break; long words breakable (`_breakable`) and grouped numbers unbroken
    (`forlab.book.tables.nowrap_numbers`: a store's "2 048 MiB" would otherwise break at its separator), except
    inside a code span, where either tag would print as text (the browser breaks a code span at its spaces only)."""
    text = str(text).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("*", "\\*")
    cell = _CODE_OR_WORD.sub(lambda m: m[0] if m[0].startswith("`") else _breakable(m[0]), " ".join(text.split()))
    return _CODE_OR_TEXT.sub(lambda m: m[0] if m[0].startswith("`") else nowrap_numbers(m[0]), cell)


def probes_markdown(st: xr.Dataset) -> str:
    """Markdown table of `probes_table` (a Markdown table wraps long messages; a DataFrame would cut them)."""
    t = probes_table(st)
    rows = [f"| group | probe | tried | {OUTCOME_HEADER} | message or finding |", "|---|---|---|---|---|"]
    # a probe's name as plain text that may break after every underscore: in code font it could not break at all
    # (a code span breaks at its spaces only, and a name has none) and the table was 854 px wide in the 772 px column
    rows += [f"| {_cell(r.group)} | {wrappable(r.probe, '_', mark=WBR)} | {_cell(r.tried)} | "
             f"**{r.outcome.replace('_', ' ')}**, {nowrap_numbers(grouped(r[WALL_TIME], 1))} s | "
             f"{_cell(r['message or finding'])} |"
             for _, r in t.iterrows()]
    return "\n".join(rows)


def paper_text(big: xr.Dataset | None) -> str:
    """Markdown: where the store of every probe comes from (its path, git commit and when it was written, the way
    every chapter names its stores, `forlab.book.store.origin_text`) and the parameters it ran with, as every
    paper-scale section names them (`forlab.book.store.paper_origin`), or how to make one."""
    if big is None:
        return missing_profile_text("11_reliability", what="store of every probe",
                                    also="`.venv/bin/python scripts/probes.py --profile paper`")
    return paper_origin(big)


def outcome_word(outcome: str) -> str:
    """An outcome as the page names it ("data lost" for ``data_lost``)."""
    return outcome.replace("_", " ")


def counts_table(st: xr.Dataset) -> pd.DataFrame:
    """Probes per group (rows) and outcome (columns, in words: `outcome_word`), with totals. The columns are not
    named, so that "group" heads the rows in the one header row (`forlab.book.tables.one_header_row`)."""
    t = pd.crosstab(pd.Series(st.group.values, name="group"), pd.Series(st.outcome.values))
    t = t.reindex(columns=list(OUTCOMES), fill_value=0).rename(columns=outcome_word).rename_axis(columns=None)
    t.loc["all"] = t.sum()
    return t


def outcomes_differ(st: xr.Dataset) -> bool:
    """Whether the probes of the store ended in more than one outcome: only then does `outcome_figure` show more
    than `counts_table` (bars of one colour would only repeat the table), so the page draws it only then."""
    return len(set(st.outcome.values)) > 1


def outcome_figure(st: xr.Dataset):
    """Stacked horizontal bars: per group of inputs, how many probes ended in each outcome (the page draws it when
    `outcomes_differ`)."""
    import matplotlib.pyplot as plt

    t = counts_table(st).drop(index="all")
    fig, ax = plt.subplots(figsize=(7.0, 0.45 * len(t) + 1.4))
    left = np.zeros(len(t))
    for outcome in OUTCOMES:
        vals = t[outcome_word(outcome)].to_numpy(float)
        if vals.any():
            ax.barh(t.index, vals, left=left, color=COLOURS[outcome], label=outcome_word(outcome))
        left += vals
    ax.set_xlabel("probes")
    ax.invert_yaxis()
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22 - 0.3 / len(t)), ncol=len(OUTCOMES),
              fontsize="small", frameon=False)
    fig.tight_layout()
    return fig


def summary_text(st: xr.Dataset) -> str:
    """Markdown: how many probes ran and how many ended in each outcome, and which did not end cleanly."""
    n = st.sizes["probe"]
    counts = {o: int(st["count"].sel(result=o)) for o in OUTCOMES}
    parts = ", ".join(f"{counts[o]} {outcome_word(o)}" for o in OUTCOMES)
    bad = [str(p) for p, o in zip(st.probe.values, st.outcome.values) if o != "handled"]
    tail = (f" Not handled yet: {', '.join(f'`{b}`' for b in bad)}." if bad
            else " Every probe ended with a clear message, a recorded failure or a check of its files that passed.")
    return f"{counted(n, 'probe')} ran: {parts}.{tail}"


def time_text(st: xr.Dataset) -> str:
    """Markdown: the probes' total and longest wall time, of the column `OUTCOME_HEADER` of the table above it."""
    w = st.wall_time_s.values
    return (f"The probes' wall times (column *{OUTCOME_HEADER}* above) add up to {grouped(w.sum())} s; the longest, "
            f"`{st.probe.values[int(np.argmax(w))]}`, took {grouped(w.max(), 1)} s.")
