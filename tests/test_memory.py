"""`forlab.book.memory.PeakMemory` sees memory that is held inside the block and released before it ends."""

import time

import numpy as np
import pytest

from forlab.book.memory import PeakMemory


def test_peak_memory_sees_a_released_allocation():
    with PeakMemory(interval_s=0.02) as before:
        pass
    with PeakMemory(interval_s=0.02) as mem:
        block = np.ones(40_000_000)  # 320 MB, touched
        time.sleep(0.2)  # held for several sampling intervals
        del block
    assert mem.peak_mib - before.peak_mib > 250


def test_interval_must_be_positive():
    with pytest.raises(ValueError, match="interval_s"):
        PeakMemory(interval_s=0)
