"""Following one flow through every service's JSON logs by its correlation id (``homecare trace``).

A line belongs to the flow when it carries the correlation id, or when it was written by a request
that also touched the flow: a provider accepting an offer writes the package's events under the
referral's correlation id, and the request's own lines (its access line among them) come along by
its ``request_id``. Lines that are not JSON (uvicorn's start-up banner) are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

# Shown in their own columns, or not at all.
_COLUMNS = ("timestamp", "service", "event", "level", "correlation_id")


def read_log_lines(paths: Iterable[Path]) -> Iterator[dict[str, Any]]:
    """Every JSON log line in the files; a line without a service takes the file's name."""
    for path in paths:
        with path.open(encoding="utf-8", errors="replace") as lines:
            for raw in lines:
                if not raw.startswith("{"):
                    continue
                try:
                    line = json.loads(raw)
                except json.JSONDecodeError:
                    continue
                if isinstance(line, dict) and "timestamp" in line and "event" in line:
                    line.setdefault("service", path.stem)
                    yield line


def log_files(folder: Path) -> list[Path]:
    """The stack's log files (``<home>/logs/*.log``)."""
    return sorted(folder.glob("*.log"))


def trace(paths: list[Path], correlation_id: str) -> list[dict[str, Any]]:
    """The flow's lines from every file, oldest first (two passes, so the logs are never all in memory)."""
    linked = {
        line["request_id"]
        for line in read_log_lines(paths)
        if line.get("correlation_id") == correlation_id and line.get("request_id")
    }
    linked.add(correlation_id)
    found = [line for line in read_log_lines(paths) if line.get("correlation_id") in linked]
    return sorted(found, key=lambda line: str(line["timestamp"]))


def format_line(line: dict[str, Any], correlation_id: str) -> str:
    """One timeline row: time, service, what happened, and the line's other fields."""
    details = {k: v for k, v in line.items() if k not in _COLUMNS}
    if details.get("request_id") == line.get("correlation_id"):
        del details["request_id"]  # the request's own line: its id is its correlation id
    if line.get("correlation_id") != correlation_id:
        details["via_request"] = line.get("correlation_id")
    text = " ".join(f"{k}={json.dumps(v) if not isinstance(v, str) else v}" for k, v in details.items())
    return f"{line['timestamp']}  {line['service']:<22} {line['event']:<16} {text}".rstrip()
