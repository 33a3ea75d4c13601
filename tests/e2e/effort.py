"""What a person does in a browser journey, counted and timed: taps (clicks), characters typed, seconds."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from playwright.sync_api import Locator


@dataclass
class Effort:
    taps: int = 0
    keys: int = 0
    started: float = field(default_factory=time.perf_counter)

    def tap(self, target: Locator) -> None:
        target.click()
        self.taps += 1

    def fill(self, target: Locator, text: str) -> None:
        """A field typed in: a tap to reach it and its characters (a person types what ``fill`` sets at once)."""
        target.fill(text)
        self.taps += 1
        self.keys += len(text)

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def __str__(self) -> str:
        return f"{self.taps} taps, {self.keys} keystrokes, {self.seconds:.1f} s"
