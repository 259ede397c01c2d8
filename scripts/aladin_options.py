#!/usr/bin/env python3
"""ALADIN's rounds with other options than the default, system by system, against the default (issue 17).

    .venv/bin/python scripts/aladin_options.py --options '{"mu0": 100}'                # chapter 07's paper systems
    .venv/bin/python scripts/aladin_options.py --options '{"mu0": 100}' '{"mu_update": 1}' --systems case118:2 53-I

Every system (a chapter-07 system name, `forlab.studies.ch07_aladin.systems.load`; default: the systems and growth
systems of chapter 07's paper profile) is solved in-process by ALADIN with the default options and with each option
set given, from the same start; the table gives per run whether it stopped by its test, its rounds and the first
round at the chapter's target (consensus and gap, `forlab.studies.ch07_aladin.readers.TARGET_CONSENSUS` and
``TARGET_GAP``), then per option set how many systems took more, fewer or the same rounds than with the default.
A run that raises is a row with its error, never the end of the sweep. Rounds, not times, are what this compares;
a few systems' rounds depend on the machine's round-off (chapter 07), so compare runs made on one machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings

import pandas as pd

from forlab.book import progress, runner
from forlab.p3_aladin import ALADINOptions, run_aladin
from forlab.studies.ch07_aladin.readers import TARGET_CONSENSUS, TARGET_GAP
from forlab.studies.ch07_aladin.systems import check_spec, load

CHAPTER = "07_aladin"


def paper_systems() -> list[str]:
    """The systems and growth systems of chapter 07's paper profile, in that order."""
    params = runner.profile_params(CHAPTER, "paper")
    return list(dict.fromkeys([*params["systems"], *params["growth_systems"]]))


def option_sets(texts: list[str]) -> list[dict]:
    """The option sets of the command line (JSON objects), each checked by `ALADINOptions`. ValueError naming a set
    that is not one, is empty or repeats another: the table has one column per set, beside the default's, and a
    second column of one name stopped the summary only after the whole sweep."""
    sets, seen = [], set()
    for text in texts:
        opts = _option_set(text)
        key = json.dumps(opts, sort_keys=True)
        if not opts or key in seen:
            what = "empty (the default run, which the table has already)" if not opts else "given twice"
            raise ValueError(f"--options {text!r} is {what}: give each set of other options once")
        seen.add(key)
        sets.append(opts)
    return sets


def _option_set(text: str) -> dict:
    """One ``--options`` word as a dict of `ALADINOptions` fields (ValueError naming it otherwise)."""
    try:
        opts = json.loads(text)
        ALADINOptions(**opts)
    except (json.JSONDecodeError, TypeError, ValueError) as err:
        raise ValueError(f"--options {text!r} is not a JSON object of ALADINOptions fields: {err}") from err
    return opts


def system_runs(system: str, sets: list[dict]) -> list[dict]:
    """In-process ALADIN runs of ``system`` (built once) with each option set over the defaults, as rows of the
    table; a system that cannot be built gives a row with its error for every set."""
    try:
        net, part = load(system)
    except Exception as err:  # noqa: BLE001 - a system that cannot be built is rows of the table, not the end
        return [_failed_row(system, o, err) for o in sets]
    return [_run_row(system, o, net, part) for o in sets]


def _run_row(system: str, options: dict, net, part) -> dict:
    """One run of ``system``'s net and partition with ``options``: stopped by its test, rounds, first round at the
    chapter's target."""
    try:
        res = run_aladin(net, part, ALADINOptions(**options))
    except Exception as err:  # noqa: BLE001 - a run that raises is a row of the table, not the end of the sweep
        return _failed_row(system, options, err)
    log = res.log
    hit = log.index[(log.consensus <= TARGET_CONSENSUS) & (log.gap <= TARGET_GAP)]
    return {"system": system, "options": _label(options), "converged": res.converged, "rounds": res.iterations,
            "target_round": float(hit.min()) if len(hit) else float("nan"), "error": ""}


def _failed_row(system: str, options: dict, err: BaseException) -> dict:
    return {"system": system, "options": _label(options), "converged": False, "rounds": float("nan"),
            "target_round": float("nan"), "error": str(err)}


def _label(options: dict) -> str:
    """How an option set is named in the table: its JSON, "default" for none."""
    return json.dumps(options) if options else "default"


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per option set, against the default over the systems both runs converged on: how many took more, fewer and
    the same rounds, and how many converged at all."""
    rounds = table.pivot(index="system", columns="options", values="rounds")
    done = table.pivot(index="system", columns="options", values="converged").astype(bool)
    rows = []
    for name in [c for c in rounds.columns if c != "default"]:
        both = done["default"] & done[name]
        diff = rounds[name][both] - rounds["default"][both]
        rows.append({"options": name, "converged": int(done[name].sum()),
                     "default converged": int(done["default"].sum()), "more rounds": int((diff > 0).sum()),
                     "fewer rounds": int((diff < 0).sum()), "same rounds": int((diff == 0).sum())})
    return pd.DataFrame(rows)


def arguments(argv: list[str] | None) -> tuple[list[dict], list[str]]:
    """The option sets and systems of the command line; a malformed, empty or repeated option set, or a repeated
    system, ends the command (exit status 2) before anything runs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--options", nargs="+", required=True, help="JSON objects of ALADINOptions fields")
    parser.add_argument("--systems", nargs="+", help="chapter-07 system names (default: its paper profile's)")
    args = parser.parse_args(argv)
    try:
        sets = option_sets(args.options)
    except ValueError as err:
        parser.error(str(err))
    systems = args.systems or paper_systems()
    repeated = sorted({s for s in systems if systems.count(s) > 1})
    if repeated:
        parser.error(f"--systems names {', '.join(repeated)} more than once: name each system once")
    return sets, systems


def main(argv: list[str] | None = None) -> int:
    sets, systems = arguments(argv)
    for spec in systems:
        check_spec(spec)
    warnings.filterwarnings("ignore", category=FutureWarning)  # pandapower's, once per system
    rows = [row for s in progress.bar(systems, desc="ALADIN systems", unit="system")
            for row in system_runs(s, [{}, *sets])]
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_rows", None):
        print(table.to_string(index=False))
        print(summary(table).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
