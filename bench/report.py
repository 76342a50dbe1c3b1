"""Printing figures: Handoff's, the reference measured in the same run, the ratio and the target."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from bench.loadgen import LoadResult


@dataclass(frozen=True, slots=True)
class Figure:
    """One line of the results table."""

    benchmark: str
    database: str
    metric: str
    handoff: float
    reference: float | None
    unit: str
    target: str
    met: bool | None
    # A correctness check (exactly once, ledger health, no lost delivery), not a speed figure:
    # when it is not met, `python -m bench` exits non-zero. A speed figure below target does not.
    correctness: bool = False

    @property
    def ratio(self) -> float | None:
        """Handoff ÷ reference (for throughput: the share of the reference Handoff reaches)."""
        if self.reference in (None, 0) or math.isnan(self.reference):
            return None
        return self.handoff / self.reference


def check(benchmark: str, database: str, metric: str, ok: bool) -> Figure:
    """A correctness check as a line of the table."""
    return Figure(benchmark, database, metric, float(ok), None, "", "ok", ok, correctness=True)


def failures(figures: list[Figure]) -> list[Figure]:
    """The correctness checks that failed (speed figures below target are not failures)."""
    return [figure for figure in figures if figure.correctness and figure.met is False]


def _number(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if abs(value) >= 100 or float(value).is_integer():
        text = f"{value:,.0f}"
    else:
        text = f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"
    return f"{text} {unit}".strip()


def table(figures: list[Figure]) -> str:
    """The figures as a Markdown table."""
    lines = ["| benchmark | db | metric | Handoff | reference | ratio | target | met |",
             "|---|---|---|---:|---:|---:|---|---|"]
    for figure in figures:
        ratio = "—" if figure.ratio is None else f"{figure.ratio:.0%}"
        met = {True: "yes", False: "**no**", None: "—"}[figure.met]
        if figure.correctness:
            met = "ok" if figure.met else "**FAILED**"
        lines.append(f"| {figure.benchmark} | {figure.database} | {figure.metric} | "
                     f"{_number(figure.handoff, figure.unit)} | {_number(figure.reference, figure.unit)} | "
                     f"{ratio} | {figure.target} | {met} |")
    return "\n".join(lines)


def describe_load(label: str, result: LoadResult) -> str:
    """One line for a load window: throughput, latency percentiles and non-2xx outcomes."""
    errors = ", ".join(f"{outcome}×{count}" for outcome, count in result.errors.items()) or "none"
    return (f"  {label:<34} {result.per_second:8,.0f} req/s  p50 {result.percentile_ms(0.50):7.1f} ms  "
            f"p95 {result.percentile_ms(0.95):7.1f} ms  p99 {result.percentile_ms(0.99):7.1f} ms  "
            f"n={result.requests:,} @{result.connections} conn  errors: {errors}")


def machine_load() -> str:
    """The 1-minute load average (other work on the machine skews every figure)."""
    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"


def heading(text: str) -> None:
    """Print a section heading."""
    print(f"\n== {text} ({machine_load()})", flush=True)
