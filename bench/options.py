"""Command-line options shared by every benchmark."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Options:
    """How long and how hard to measure, and whether to profile Handoff's server."""

    seconds: float = 10.0
    warmup_seconds: float = 2.0
    connections: int = 64
    client: str = "httpx"
    rows: int = 100_000
    history: int = 0
    sweep_rows: int = 100_000
    kill9_events: int = 1_000
    kill9_kills: int = 30
    list_seconds_per_page: float = 4.0
    profile_dir: Path | None = None
    profile_clock: str = "cpu"
    rounds: int = 200

    def load(self) -> dict[str, object]:
        """Keyword arguments for `run_load`."""
        return {"connections": self.connections, "seconds": self.seconds, "warmup_seconds": self.warmup_seconds,
                "client": self.client}

    def profile_path(self, benchmark: str, kind: str) -> Path | None:
        """Where Handoff's server writes its cProfile stats, when profiling is on."""
        if self.profile_dir is None:
            return None
        self.profile_dir.mkdir(parents=True, exist_ok=True)
        return (self.profile_dir / f"{benchmark}-{kind}.pstats").resolve()
