"""Broken playbooks: each gives a precise ``file:line: message (hint)``; the loader raises."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from jinja2.exceptions import SecurityError

from models.errors import MentionbotError
from playbooks import PlaybookError, lint_library, load_library
from playbooks.templates import ENV
from tests.playbooks.conftest import valid_playbook

Write = Callable[[str, str], Path]


def only_error(directory: Path) -> str:
    with pytest.raises(PlaybookError) as info:
        load_library(directory, cache_dir=None)
    assert len(info.value.findings) == 1, info.value
    return str(info.value.findings[0])


def test_valid_playbook_loads(write: Write) -> None:
    library = load_library(write("a.yaml", valid_playbook()), cache_dir=None)
    assert [p.id for p in library] == ["test.one"]


def test_bad_yaml_names_the_line(write: Write) -> None:
    directory = write(
        "bad.yaml",
        """\
        id: test.bad
        title: Bad
        labels: [complaint
        owner: tests
        """,
    )
    finding = only_error(directory)
    assert finding.startswith(f"{directory / 'bad.yaml'}:4: invalid YAML")


def test_duplicate_yaml_key(write: Write) -> None:
    text = valid_playbook().replace("owner: tests\n", "owner: tests\nowner: again\n")
    finding = only_error(write("dup.yaml", text))
    assert ":4: duplicate key 'owner' (first on line 3)" in finding


def test_unknown_label_with_hint(write: Write) -> None:
    text = valid_playbook().replace("labels: [complaint]", "labels: [complain]")
    finding = only_error(write("label.yaml", text))
    assert ":4: unknown label 'complain' (did you mean 'complaint'?)" in finding


def test_unknown_key_with_hint(write: Write) -> None:
    text = valid_playbook().replace("  keywords: [widget]", "  keywrods: [widget]")
    finding = only_error(write("key.yaml", text))
    assert ":6: unknown key 'keywrods' (did you mean 'keywords'?)" in finding


def test_missing_required_key(write: Write) -> None:
    text = valid_playbook().replace("owner: tests\n", "")
    finding = only_error(write("owner.yaml", text))
    assert "missing required key 'owner'" in finding


def test_template_syntax_error_line_inside_block_scalar(write: Write) -> None:
    directory = write(
        "syntax.yaml",
        """\
        id: test.syntax
        title: Syntax
        owner: tests
        labels: [question]
        variables:
          mention: [author]
        replies:
          en:
            - |
              Hi {{ author }},
              thanks for asking {% if %}.
        """,
    )
    finding = only_error(directory)
    assert ":11: template syntax error" in finding


def test_undefined_variable_with_hint(write: Write) -> None:
    text = valid_playbook().replace("Hi {{ author }}", "Hi {{ autor }}")
    finding = only_error(write("undef.yaml", text))
    assert ":12: undefined variable 'autor' (did you mean 'author'?)" in finding


def test_unknown_mention_variable(write: Write) -> None:
    text = valid_playbook().replace("mention: [author]", "mention: [author, auther_url]")
    with pytest.raises(PlaybookError) as info:
        load_library(write("var.yaml", text), cache_dir=None)
    assert ":9: unknown mention variable 'auther_url'" in str(info.value)


def test_duplicate_id_across_files(write: Write) -> None:
    write("a.yaml", valid_playbook("test.same"))
    directory = write("sub/b.yaml", valid_playbook("test.same"))
    finding = only_error(directory)
    assert "b.yaml:1: duplicate playbook id 'test.same'" in finding
    assert "a.yaml" in finding


def test_regex_that_does_not_compile(write: Write) -> None:
    text = valid_playbook().replace(
        "  keywords: [widget]", "  keywords: [widget]\n  regex: ['(unclosed']"
    )
    finding = only_error(write("re.yaml", text))
    assert (
        ":7: regex does not compile: missing ), unterminated subpattern (at position 0)" in finding
    )


def test_fill_in_pattern_that_does_not_compile(write: Write) -> None:
    text = valid_playbook().replace(
        "  mention: [author]",
        "  mention: [author]\n  fill_in:\n    ref: {label: Ref, prompt: ask, pattern: '[A-Z'}",
    )
    finding = only_error(write("fill.yaml", text))
    assert ":11: regex does not compile: unterminated character set" in finding


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__ }}",
        "{{ author.__class__.__mro__ }}",
        "{{ author['__globals__'] }}",
    ],
)
def test_sandbox_escape_attempt_is_reported(write: Write, template: str) -> None:
    text = valid_playbook().replace("Hi {{ author }}, sorry about the widget.", template)
    with pytest.raises(PlaybookError) as info:
        load_library(write("escape.yaml", text), cache_dir=None)
    assert ":12: sandbox escape attempt: access to '__" in str(info.value)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ author|attr('__class__') }}", "filter 'attr' is not allowed"),
        ("{{ author.upper() }}", "function and method calls are not allowed"),
        ("{% include 'x' %}", "include is not allowed"),
        ("{{ author|uper }}", "filter 'uper' is not allowed (did you mean 'upper'?)"),
    ],
)
def test_other_unsafe_template_constructs(write: Write, template: str, message: str) -> None:
    text = valid_playbook().replace("Hi {{ author }}, sorry about the widget.", template)
    with pytest.raises(PlaybookError) as info:
        load_library(write("unsafe.yaml", text), cache_dir=None)
    assert f":12: {message}" in str(info.value)


@pytest.mark.parametrize(
    "source", ["{{ x.__class__ }}", "{{ x['__class__'] }}", "{{ x.upper() }}", "{{ x.format }}"]
)
def test_sandbox_refuses_attribute_access_at_render_time(source: str) -> None:
    with pytest.raises(SecurityError):
        ENV.from_string(source).render(x="hello")


def test_policy_problems_in_a_template_are_lint_errors(write: Write) -> None:
    text = valid_playbook().replace(
        "sorry about the widget.", "call 555-123-4567 for a refund @everyone"
    )
    with pytest.raises(PlaybookError) as info:
        load_library(write("policy.yaml", text), cache_dir=None)
    messages = str(info.value)
    assert ":12: policy: phone number that is not in the mention" in messages
    assert ":12: policy: mentions 'refund' requires a disclaimer" in messages
    assert ":12: policy: mass mention '@everyone'" in messages


def test_every_finding_is_listed_and_the_error_is_a_mentionbot_error(write: Write) -> None:
    write("a.yaml", valid_playbook("test.a").replace("labels: [complaint]", "labels: [nope]"))
    write("b.yaml", "id: [unclosed\n")
    directory = write("c.yaml", valid_playbook("test.c").replace("{{ author }}", "{{ who }}"))
    with pytest.raises(MentionbotError) as info:
        load_library(directory, cache_dir=None)
    text = str(info.value)
    assert text.startswith("3 problems in playbook library")
    assert "a.yaml:4: unknown label 'nope'" in text
    assert "b.yaml:2: invalid YAML" in text or "b.yaml:1: invalid YAML" in text
    assert "c.yaml:12: undefined variable 'who'" in text


def test_empty_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PlaybookError, match="no playbook files"):
        load_library(tmp_path, cache_dir=None)


def test_long_reply_is_only_a_warning(write: Write) -> None:
    text = valid_playbook().replace("sorry about the widget.", "sorry " + "very " * 60 + "much.")
    playbooks, findings = lint_library(write("long.yaml", text))
    assert len(playbooks) == 1
    assert [f.severity for f in findings] == ["warning"]
    assert "X allows 280" in str(findings[0])
