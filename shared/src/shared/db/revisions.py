"""Rows that carry a revision, written many in one statement."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def highest_revisions(rows: Iterable[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Of each ``key``'s rows, the one with the highest ``revision`` (the first of equals), in the
    order the keys first came: what an upsert guarded by ``revision < excluded.revision`` leaves
    when the rows are written one by one, and one statement may not touch a row twice."""
    latest: dict[Any, dict[str, Any]] = {}
    for row in rows:
        kept = latest.get(row[key])
        if kept is None or row["revision"] > kept["revision"]:
            latest[row[key]] = row
    return list(latest.values())
