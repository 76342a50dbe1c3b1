"""Numbers people read come from settings (STYLE 14): no string in `marketplace_app/` spells out
a window, a delay or an amount that a setting decides; `core/wording.py` words them from the
setting instead, so changing the setting changes every sentence that names it."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from marketplace_app.core.money import display_money, format_money
from marketplace_app.settings import Settings

SOURCE = Path(__file__).resolve().parents[1] / "marketplace_app"
WORDING = SOURCE / "core" / "wording.py"
CURRENCY = "EUR"


def _number_phrases(value: int, units: str) -> list[str]:
    return [rf"{value} ?{unit}" for unit in units.split("|")]


def setting_phrases(settings: Settings) -> dict[str, str]:
    """Each setting a person reads, as the patterns its default value is spelled with."""
    phrases: dict[str, list[str]] = {}
    for name, value in settings.model_dump().items():
        if name.endswith("_hours"):
            phrases[name] = _number_phrases(value, "hours?|h")
        elif name.endswith("_business_days"):
            phrases[name] = _number_phrases(value, "business days?")
        elif name.endswith("_days"):
            phrases[name] = _number_phrases(value, "days?")
        elif name.endswith("_cents"):
            phrases[name] = [re.escape(display_money(value, CURRENCY)), re.escape(format_money(value, CURRENCY))]
    # Retry delays are written "+5 min" (a bare "5min" is an urgency, a value agents send).
    for seconds in settings.webhook_retry_seconds:
        unit, size = ("h", 3600) if seconds % 3600 == 0 else ("min", 60)
        phrases.setdefault("webhook_retry_seconds", []).append(rf"\+{seconds // size} ?{unit}")
    return {name: rf"(?<![\w.])(?:{'|'.join(patterns)})(?!\w)" for name, patterns in phrases.items()}


def strings(path: Path) -> Iterator[tuple[int, str]]:
    """Every string literal of a module (docstrings too: routes' and models' become OpenAPI text)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def literals() -> list[str]:
    patterns = {name: re.compile(pattern) for name, pattern in setting_phrases(Settings()).items()}
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        if path == WORDING:
            continue
        for line, text in strings(path):
            found += [f"{path.relative_to(SOURCE)}:{line}: {match.group(0)!r} is {name}"
                      for name, pattern in patterns.items() for match in pattern.finditer(text)]
    return found


def test_no_string_spells_out_a_number_a_setting_decides() -> None:
    assert literals() == [], "word it from the setting with core/wording.py"


def test_the_phrases_catch_the_ways_people_write_them() -> None:
    patterns = setting_phrases(Settings())

    assert re.search(patterns["appeal_window_hours"], "appeal within 48 hours")
    assert re.search(patterns["appeal_window_hours"], "appealable (48 h)")
    assert re.search(patterns["board_business_days"], "within 5 business days")
    assert re.search(patterns["small_claims_limit_cents"], "Under 5.00 EUR and rated")
    assert re.search(patterns["payout_minimum_cents"], "minimum 10.00EUR")
    assert re.search(patterns["webhook_retry_seconds"], "(now, +5 min, +30 min, +2 h)")
    assert not re.search(patterns["appeal_window_hours"], "148 hours or 48.5 h or 48hz")
    assert not re.search(patterns["webhook_retry_seconds"], "urgency 5min or 30min")
