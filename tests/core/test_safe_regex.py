"""Outsiders' regular expressions: linear time on RE2, ECMA-262 escapes understood, and what
RE2 cannot run refused with a reason."""

from __future__ import annotations

import time

import pytest

from marketplace_app.core.safe_regex import UnsupportedPattern, check_pattern, search


@pytest.mark.parametrize("pattern", ["^(a+)+$", "^(a|a)*$", "^(a|aa)+$", "(x+x+)+y"])
def test_a_backtracking_bomb_is_answered_in_linear_time(pattern):
    # given a text that makes a backtracking engine try every split
    text = "a" * 50_000 + "!" if "a" in pattern else "x" * 50_000

    # when
    started = time.thread_time()  # CPU time of this thread: a loaded CI machine does not count
    matched = search(pattern, text)

    # then
    assert matched is False
    assert time.thread_time() - started < 0.5


@pytest.mark.parametrize(("pattern", "text", "matched"), [
    (r"^\u00e9t\u00E9$", "été", True), (r"^\u{1F600}$", "\U0001F600", True), (r"\\u0041", r"\u0041", True),
    (r"\\u0041", "A", False), (r"^\d{4}-\d{2}$", "2026-12", True), (r"^\d+$", "٣", False),
    (r"^[a-z]+$", "abc\n", False), ("(?<year>[0-9]{4})", "in 2026", True),
])
def test_json_schema_patterns_keep_their_ecma_meaning(pattern, text, matched):
    assert search(pattern, text) is matched


@pytest.mark.parametrize(("pattern", "reason"), [
    ("(?=a)b", "invalid perl operator"), (r"(a)\1", "invalid escape sequence"), ("[", "missing ]"),
    ("a{2000}", "invalid repetition size"), (r"\pL{1000}", "pattern too large"),
])
def test_what_re2_cannot_run_is_refused_with_the_reason(pattern, reason):
    with pytest.raises(UnsupportedPattern) as refused:
        check_pattern(pattern)
    assert reason in str(refused.value)
    assert "without lookaround or backreferences" in str(refused.value)
