"""Checks one playbook file and compiles it: every problem becomes a ``file:line`` finding.

Order: YAML syntax (and duplicate keys) → schema (unknown keys and labels get "did you mean"
hints) → names, languages and regexes → templates (syntax, undeclared variables, sandbox
escapes) → a sample render in the sandbox → the policy check on the sample reply.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Any

from jinja2 import TemplateError
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from models.domain import LABELS
from playbooks.errors import LintFinding
from playbooks.mention import MENTION_VARIABLES
from playbooks.playbook import DISCLAIMER_VARIABLE, Playbook, content_version
from playbooks.policy import lint_reply
from playbooks.schema import LANGUAGE_PATTERN, VARIABLE_PATTERN, PlaybookSpec, known_keys
from playbooks.templates import CompiledTemplate, lint_template
from playbooks.yaml_source import SourceDoc, YamlProblem, parse

SHORTEST_LIMIT = 280  # X / Twitter: a reply longer than this cannot be sent there as is
Problem = tuple[tuple[str | int, ...], str, str | None]  # (path in file, message, hint)


def lint_file(text: str, display: str) -> tuple[Playbook | None, list[LintFinding]]:
    """Validate and compile one playbook file (``display`` names it in findings)."""
    try:
        doc = parse(text)
    except YamlProblem as exc:
        return None, [LintFinding(display, exc.line, exc.message)]
    if not isinstance(doc.data, dict):
        kind = type(doc.data).__name__ if doc.data is not None else "an empty file"
        return None, [LintFinding(display, 1, f"expected a mapping of playbook keys, got {kind}")]
    try:
        spec = PlaybookSpec.model_validate(doc.data)
    except ValidationError as exc:
        return None, [_schema_finding(err, doc, display) for err in exc.errors()]
    findings: list[LintFinding] = []

    def report(problems: Iterator[Problem]) -> None:
        for path, message, hint in problems:
            findings.append(LintFinding(display, doc.line_of(path), message, hint))

    report(_check_names(spec))
    regexes = _compile_all(spec.match.regex, ("match", "regex"), findings, doc, display)
    patterns = {
        name: _compile(
            fi.pattern, ("variables", "fill_in", name, "pattern"), findings, doc, display
        )
        if fi.pattern
        else None
        for name, fi in spec.variables.fill_in.items()
    }
    templates = _templates(spec, doc, display, findings)
    if findings:
        return None, findings
    playbook = Playbook(spec, content_version(spec), display, tuple(regexes), templates, patterns)
    findings.extend(_sample_render(playbook, doc, display))
    failed = any(f.severity == "error" for f in findings)
    return (None if failed else playbook), findings


def _schema_finding(err: ErrorDetails, doc: SourceDoc, display: str) -> LintFinding:
    loc = tuple(err["loc"])
    line = doc.line_of(loc)
    field = ".".join(str(p) for p in loc) or "document"
    kind, value = err["type"], err.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1])
        return LintFinding(display, line, f"unknown key {key!r}", _did_you_mean(key, known_keys()))
    if kind == "enum" and loc[:1] == ("labels",):
        labels = [label.value for label in LABELS]
        hint = _did_you_mean(str(value), labels) or f"labels are: {', '.join(labels)}"
        return LintFinding(display, line, f"unknown label {value!r}", hint)
    if kind == "missing":
        return LintFinding(display, line, f"missing required key {field!r}")
    return LintFinding(display, line, f"{field}: {err['msg']}")


def _did_you_mean(word: str, choices: Any) -> str | None:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def _check_names(spec: PlaybookSpec) -> Iterator[Problem]:
    variables = spec.variables
    for index, name in enumerate(variables.mention):
        if name not in MENTION_VARIABLES:
            hint = (
                _did_you_mean(name, MENTION_VARIABLES) or f"known: {', '.join(MENTION_VARIABLES)}"
            )
            yield ("variables", "mention", index), f"unknown mention variable {name!r}", hint
    owners: dict[str, str] = {name: "mention" for name in variables.mention}
    for group, names in (("fill_in", variables.fill_in), ("constants", variables.constants)):
        for name in names:
            where = ("variables", group, name)
            if not re.fullmatch(VARIABLE_PATTERN, name):
                yield where, f"bad variable name {name!r}", "use lower_snake_case"
            if name in owners or name == DISCLAIMER_VARIABLE:
                yield where, f"variable {name!r} is declared twice", f"also in {owners[name]}"
            owners[name] = group
    codes: list[tuple[tuple[str | int, ...], str]] = [
        (("replies", lang), lang) for lang in spec.replies
    ]
    codes += [(("match", "languages", i), lang) for i, lang in enumerate(spec.match.languages)]
    codes += [(("disclaimer", "text", lang), lang) for lang in spec.disclaimer.text]
    for path, lang in codes:
        if not re.fullmatch(LANGUAGE_PATTERN, lang):
            yield path, f"bad language code {lang!r}", "use a two-letter code such as en, es, fr"
    for lang, options in spec.replies.items():
        if not options:
            yield ("replies", lang), f"no reply templates for language {lang!r}", None
    if spec.disclaimer.required and not spec.disclaimer.text:
        yield ("disclaimer",), "disclaimer is required but has no text", "add disclaimer.text.en"
    for index, keyword in enumerate(spec.match.keywords):
        if not keyword.strip("* "):
            yield ("match", "keywords", index), "empty keyword", None


def _compile(
    pattern: str,
    path: tuple[str | int, ...],
    findings: list[LintFinding],
    doc: SourceDoc,
    display: str,
) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        hint = f"at position {exc.pos}" if exc.pos is not None else None
        findings.append(
            LintFinding(display, doc.line_of(path), f"regex does not compile: {exc.msg}", hint)
        )
        return None


def _compile_all(
    patterns: list[str],
    path: tuple[str, ...],
    findings: list[LintFinding],
    doc: SourceDoc,
    display: str,
) -> list[re.Pattern[str]]:
    compiled = [_compile(p, (*path, i), findings, doc, display) for i, p in enumerate(patterns)]
    return [c for c in compiled if c is not None]


def _templates(
    spec: PlaybookSpec, doc: SourceDoc, display: str, findings: list[LintFinding]
) -> dict[str, tuple[CompiledTemplate, ...]]:
    declared = [*spec.variables.mention, *spec.variables.fill_in, *spec.variables.constants]
    if spec.disclaimer.text:
        declared.append(DISCLAIMER_VARIABLE)
    compiled: dict[str, tuple[CompiledTemplate, ...]] = {}
    for lang, sources in spec.replies.items():
        done: list[CompiledTemplate] = []
        for index, source in enumerate(sources):
            path = ("replies", lang, index)
            issues, used = lint_template(source, declared)
            for issue in issues:
                line = doc.template_line(path, issue.lineno)
                findings.append(LintFinding(display, line, issue.message, issue.hint))
            if not issues:
                done.append(CompiledTemplate.compile(source, used))
        compiled[lang] = tuple(done)
    return compiled


def _sample_render(playbook: Playbook, doc: SourceDoc, display: str) -> Iterator[LintFinding]:
    for lang, options in playbook.templates.items():
        for index, template in enumerate(options):
            path = ("replies", lang, index)
            line = doc.line_of(path)
            try:
                sample = template.render(_sample_values(playbook, template.uses, lang))
            except TemplateError as exc:
                yield LintFinding(display, line, f"template fails to render: {exc}")
                continue
            if playbook.spec.kind == "reply":
                for finding in lint_reply(sample, playbook, lang):
                    yield LintFinding(display, line, f"policy: {finding.message}", finding.rule)
                if len(sample) > SHORTEST_LIMIT:
                    message = f"reply is about {len(sample)} characters; X allows {SHORTEST_LIMIT}"
                    yield LintFinding(display, line, message, "shorten it", "warning")


def _sample_values(playbook: Playbook, uses: frozenset[str], lang: str) -> dict[str, str]:
    fixed = dict(playbook.spec.variables.constants)
    disclaimer = playbook.disclaimer_text(lang)
    if disclaimer is not None:
        fixed[DISCLAIMER_VARIABLE] = disclaimer
    return {name: fixed.get(name, f"[[{name}]]") for name in uses}
