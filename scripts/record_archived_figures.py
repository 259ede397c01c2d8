#!/usr/bin/env python3
"""Record the figures the chapters print from the archived stores (tests/data/archived_figures.json).

Run after re-archiving a store, or after changing a reader on purpose, once the new numbers were checked on the
pages: `tests/test_archived_figures.py` then holds the readers to them. The record names the store each figure came
from (created_utc, git_commit), so the test can tell a re-archived store from a reader that drifted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import test_archived_figures as golden

from forlab.book import store


def main() -> int:
    archived = {k: store.open_path(ROOT / "archive" / f"{v}.nc") for k, v in golden.ARCHIVED.items()}
    record = {"stores": {k: golden.identity(ds) for k, ds in archived.items()}, "figures": golden.printed(archived)}
    golden.RECORD.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
    print(f"recorded {len(record['figures'])} figures from {len(archived)} archived stores in {golden.RECORD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
