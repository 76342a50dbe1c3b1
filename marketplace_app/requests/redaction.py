"""Masking what operators must not see under the `redacted` information policy:
e-mail addresses, phone numbers, IBANs, card numbers, URLs that carry secrets, and the
project's own redaction terms (names, codenames)."""

from __future__ import annotations

import re
from collections.abc import Sequence

MASK_KINDS = ("email", "phone", "iban", "card_number", "secret_url", "term")

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_SECRET_URL = re.compile(
    r"\b[a-z][a-z0-9+.-]*://[^\s]*?(?:[?&#](?:[a-z_-]*(?:token|key|secret|password|passwd|pwd|sig|signature|auth|"
    r"code|session)[a-z_-]*)=|(?<=://)[^/\s:@]+:[^/\s@]+@)[^\s]*", re.IGNORECASE)
_IBAN = re.compile(r"\b[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
_CARD = re.compile(r"\b(?:[0-9][ -]?){12,18}[0-9]\b")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PHONE = re.compile(r"(?<![\w(])(?:\+|00|\()?[0-9][0-9 ().-]{7,}[0-9](?![\w])")


def redact(text: str, *, terms: Sequence[str] = ()) -> str:
    """Return `text` with personal and secret data replaced by `[kind redacted]` markers."""
    text = _SECRET_URL.sub("[url redacted]", text)
    text = _EMAIL.sub("[email redacted]", text)
    text = _IBAN.sub(_iban_or_keep, text)
    text = _CARD.sub(_card_or_keep, text)
    text = _PHONE.sub(_phone_or_keep, text)
    for term in sorted({term.strip() for term in terms if term and term.strip()}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(term)}(?!\w)", "[name redacted]", text, flags=re.IGNORECASE)
    return text


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def luhn_valid(number: str) -> bool:
    """Whether a digit string passes the Luhn check (payment card numbers do)."""
    total, parity = 0, len(number) % 2
    for index, char in enumerate(number):
        digit = int(char)
        if index % 2 == parity:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _iban_valid(candidate: str) -> bool:
    compact = candidate.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(numeric) % 97 == 1


def _iban_or_keep(match: re.Match[str]) -> str:
    return "[iban redacted]" if _iban_valid(match.group()) else match.group()


def _card_or_keep(match: re.Match[str]) -> str:
    digits = _digits(match.group())
    return "[card redacted]" if 13 <= len(digits) <= 19 and luhn_valid(digits) else match.group()


def _phone_or_keep(match: re.Match[str]) -> str:
    digits = _digits(match.group())
    # Dates and short numbers also look like digit runs: only 8–15 digit groups that are not
    # ISO dates are phones.
    if _ISO_DATE.fullmatch(match.group().strip()) or not 8 <= len(digits) <= 15:
        return match.group()
    return "[phone redacted]"
