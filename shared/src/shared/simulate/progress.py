"""A progress bar per stage of the simulation (rich), and how long each stage took."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class Stages:
    """Stages shown one bar each (when ``show``), and timed either way."""

    def __init__(self, show: bool, console: Console | None = None) -> None:
        self.seconds: dict[str, float] = {}
        self.progress = (
            Progress(
                TextColumn("{task.description:<28}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
            )
            if show
            else None
        )

    def __enter__(self) -> Stages:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    @contextmanager
    def stage(self, name: str, total: int) -> Iterator[Callable[[int], None]]:
        """Time a stage; yields ``advance(n)`` for its bar."""
        began = time.perf_counter()
        task = self.progress.add_task(name, total=total) if self.progress is not None else None

        def advance(n: int = 1) -> None:
            if self.progress is not None and task is not None:
                self.progress.advance(task, n)

        try:
            yield advance
        finally:
            if self.progress is not None and task is not None:
                self.progress.update(task, completed=total)
            self.seconds[name] = round(time.perf_counter() - began, 1)
