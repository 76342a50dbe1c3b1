"""`redact()`: what operators must not see under the `redacted` policy is masked; ordinary
task text (dates, prices, clause numbers, plain links) survives untouched."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace_app.requests.redaction import MASK_KINDS, luhn_valid, redact


@pytest.mark.parametrize("email", [
    "ana.garcia@bufete-legal.es", "ana.garcia+nda@bufete-legal.es", "A_B-c%d@sub.example.co.uk", "x@y.io",
])
def test_email_addresses_are_masked(email):
    # when
    masked = redact(f"Write to {email} today")

    # then
    assert masked == "Write to [email redacted] today"


@pytest.mark.parametrize("phone", [
    "+34 612 345 678", "0034 612345678", "612345678", "612.345.678", "(555) 123-4567", "555-123-4567",
    "+1 (555) 123-4567", "+44 20 7946 0958", "+49 30 123456", "030 1234567",
])
def test_phone_numbers_in_common_formats_are_masked(phone):
    # when
    masked = redact(f"Call {phone} tomorrow")

    # then
    assert masked == "Call [phone redacted] tomorrow"


@pytest.mark.parametrize("iban", [
    "ES91 2100 0418 4502 0005 1332", "DE89370400440532013000", "DE89 3704 0044 0532 0130 00",
    "GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432", "NL91ABNA0417164300", "FR14 2004 1010 0505 0001 3M02 606",
])
def test_valid_ibans_are_masked(iban):
    # when
    masked = redact(f"Pay to {iban} please")

    # then
    assert masked == "Pay to [iban redacted] please"


@pytest.mark.parametrize("look_alike", ["ES91 2100 0418 4502 0005 1333", "DE89370400440532013001"])
def test_an_iban_look_alike_with_a_wrong_checksum_is_kept(look_alike):
    # when
    masked = redact(f"Reference {look_alike}")

    # then the digits may still hit another rule, but no IBAN is claimed
    assert "[iban redacted]" not in masked


@pytest.mark.parametrize("card", [
    "4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "5555555555554444", "378282246310005",
    "6011111111111117", "4012888888881881",
])
def test_luhn_valid_card_numbers_are_masked(card):
    # when
    masked = redact(f"Card {card} expires soon")

    # then
    assert masked == "Card [card redacted] expires soon"


def test_a_16_digit_number_that_fails_luhn_is_not_called_a_card():
    # given
    number = "1234 5678 9012 3456"
    assert not luhn_valid(number.replace(" ", ""))

    # when
    masked = redact(f"Order {number}")

    # then
    assert masked == f"Order {number}"


@pytest.mark.parametrize("url", [
    "https://api.example.com/v1?token=abc123", "https://x.io/cb?api_key=zzz&x=1", "https://x.com/?sig=aa",
    "https://x.com/?password=p", "https://x.com/reset?Token=ABC", "https://x.com/a#access_token=abc",
    "https://x.com/?q=monkey&session_id=42", "https://x.com/?client_secret=s", "https://x.com/?X-Amz-Signature=f00",
    "https://u:p@host.com/x", "https://admin:s3cr3t@db.example.com/x", "https://admin:p%40ss!word@db.example.com/x",
    "postgres://app:hunter2@10.0.0.5:5432/db", "ftp://bob:pw@files.example.org",
])
def test_urls_carrying_secrets_are_masked_whole(url):
    # when
    masked = redact(f"Open {url} now")

    # then
    assert masked == "Open [url redacted] now"


@pytest.mark.parametrize("url", [
    "https://example.com/docs/nda?page=2", "https://www.boe.es/eli/es/l/2015", "http://example.org/a/b.html#part-two",
    "https://example.com/search?q=labor+law&lang=es",
])
def test_plain_urls_are_kept(url):
    # when / then
    assert redact(f"See {url} for context") == f"See {url} for context"


def test_project_terms_are_masked_case_insensitively_and_only_as_whole_words():
    # when
    masked = redact("Project Falcon, project falcon and PROJECT FALCON; Falconry stays. Acme GmbH signs.",
                    terms=["Project Falcon", "ACME GmbH", " ", ""])

    # then
    assert masked == ("[name redacted], [name redacted] and [name redacted]; Falconry stays. "
                      "[name redacted] signs.")


def test_a_longer_term_wins_over_a_shorter_one_inside_it():
    # when
    masked = redact("Ana García Pérez and Ana", terms=["Ana", "Ana García Pérez"])

    # then
    assert masked == "[name redacted] and [name redacted]"


def test_terms_with_regex_characters_are_taken_literally():
    # when
    masked = redact("Deal (a+b) closes; deal ab closes", terms=["(a+b)"])

    # then
    assert masked == "Deal [name redacted] closes; deal ab closes"


@pytest.mark.parametrize("text", [
    "Due 2026-02-18, budget 8.00EUR, clause 4.2, article 1.3.5, duration 15min, fee 100 EUR",
    "Meeting at 2026-02-18T12:00:00Z about NDA section 12",
    "Max price 1,250.00 EUR, order 12345, year 2026, ratio 3/4, v1.2.3",
    "Review NDA clause 4.2 for compliance with Spanish labor law",
])
def test_dates_prices_and_ordinary_numbers_are_kept(text):
    # when / then
    assert redact(text) == text


def test_everything_at_once():
    # given
    text = ("Ana García (ana@x.es, +34 612 345 678) pays ES91 2100 0418 4502 0005 1332 by 4111 1111 1111 1111 "
            "before 2026-03-01; details at https://x.com/doc?token=t0k and https://example.com/terms")

    # when
    masked = redact(text, terms=["Ana García"])

    # then
    assert masked == ("[name redacted] ([email redacted], [phone redacted]) pays [iban redacted] by [card redacted] "
                      "before 2026-03-01; details at [url redacted] and https://example.com/terms")


def test_the_mask_kinds_name_every_rule():
    assert set(MASK_KINDS) == {"email", "phone", "iban", "card_number", "secret_url", "term"}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_redaction_is_idempotent_and_never_fails(text):
    # when
    once = redact(text, terms=["Falcon"])

    # then redacting again changes nothing
    assert redact(once, terms=["Falcon"]) == once


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdefghij klmnopqrstuvwxyz,.;:!?", max_size=300))
def test_text_without_digits_at_signs_or_links_is_kept(text):
    assert redact(text) == text
