"""forlab.book.progress: bars on the terminal, never in a notebook's outputs."""

import io
import os
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from forlab.book import progress


class KernelStream(io.StringIO):
    """Stands in for ipykernel's OutStream: what is written to it becomes a cell output."""

    def __init__(self, fd=None):
        super().__init__()
        self.fd = fd

    def fileno(self):
        if self.fd is None:
            raise io.UnsupportedOperation("fileno")
        return self.fd


KernelStream.__module__ = "ipykernel.iostream"


def test_plain_process_draws_on_stderr(capsys):
    assert not progress.in_kernel()
    for _ in progress.bar(range(3), desc="plainbar"):
        pass
    err = capsys.readouterr().err
    assert "plainbar" in err and "3/3" in err


def test_disabled_bar_draws_nothing(capsys):
    bar = progress.bar(total=4, desc="quietbar", disable=True)
    bar.update(4)
    bar.close()
    assert "quietbar" not in capsys.readouterr().err


def test_kernel_bar_goes_to_the_original_stderr_descriptor(monkeypatch):
    """ipykernel captures descriptor 2 into the cell; the bar writes to the copy of the original descriptor."""
    read_end, write_end = os.pipe()
    cell = KernelStream(write_end)
    monkeypatch.setattr(sys, "stderr", cell)
    monkeypatch.setattr(sys, "__stderr__", io.StringIO())  # would be captured too: must stay unused
    try:
        assert progress.in_kernel()
        bar = progress.bar(total=2, desc="kernelbar")
        bar.update(2)
        bar.close()
        progress.terminal().flush()
        os.close(write_end)
        progress._TERMINALS.pop(write_end, None)
        with os.fdopen(read_end) as terminal:
            drawn = terminal.read()
    finally:
        monkeypatch.undo()
    assert "kernelbar" in drawn and "2/2" in drawn
    assert cell.getvalue() == ""


def test_kernel_without_descriptor_capture_uses_the_process_stderr(monkeypatch):
    cell, process_stderr = KernelStream(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", cell)
    monkeypatch.setattr(sys, "__stderr__", process_stderr)
    try:
        for _ in progress.bar(["a", "b"], desc="fallbackbar"):
            pass
    finally:
        monkeypatch.undo()
    assert "fallbackbar" in process_stderr.getvalue()
    assert cell.getvalue() == ""


def test_real_kernel_keeps_bars_out_of_the_notebook(tmp_path, monkeypatch, capfd):
    """papermill runs a cell with a bar: the executed notebook has no bar and no stderr; the terminal has the bar."""
    import papermill

    # inside pytest ipykernel does not capture descriptor 2; without the variable it does, as under `forlab run`
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    source = (
        "from forlab.book.progress import bar\n"
        "for _ in bar(range(5), desc='kernelbar'):\n"
        "    pass\n"
        "print('done')\n"
    )
    nb = new_notebook(
        cells=[new_code_cell(source)],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    nbformat.write(nb, tmp_path / "in.ipynb")
    papermill.execute_notebook(
        str(tmp_path / "in.ipynb"), str(tmp_path / "out.ipynb"), kernel_name="python3", progress_bar=False
    )
    outputs = nbformat.read(tmp_path / "out.ipynb", as_version=4).cells[0].outputs
    assert [(o.output_type, o.get("name"), o.get("text")) for o in outputs] == [
        ("stream", "stdout", "done\n")
    ]
    assert "kernelbar" in capfd.readouterr().err


def test_no_progress_silences_bars_and_lines_in_a_process_that_inherits_it():
    """What a chapter's kernel does under `forlab run --no-progress`: it inherits the variable, draws nothing."""
    import subprocess

    script = (
        "from forlab.book.progress import bar, line\n"
        "for _ in bar(range(3), desc='childbar'):\n"
        "    pass\n"
        "line('childline')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != progress.NO_PROGRESS}
    drawn = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert "childbar" in drawn.stderr and "childline" in drawn.stderr  # without it the child does draw
    quiet = subprocess.run([sys.executable, "-c", script], env=env | {progress.NO_PROGRESS: "1"},
                           capture_output=True, text=True, check=True)  # fmt: skip
    assert (quiet.stderr, quiet.stdout) == ("", "")


def test_silence_sets_the_variable_for_the_block_and_restores_it(monkeypatch):
    monkeypatch.delenv(progress.NO_PROGRESS, raising=False)
    with progress.silence():
        assert progress.silenced() and os.environ[progress.NO_PROGRESS]
    assert progress.NO_PROGRESS not in os.environ
    with progress.silence(False):
        assert not progress.silenced()
    monkeypatch.setenv(progress.NO_PROGRESS, "set by the user")
    try:
        with progress.silence():
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert os.environ[progress.NO_PROGRESS] == "set by the user"


def test_a_progress_line_goes_to_the_terminal(capsys):
    from forlab.book import progress as progress_module

    progress_module.line("P1 n_fpus=4: 2 case(s)")
    captured = capsys.readouterr()
    assert captured.err == "P1 n_fpus=4: 2 case(s)\n" and captured.out == ""
