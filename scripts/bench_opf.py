#!/usr/bin/env python3
"""The AC-OPF benchmark of chapter 02 from the command line.

    .venv/bin/python scripts/bench_opf.py            # the chapter's default parameters (about a minute)
    .venv/bin/python scripts/bench_opf.py --paper    # the paper profile: + case1354pegase, every study system
    .venv/bin/python scripts/bench_opf.py -p repeats 5 -p runopp_cases='["case9"]'

``-p`` takes a parameter as ``forlab run -p`` does (NAME VALUE or NAME=VALUE, each name once): the same parsing,
`forlab.book.cli.split_assignments`.

It runs the chapter notebook itself (`forlab run 02_grids_and_acopf`), so the command line and the book compute the
same numbers in the same way: the store lands in ``results/02_grids_and_acopf/<hash>.nc`` and the executed notebook
next to it (in ``book/chapters/`` for the defaults). Then it prints the key numbers from the store: validation
against MATPOWER's optima, speed-ups over pandapower's ``runopp`` and the largest solve times.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import xarray as xr

from forlab.book import anchors, cli, runner, store
from forlab.book.tables import table

CHAPTER = "02_grids_and_acopf"


def _target(key: str) -> str:
    """A registered target as the report prints it, e.g. ">= 10x" (`forlab.book.anchors`)."""
    a = anchors.anchor(key)
    return f"{a.relation} {a.show()}"


def report(path: Path) -> str:
    """Key numbers of a chapter-02 store as plain text."""
    with xr.open_dataset(path, engine=store.ENGINE) as ds:
        ds = ds.load()
    opf = table(ds, "net", "net_", index="net")
    lines = [f"store {path}", f"parameters {ds.attrs['parameters']}", f"git {ds.attrs['git_commit']}", ""]
    val = opf[opf.published_objective.notna()]
    lines.append("validation against MATPOWER (objective $/h, relative error, max |dV| p.u.):")
    for name, r in val.iterrows():
        err = (r.forlab_objective - r.published_objective) / r.published_objective
        lines.append(
            f"  {name:16} {r.forlab_objective:14,.2f} vs {r.published_objective:14,.2f}  {err:+.1e}  "
            f"dV {r.forlab_pf_max_dvm_pu:.1e}  {r.forlab_status}"
        )
    lines.append("")
    lines.append("speed (s) and speed-ups over runopp (power-flow start):")
    lines.append(
        f"  {'net':28} {'buses':>6} {'build':>7} {'solve':>7} {'warm':>7} {'runopp':>7} "
        f"{'x total':>8} {'x solve':>8}  runopp pf / flat"
    )
    for name, r in opf.iterrows():
        lines.append(
            f"  {name:28} {int(r.buses):6d} {r.forlab_build_time_s:7.3f} {r.forlab_solve_time_s:7.3f} "
            f"{r.forlab_warm_solve_time_s:7.3f} {r.runopp_wall_time_s:7.2f} {r.speedup_total:8.1f} {r.speedup_solve:8.1f}  "
            f"{r.runopp_status} / {r.runopp_flat_status}"
        )
    both = opf[opf.speedup_total.notna()]
    if len(both):
        lines.append(
            f"  where both converge: start+build+solve {both.speedup_total.min():.1f}-{both.speedup_total.max():.1f}x, "
            f"solve {both.speedup_solve.min():.0f}-{both.speedup_solve.max():.0f}x "
            f"(target {_target('acopf_speedup_vs_runopp')})"
        )
    if opf.buses.nunique() > 1:
        fit = np.polyfit(np.log(opf.buses.astype(float)), np.log(opf.forlab_solve_time_s.astype(float)), 1)
        lines.append(
            f"  solve time ~ buses^{fit[0]:.2f} over {int(opf.buses.min())}-{int(opf.buses.max())} buses"
        )
    if "case1354pegase" in opf.index:
        r, target = opf.loc["case1354pegase"], anchors.anchor("acopf_case1354pegase_solve_s")
        if r.forlab_success:
            t = float(r.forlab_solve_time_s)
            verdict = "met" if target.met(t) else "MISSED"
            lines.append(f"  case1354pegase solve {t:.2f} s (target {_target(target.key)}: {verdict})")
        else:  # a failed solve's time is not the time of a solution: it meets no target
            lines.append(f"  case1354pegase solve failed ({r.forlab_status}; target {_target(target.key)}: MISSED)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    # forlab run's parser class and parsing: a usage error about -p says how to write one, NAME=VALUE is split
    parser = cli.Parser(description=__doc__.splitlines()[0])
    parser.add_argument("--paper", action="store_true", help="the chapter's paper profile")
    parser.add_argument(
        *cli.PARAMETER_FLAGS,
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help=f"override a chapter parameter as forlab run -p: {cli.PARAMETER_FORMS}; repeatable, each name once",
    )
    parser.add_argument("--no-progress", action="store_true", help="no per-cell progress bar")
    args = parser.parse_args(cli.split_assignments(sys.argv[1:] if argv is None else list(argv)))
    root = runner.find_root(Path(__file__).resolve().parent)
    try:
        result = runner.run_chapter(
            root,
            CHAPTER,
            [tuple(p) for p in args.parameter],
            "paper" if args.paper else None,
            progress_bar=not args.no_progress,
        )
    except runner.ParameterError as err:
        print(f"bench_opf: {err}", file=sys.stderr)
        return 2
    except runner.ChapterFailed as err:
        print(f"bench_opf: {err}", file=sys.stderr)
        return 1
    print(report(result.store))
    print(f"notebook {result.notebook}")
    print(f"parameters {json.dumps(result.parameters, sort_keys=True)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
