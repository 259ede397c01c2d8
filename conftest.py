"""Test-session set-up shared by tests/ and the nbval run over notebooks/.

Stores written while testing go to a temporary directory (``$FORLAB_RESULTS``), not to the repository's results/,
and notebook kernels started by nbval or papermill find this interpreter's ``python`` first on PATH.
"""

import os
import sys
import tempfile
from pathlib import Path


def pytest_configure(config):
    os.environ["FORLAB_RESULTS"] = tempfile.mkdtemp(prefix="forlab-test-results-")
    bindir = str(Path(sys.executable).parent)
    os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # see forlab.book.runner._kernel_environment
