#!/usr/bin/env python3
"""The hostile probes of chapter 11 (issue 20) from the command line.

    .venv/bin/python scripts/probes.py                      # the quick subset (the chapter's defaults)
    .venv/bin/python scripts/probes.py --profile paper      # every probe (the chapter's paper profile)
    .venv/bin/python scripts/probes.py --only offer_nan_coef island_open_line
    .venv/bin/python scripts/probes.py --tls-overhead       # also time Dask round trips over TCP and TLS

Each probe runs in its own process with a timeout, in a scratch copy of the repository
(`forlab.studies.ch11_reliability.run`); the outcomes are written to the chapter's store
(``results/11_reliability/<hash>.nc``, the store the chapter page shows for these parameters) and printed as a table.
The exit status is 0 when every probe was handled cleanly, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys

import pandas as pd

from forlab.book import parallel, runner, store
from forlab.studies import ch11_reliability as ch11

CHAPTER = "11_reliability"


def _params(args: argparse.Namespace) -> dict:
    """The chapter's parameters for the command line's choice (profile, probe names, timeout, jobs)."""
    params = runner.profile_params(CHAPTER, args.profile) if args.profile else runner.chapter_params(CHAPTER)
    if args.only:
        params["probes"] = ",".join(args.only)  # as `forlab run -p probes a,b` gives it, so the store's hint re-makes it
    if args.timeout_s is not None:
        params["timeout_s"] = float(args.timeout_s)
    if args.jobs is not None:
        params["jobs"] = int(args.jobs)
    ch11.check_params(params)
    return params


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", help="a profile of the chapter notebook (paper: every probe)")
    ap.add_argument("--only", nargs="+", metavar="PROBE", help="run only these probes (names: --list)")
    ap.add_argument("--timeout-s", type=float, help="seconds before a probe counts as hung")
    ap.add_argument("--jobs", type=int, help="probes run at the same time")
    ap.add_argument("--list", action="store_true", help="list the probes and exit")
    ap.add_argument("--tls-overhead", action="store_true", help="also time Dask round trips over TCP and TLS")
    args = ap.parse_args(argv)
    if args.list:
        for p in ch11.PROBES:
            print(f"{p.name:24s} {p.group:12s} {'quick' if p.quick else '     '} {p.what}")
        return 0
    params = _params(args)
    st = ch11.run(params)
    path = store.save(st, CHAPTER, params)
    with pd.option_context("display.width", 200, "display.max_colwidth", 110):
        print(ch11.probes_table(st)[["group", "probe", "outcome", "message or finding"]].to_string(index=False))
        print()
        print(ch11.counts_table(st).to_string())
    print(f"\nstore: {store.shown_path(path)}")
    if args.tls_overhead:
        print(json.dumps(parallel.tls_overhead(), indent=1))
    return 0 if (st.outcome == "handled").all() else 1


if __name__ == "__main__":
    sys.exit(main())
