"""`make bench`: run each benchmark in its own process (clean memory figures), print a table, then one JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ["bench.bench_core", "bench.bench_telegram", "bench.bench_postgres", "bench.bench_scheduler",
              "bench.bench_broadcast", "bench.bench_burst"]


def run_one(module: str) -> dict[str, float]:
    result = subprocess.run([sys.executable, "-m", module], cwd=ROOT, capture_output=True, text=True,
                            timeout=1800, check=False)
    if result.returncode != 0:
        print(f"{module} failed:\n{result.stderr[-2000:]}", file=sys.stderr)
        return {}
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> None:
    figures: dict[str, float] = {}
    for module in BENCHMARKS:
        figures.update(run_one(module))
    width = max((len(k) for k in figures), default=10)
    print(f"{'figure':<{width}}  value")
    for name, value in figures.items():
        print(f"{name:<{width}}  {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
