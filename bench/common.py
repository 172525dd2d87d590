"""Shared set-up for benchmarks: a throwaway database, settings and helpers to time things."""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Settings, load_settings  # noqa: E402

KEY = "bench-key-Ut5Nw9Ez3Kr7Xp1Mv6Sb2Hc8Lq4Jd0Gf"


def bench_settings(folder: Path, **extra: object) -> Settings:
    return load_settings(_env_file=None, database_path=folder / "bench.db", data_key=KEY,
                         content_dir=ROOT / "content", **extra)


def rss_mb() -> float:
    """Peak resident memory of this process in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    box: list[float] = []
    start = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - start)
