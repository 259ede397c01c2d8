"""Every archived store still renders with the same numbers.

``tests/data/archived_figures.json`` holds the figures the chapters printed from the archived paper-scale stores
when they were recorded (first by the readers before the house issue, commit 85c1b14), and which store each was
printed from (its ``created_utc`` and ``git_commit``). Each test here prints the same figure with today's readers and
compares the numbers in it, in order: labels may be renamed (one name per concept), a number may not change.

When a store is re-archived, or a reader is changed ON PURPOSE to print other numbers (say why in the commit), the
figures are re-recorded with ``python scripts/record_archived_figures.py``; the test below tells a re-archived store
from a changed reader by the recorded store identity.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from forlab.book import store
from forlab.studies import ch02_grids_and_acopf as ch02
from forlab.studies import ch03_for_sampling as ch03
from forlab.studies import ch04_for_representation as ch04
from forlab.studies import ch05_coordination as ch05
from forlab.studies import ch06_ml_surrogate, ch07_aladin, ch08_sensitivity, ch09_comparison, ch12_many_dsos
from forlab.studies import ch11_reliability as ch11

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "tests" / "data" / "archived_figures.json"
RECORDED = json.loads(RECORD.read_text())
BEFORE = RECORDED["figures"]
ARCHIVED = {"02": "02_grids_and_acopf/7ccbd865f91c", "03": "03_for_sampling/9981222d8a79",
            "04": "04_for_representation/f825faf9f520", "05": "05_coordination/bc6afb1b33bf",
            "06": "06_ml_surrogate/eb5188640d37", "07": "07_aladin/9c43f9097d47",
            "07p": "07_aladin/cda932858838", "08": "08_sensitivity/c42632e1be90",
            "11": "11_reliability/88dd639b18ec", "12": "12_many_dsos/1309e3171cb7"}
NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)*(?:e[-+]?\d+)?")


def numbers(text: str) -> list[str]:
    """The numbers of a printed figure, in order (labels and words dropped; digits inside names kept apart)."""
    return NUMBER.findall(re.sub(r"[A-Za-z_]+\d*", " ", text))


@pytest.fixture(scope="module")
def archived():
    return {k: store.open_path(ROOT / "archive" / f"{v}.nc") for k, v in ARCHIVED.items()}


def printed(archived) -> dict[str, str]:
    out = {}
    # chapters 02, 03 and 11 print these from their paper-scale store (the notebooks' last section)
    big = archived["02"]
    keys = ("02.paper_optima", "02.paper_check", "02.paper_times", "02.paper_runopp")
    for key, (title, shown) in zip(keys, ch02.paper_tables(big), strict=True):
        out[key] = f"{title}\n{shown.to_string()}"
    out["02.paper_text"] = ch02.paper_text(big)
    out["02.pglib_text"] = ch02.pglib_text(big)
    out["02.pglib_table"] = ch02.pglib_table(big).to_string()
    out["02.build_text"] = ch02.build_text(big)
    big = archived["03"]
    out["03.summary"] = ch03.printed(ch03.summary_table(big)).to_string()
    out["03.opf_count"] = ch03.opf_count_text(big)
    out["03.timing"] = ch03.printed(ch03.timing_table(big), ch03.TIMING_SHOWN).to_string()
    out["03.paper_text"] = ch03.paper_text(big)
    out["03.coverage"] = ch03.printed(ch03.coverage_table(big, wall_time=False), digits=4).to_string()
    out["03.coverage_text"] = ch03.coverage_text(big)
    big = archived["11"]
    out["11.paper_text"] = ch11.paper_text(big)
    out["11.summary"] = ch11.summary_text(big)
    out["11.counts"] = ch11.counts_table(big).to_string()
    out["11.probes"] = ch11.probes_markdown(big)
    info = ch04.offer_info(archived["04"])
    out["04.offer_lines"] = ch04.offer_lines(info)
    out["04.offer_table"] = ch04.offer_table(info).round(4).to_string()
    _, table, per = ch05.coordination_table(archived["05"])
    out["05.summary"] = ch05.coordination_summary(per)
    out["05.targets"] = ch05.coordination_targets(per)
    out["05.misses"] = ch05.coordination_misses(archived["05"])
    out["05.table"] = table.to_string()
    out["05.time_note"] = ch05.coordination_time_note(ch05.coordination_iterations(archived["05"]))
    _, t6, p6 = ch06_ml_surrogate.benchmark_table(archived["06"])
    out["06.benchmark_table"] = t6.to_string()
    out["06.benchmark_summary"] = ch06_ml_surrogate.benchmark_summary(p6)
    out["06.benchmark_targets"] = ch06_ml_surrogate.benchmark_targets(p6)
    out["06.safety"] = ch06_ml_surrogate.safety_summary(archived["06"])
    out["06.scores"] = ch06_ml_surrogate.scores_table(archived["06"]).round(3).to_string()
    max_iter = json.loads(archived["07"].attrs["parameters"])["max_iter"]
    conv = ch07_aladin.convergence_table(archived["07"])
    out["07.targets_text"] = ch07_aladin.targets_text(ch07_aladin.targets(conv, max_iter), max_iter)
    out["07.convergence"] = conv.round(6).to_string()
    paper = ch07_aladin.scaling_report(archived["07p"])
    out["07.paper_wall"] = "\n\n".join(f"{title}\n{t.to_string()}"  # the two tables the page prints
                                       for title, t in ch07_aladin.wall_times_tables(paper["wall"]))
    out["07.paper_targets"] = ch07_aladin.targets17_text(paper["targets"])
    out["07.paper_claim"] = ch07_aladin.claim_text(paper["wall"])
    runs = ch08_sensitivity.frame(archived["08"])
    out["08.findings"] = ch08_sensitivity.findings(runs)
    out["08.summary"] = ch08_sensitivity.summary(runs).round(4).to_string()
    rows = pd.concat([ch09_comparison.p1_rows(archived["05"]), ch09_comparison.p2_rows(archived["06"]),
                      ch09_comparison.p3_rows(archived["07"])], ignore_index=True)
    same = ch09_comparison.common_load(rows)  # like with like: the load every method ran
    out["09.per_system"] = ch09_comparison.printed(ch09_comparison.per_system(same)).to_string()
    out["09.own_loads"] = ch09_comparison.own_loads_table(rows).to_string()
    t12 = ch12_many_dsos.frame(archived["12"])
    online, effort = ch12_many_dsos.outcome_tables(t12)
    out["12.online"], out["12.effort"] = online.to_string(), effort.to_string()
    out["12.winners"] = ch12_many_dsos.winners_text(t12)
    out["12.largest"] = ch12_many_dsos.largest_size_text(t12)
    out["12.growth"] = ch12_many_dsos.growth_text(t12)
    out["12.targets"] = ch12_many_dsos.targets(archived["12"]).to_string()
    out["12.missed"] = ch12_many_dsos.missed_text(archived["12"])
    out["12.noise"] = ch12_many_dsos.noise_text(t12)
    out["12.p2"] = ch12_many_dsos.p2_text(t12)
    out["12.sizes"] = ch12_many_dsos.size_table(archived["12"]).to_string()
    scale = ch09_comparison.scale_rows(archived["12"])
    out["09.scale_table"] = "\n\n".join(  # chapter 12's tables of chapter 09's rows
        f"{title}\n{shown.to_string()}" for title, shown in ch12_many_dsos.paper_tables(scale))
    out["09.scale_text"] = ch09_comparison.scale_text(scale)
    return out


def identity(ds) -> dict[str, str]:
    """What tells one archived store from its re-run: when and from which commit it was written."""
    return {"created_utc": str(ds.attrs.get("created_utc")), "git_commit": str(ds.attrs.get("git_commit"))}


def test_figures_were_recorded_from_the_archived_stores(archived):
    now = {k: identity(ds) for k, ds in archived.items()}
    stale = sorted(k for k in now if RECORDED["stores"].get(k) != now[k])
    assert not stale, (f"archived stores {stale} were re-written since the figures were recorded; check the new "
                       f"numbers on their pages, then `python scripts/record_archived_figures.py`")


def test_every_archived_store_is_recorded():
    stores = sorted(f"{p.parent.name}/{p.stem}" for p in (ROOT / store.ARCHIVE).glob(f"*/*{store.SUFFIX}"))
    assert stores and sorted(ARCHIVED.values()) == stores, "add the archived store to ARCHIVED and printed()"
    assert sorted(RECORDED["stores"]) == sorted(ARCHIVED)


def test_archived_stores_print_the_same_numbers(archived):
    now = printed(archived)
    assert set(now) == set(BEFORE)
    changed = [k for k in BEFORE if numbers(now[k]) != numbers(BEFORE[k])]
    assert changed == []


def test_numbers_sees_a_changed_figure():
    assert numbers("deviation 0.0499 % on case9+case33bw") == ["0.0499"]
    assert numbers("deviation 0.0499 %") != numbers("deviation 0.0500 %")
