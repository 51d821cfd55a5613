"""Every policy rule, on suggested and on edited replies."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from playbooks import (
    BannedPhrase,
    Finding,
    PolicyConfig,
    Severity,
    blocking,
    check_reply,
    load_library,
)
from playbooks.detectors import luhn_ok
from tests.playbooks.conftest import mention

Write = Callable[[str, str], Path]
VISA_TEST = "4111 1111 1111 1111"  # a well-known Luhn-valid test number


def rules(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


def test_clean_reply_has_no_findings() -> None:
    assert check_reply("Hi Dana, sorry about that. Could you DM us?", mention("hi"), "x") == []


def test_empty_reply_is_blocked() -> None:
    assert rules(check_reply("   ", mention("hi"), "x")) == ["reply.empty"]


@pytest.mark.parametrize(
    ("platform", "length", "blocked"),
    [
        ("x", 280, False),
        ("x", 281, True),
        ("twitter", 281, True),
        ("discord", 2000, False),
        ("discord", 2001, True),
        ("slack", 39000, False),
        ("somewhere", 1001, True),
    ],
)
def test_platform_length_limits(platform: str, length: int, blocked: bool) -> None:
    findings = check_reply("a" * length, mention("hi"), platform)
    assert ("length.platform" in rules(findings)) is blocked
    if blocked:
        assert findings[0].span is not None and findings[0].severity is Severity.BLOCKING


def test_x_counts_links_as_23_characters() -> None:
    link = "https://skylark-air.example/" + "a" * 100
    text = "b" * 250 + " " + link  # 251 + 23 = 274 as X counts it
    assert check_reply(text, mention("hi"), "x") == []


def test_edited_reply_that_adds_a_phone_number_is_blocked() -> None:
    edited = "Hi Dana, please call our agent on +1 (555) 201-3344 today."
    findings = check_reply(edited, mention("my bag is lost"), "x")
    assert rules(findings) == ["pii.phone"]
    start, end = findings[0].span or (0, 0)
    assert edited[start:end] == "+1 (555) 201-3344"
    assert blocking(findings)


def test_phone_number_from_the_mention_is_allowed() -> None:
    m = mention("my bag is lost, call me at 555-201-3344")
    assert check_reply("Hi Dana, we'll call you at +1 555 201 3344 shortly.", m, "x") == []


def test_phone_number_typed_into_a_fill_in_is_allowed() -> None:
    reply = "Hi Dana, the baggage desk can be reached on 020 7946 0321."
    m = mention("my bag is lost")
    assert rules(check_reply(reply, m, "x")) == ["pii.phone"]
    assert check_reply(reply, m, "x", fill_ins={"desk_phone": "020 7946 0321"}) == []


def test_allow_listed_contact_points_are_allowed() -> None:
    config = PolicyConfig(allowed_values=("help@skylark-air.example",))
    reply = "Hi Dana, you can also write to help@skylark-air.example."
    assert rules(check_reply(reply, mention("hi"), "x")) == ["pii.email"]
    assert check_reply(reply, mention("hi"), "x", config=config) == []


def test_email_not_from_the_mention_is_blocked_and_from_it_allowed() -> None:
    reply = "We'll write to dana.m@example.org today."
    assert rules(check_reply(reply, mention("hello"), "x")) == ["pii.email"]
    assert check_reply(reply, mention("reach me at Dana.M@example.org"), "x") == []


def test_card_numbers_are_blocked_and_echoes_warned() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    reply = f"Your card {VISA_TEST} was charged."
    assert rules(check_reply(reply, mention("charged twice"), "x")) == ["pii.card"]
    echoed = check_reply(reply, mention(f"you charged {VISA_TEST} twice"), "x")
    assert rules(echoed) == ["pii.card_echo"]
    assert not blocking(echoed)


def test_luhn_invalid_long_number_is_not_a_card() -> None:
    assert "pii.card" not in rules(check_reply("Ref 4111 1111 1111 1112", mention("x"), "x"))


def test_order_numbers_must_come_from_the_mention_or_a_fill_in() -> None:
    reply = "Hi Dana, order NW-4417123 left our warehouse today."
    assert rules(check_reply(reply, mention("where is my parcel?"), "x")) == ["pii.order"]
    assert check_reply(reply, mention("where is order NW4417123?"), "x") == []
    assert check_reply(reply, mention("where?"), "x", fill_ins={"order_number": "NW-4417123"}) == []


def test_booking_codes_and_hash_numbers_count_as_order_numbers() -> None:
    assert rules(check_reply("Booking reference QXHZRT is confirmed.", mention("hi"), "x")) == [
        "pii.order"
    ]
    assert rules(check_reply("Case #884213 is open.", mention("hi"), "x")) == ["pii.order"]


def test_dates_and_flight_numbers_are_not_personal_data() -> None:
    reply = "Flight 1234 on 2025-03-01 leaves at 10:30 from gate 22."
    assert check_reply(reply, mention("hi"), "x") == []


@pytest.mark.parametrize(
    "reply",
    [
        "We can refund the ticket.",
        "There is a 20% discount this week.",
        "Here is a special offer for you.",
        "The price is €40.",
        "Te devolvemos el importe con un reembolso.",
        "Tenemos un descuento para ti.",
        "Nous allons vous rembourser.",
        "Une réduction est possible.",
    ],
)
def test_money_talk_needs_a_disclaimer(reply: str) -> None:
    findings = check_reply(reply, mention("hi"), "x")
    assert rules(findings) == ["disclaimer.missing"]
    assert blocking(findings)


def test_generic_disclaimer_satisfies_the_rule() -> None:
    assert check_reply("We can refund the ticket. Terms apply.", mention("hi"), "x") == []


def test_generic_disclaimers_in_three_languages() -> None:
    m = mention("hi")
    assert check_reply("Te ofrecemos un descuento. Se aplican condiciones.", m, "x") == []
    assert check_reply("Nous pouvons rembourser, sous réserve d'éligibilité.", m, "x") == []


def test_playbook_disclaimer_is_required_verbatim(write: Write) -> None:
    directory = write(
        "refund.yaml",
        """\
        id: test.refund
        title: Refund
        owner: tests
        labels: [question]
        replies:
          en: ["Your refund is on its way. {{ disclaimer }}"]
        disclaimer:
          required: true
          text: {en: "Refunds follow fare rules."}
        """,
    )
    playbook = load_library(directory, cache_dir=None)["test.refund"]
    m = mention("refund?")
    assert (
        check_reply("Your refund is on its way. Refunds follow fare rules.", m, "x", playbook) == []
    )
    edited = "Your refund is on its way. Terms apply."
    assert rules(check_reply(edited, m, "x", playbook)) == ["disclaimer.missing"]
    assert rules(check_reply("Thanks!", m, "x", playbook)) == ["disclaimer.missing"]


@pytest.mark.parametrize(
    "reply",
    [
        "Hi Dana, your file is [[file_ref]].",
        "Hi {{ author }}, thanks!",
        "Hi Dana{% if vip %}, VIP{% endif %}.",
        "Hi Dana, the reference is {{ ref",
    ],
)
def test_edited_reply_that_keeps_an_unfilled_variable_is_blocked(reply: str) -> None:
    findings = check_reply(reply, mention("hi"), "x")
    assert "unfilled.variable" in rules(findings)
    assert blocking(findings)


@pytest.mark.parametrize(
    "reply",
    [
        "Thanks @everyone!",
        "@here please look",
        "cc @channel",
        "<!channel> heads up",
        "<!here|here> ping",
        "<@&123456789> team",
    ],
)
def test_mass_mentions_are_blocked(reply: str) -> None:
    assert rules(check_reply(reply, mention("hi"), "discord")) == ["mass.mention"]


def test_ordinary_mentions_are_fine() -> None:
    assert check_reply("Thanks @dana_m, and hello to everyone!", mention("hi"), "x") == []


def test_default_banned_phrases_warn() -> None:
    findings = check_reply("We guarantee it will arrive tomorrow.", mention("hi"), "x")
    assert rules(findings) == ["banned.phrase"]
    assert findings[0].severity is Severity.WARNING and not blocking(findings)


def test_banned_phrases_are_configurable() -> None:
    config = PolicyConfig(banned_phrases=(BannedPhrase("competitor", Severity.BLOCKING, "no"),))
    findings = check_reply("Unlike the Competitor, we care.", mention("hi"), "x", config=config)
    assert rules(findings) == ["banned.phrase"] and blocking(findings)
    assert findings[0].span == (11, 21)


def test_findings_serialise_for_the_store() -> None:
    finding = check_reply("Call 555-201-3344", mention("hi"), "x")[0]
    assert finding.to_dict() == {
        "rule": "pii.phone",
        "severity": "blocking",
        "message": "phone number that is not in the mention or a fill-in value",
        "span": [5, 17],
    }


def test_blocking_findings_sort_first() -> None:
    findings = check_reply("We guarantee a call on 555-201-3344.", mention("hi"), "x")
    assert [f.severity for f in findings] == [Severity.BLOCKING, Severity.WARNING]
