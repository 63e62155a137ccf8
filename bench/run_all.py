"""``make bench``: run every service benchmark, write the figures as JSON and Markdown.

Each benchmark is a script that starts its own embedded stack, measures the real code beside a raw
baseline in the same run, and prints JSON. This collects them with the machine's core count into
``bench-results/results.json`` and ``bench-results/results.md`` so the README's figures can be refreshed.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = {
    "ingest": ["services/electronic-monitoring/bench/bench_ingest.py"],
    "visit_latency": ["services/electronic-monitoring/bench/bench_latency.py"],
    "visit_soak": ["services/electronic-monitoring/bench/bench_soak.py"],
    "payment_period": ["services/payments/bench/bench_period.py"],
    "county": ["bench/bench_county.py", "--scale", "1"],
}


def run(name: str, argv: list[str]) -> dict[str, Any]:
    """Run one benchmark script and parse the JSON it prints."""
    started = time.perf_counter()
    proc = subprocess.run(  # noqa: S603
        [sys.executable, *argv], cwd=ROOT, capture_output=True, text=True, check=False
    )
    elapsed = round(time.perf_counter() - started, 1)
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:], "wall_seconds": elapsed}
    out = proc.stdout
    result: dict[str, Any] = json.loads(out[out.index("{") :])
    result["wall_seconds"] = elapsed
    return result


def _flatten(prefix: str, value: Any, rows: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else k, v, rows)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _flatten(f"{prefix}[{i}]", v, rows)
    else:
        rows.append((prefix, str(value)))


def main() -> None:
    """Run the benchmarks named on the command line (default: all)."""
    wanted = sys.argv[1:] or list(BENCHMARKS)
    results = {
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "benchmarks": {name: run(name, BENCHMARKS[name]) for name in wanted},
    }
    out_dir = ROOT / "bench-results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(results, indent=2))
    rows: list[tuple[str, str]] = []
    _flatten("", results, rows)
    table = ["| figure | value |", "| --- | --- |", *[f"| {k} | {v} |" for k, v in rows]]
    (out_dir / "results.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))


if __name__ == "__main__":
    main()
