"""Regular expressions written by outsiders, evaluated in linear time (RE2), never by `re`.

Python's `re` backtracks: `^(a+)+$` against a long string that does not match runs for hours,
and a thread blocked inside `re` cannot be interrupted. RE2 never backtracks, so every search
is linear in the text; the price is that lookaround and backreferences are refused.

JSON Schema patterns are ECMA-262 regular expressions. RE2's syntax is close (ASCII `\\d`,
`\\w`, `\\s`; `$` is the end of the text); `\\uXXXX` and `\\u{X…}` are rewritten to RE2's `\\x{…}`.
"""

from __future__ import annotations

import re
from functools import lru_cache

import re2

# A compiled pattern may use at most this much memory (RE2 falls back to a slower, still linear
# matcher when its cache fills); with the cache below this bounds the memory outsiders can claim.
_MAX_MEMORY_BYTES = 1 << 20
_CACHED_PATTERNS = 64
_OPTIONS = re2.Options()
_OPTIONS.max_mem = _MAX_MEMORY_BYTES
_OPTIONS.log_errors = False  # a refused pattern is the caller's answer, not a line on stderr
# Linear in the pattern (no nested quantifier): `\\` pairs are consumed first, so `\\u0041` stays literal.
_ECMA_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|u\{([0-9A-Fa-f]{1,6})\}|.)", re.DOTALL)


class UnsupportedPattern(ValueError):
    """A pattern RE2 cannot compile: a syntax error, lookaround, a backreference, or too large."""


def check_pattern(pattern: str) -> None:
    """Raise `UnsupportedPattern` unless `pattern` compiles under RE2.

    Raises:
        UnsupportedPattern: With RE2's reason and a hint at what is not supported.
    """
    _compiled(pattern)


def search(pattern: str, text: str) -> bool:
    """Whether `pattern` matches anywhere in `text` (JSON Schema's `pattern` semantics).

    Raises:
        UnsupportedPattern: The pattern does not compile under RE2.
    """
    return _compiled(pattern).search(text) is not None


@lru_cache(maxsize=_CACHED_PATTERNS)
def _compiled(pattern: str) -> re2._Regexp:
    try:
        return re2.compile(_ECMA_ESCAPE.sub(_as_re2_escape, pattern), _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise UnsupportedPattern(f"pattern {pattern[:100]!r} is not supported ({reason}); patterns are "
                                 "evaluated without lookaround or backreferences") from None


def _as_re2_escape(match: re.Match[str]) -> str:
    code = match[1] or match[2]
    return f"\\x{{{code}}}" if code else match[0]
