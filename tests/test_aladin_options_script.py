"""scripts/aladin_options.py: ALADIN's rounds with other options than the default, against the default (issue 17)."""

import pandas as pd
import pytest


def test_option_sets_must_be_json_objects_of_aladin_options(script):
    script = script("aladin_options")
    assert script.option_sets(['{"mu0": 100}']) == [{"mu0": 100}]
    with pytest.raises(ValueError, match="not a JSON object of ALADINOptions fields"):
        script.option_sets(["mu0=100"])
    with pytest.raises(ValueError, match="'{\"mu_zero\": 100}' is not"):
        script.option_sets(['{"mu_zero": 100}'])


def test_summary_counts_rounds_against_the_default_where_both_converged(script):
    table = pd.DataFrame([
        {"system": "a", "options": "default", "converged": True, "rounds": 6},
        {"system": "a", "options": "x", "converged": True, "rounds": 10},
        {"system": "b", "options": "default", "converged": False, "rounds": 30},
        {"system": "b", "options": "x", "converged": True, "rounds": 11},
        {"system": "c", "options": "default", "converged": True, "rounds": 9},
        {"system": "c", "options": "x", "converged": True, "rounds": 9},
    ])
    row = script("aladin_options").summary(table).iloc[0]
    assert (row["converged"], row["default converged"]) == (3, 2)
    assert (row["more rounds"], row["fewer rounds"], row["same rounds"]) == (1, 0, 1)


def test_the_script_runs_aladin_with_and_without_the_options(capsys, script):
    """A real run on the smallest T+D system: the default and a held slack penalty both converge."""
    script = script("aladin_options")
    assert script.main(["--options", '{"mu_update": 1}', "--systems", "case9+case33bw"]) == 0
    out = capsys.readouterr().out
    assert "case9+case33bw" in out and '{"mu_update": 1}' in out and "more rounds" in out
    row = script.system_runs("case9+case33bw", [{}])[0]
    assert row["converged"] and row["target_round"] <= row["rounds"] and row["error"] == ""


def test_an_unknown_system_is_rejected_before_any_run(monkeypatch, script):
    """A system name the chapter does not know fails the command before any system is run, even a known one
    listed first."""
    script = script("aladin_options")
    monkeypatch.setattr(script, "system_runs", lambda *args: pytest.fail("a system ran before the names were checked"))
    with pytest.raises(ValueError, match=r"systems: unknown system 'case9:0x'; use 'case118:3'"):
        script.main(["--options", '{"mu_update": 1}', "--systems", "case9+case33bw", "case9:0x"])


@pytest.mark.parametrize(("argv", "says"), [
    (["--options", "{}"], "is empty"),
    (["--options", '{"mu0": 100}', '{"mu0":100}'], "given twice"),
    (["--options", '{"mu0": 1, "mu_update": 1}', '{"mu_update": 1, "mu0": 1}'], "given twice"),
    (["--options", "mu0=100"], "not a JSON object of ALADINOptions fields"),
    (["--options", "[1]"], "not a JSON object of ALADINOptions fields"),
    (["--options", '{"mu0": 100}', "--systems", "case9+case33bw", "case9+case33bw"], "more than once"),
])
def test_empty_repeated_or_malformed_sets_stop_the_command_before_any_run(monkeypatch, capsys, script, argv, says):
    """`{}` or a repeated set made the summary's pivot raise "Index contains duplicate entries" after the whole
    sweep; a malformed set raised an uncaught ValueError."""
    script = script("aladin_options")
    monkeypatch.setattr(script, "system_runs", lambda *args: pytest.fail("a system ran before the sets were checked"))
    if "--systems" not in argv:
        argv = [*argv, "--systems", "case9+case33bw"]
    with pytest.raises(SystemExit) as info:
        script.main(argv)
    assert info.value.code == 2 and says in capsys.readouterr().err
