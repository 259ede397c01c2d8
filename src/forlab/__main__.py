"""``python -m forlab``: the ``forlab`` command (`forlab.book.cli.main`), for when the venv's scripts are not on PATH."""

import sys

from forlab.book.cli import main

if __name__ == "__main__":
    sys.exit(main())
