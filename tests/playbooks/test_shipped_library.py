"""The shipped library: lints clean, covers the data's complaint reasons, replies pass policy."""

from __future__ import annotations

from collections import Counter

import pytest

from models.domain import Label
from playbooks import SHIPPED_LIBRARY, Library, blocking, check_reply, lint_library, load_library
from tests.playbooks.conftest import mention

COMPLAINT_REASONS = {
    "Late Flight",
    "Cancelled Flight",
    "Lost Luggage",
    "Damaged Luggage",
    "Customer Service Issue",
    "Flight Booking Problems",
    "Bad Flight",
    "Flight Attendant Complaints",
    "longlines",
    "Can't Tell",
}
FILL_IN_SAMPLES = {
    "file_ref": "LHRSK12345",
    "refund_ref": "RF-1234567",
    "order_number": "NW-1234567",
}


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library(SHIPPED_LIBRARY, cache_dir=None)


def test_lints_clean_without_warnings() -> None:
    playbooks, findings = lint_library(SHIPPED_LIBRARY)
    assert [str(f) for f in findings] == []
    assert len(playbooks) >= 30


def test_each_complaint_reason_is_covered_by_exactly_one_playbook(library: Library) -> None:
    covers = Counter(reason for p in library for reason in p.spec.covers)
    assert set(covers) == COMPLAINT_REASONS
    assert set(covers.values()) == {1}


def test_both_brands_all_labels_and_three_languages(library: Library) -> None:
    assert {p.spec.brand for p in library} == {"Skylark Air", "Northwind Goods", None}
    assert {label for p in library for label in p.labels} == set(Label)
    for playbook in library:
        assert set(playbook.templates) == {"en", "es", "fr"}, playbook.id
    assert library["general.spam"].spec.kind == "guidance"


@pytest.mark.parametrize("platform", ["x", "discord"])
def test_every_filled_reply_passes_the_policy_check(library: Library, platform: str) -> None:
    m = mention("hello", author="Dana Whitfield-Ortega")
    for playbook in library:
        if playbook.spec.kind != "reply":
            continue
        fill_ins = {name: FILL_IN_SAMPLES[name] for name in playbook.spec.variables.fill_in}
        for lang, options in playbook.templates.items():
            for index in range(len(options)):
                text = playbook.render_final(m, fill_ins, language=lang, template_index=index)
                findings = check_reply(text, m, platform, playbook, fill_ins=fill_ins)
                assert not blocking(findings), (playbook.id, lang, findings)
