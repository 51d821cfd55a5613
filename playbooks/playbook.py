"""A compiled playbook: validated spec, content version, compiled regexes and templates."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from models.domain import Label
from playbooks.errors import FillInError
from playbooks.mention import MentionLike, mention_language, mention_values
from playbooks.schema import FillIn, PlaybookSpec
from playbooks.templates import CompiledTemplate

DISCLAIMER_VARIABLE = "disclaimer"
"""Built in when the playbook has disclaimer text: the disclaimer in the reply's language."""

PLACEHOLDER = "[[{name}]]"
"""How a value still to be supplied appears in a suggested reply (the policy check blocks it)."""


def content_version(spec: PlaybookSpec) -> str:
    """Hash of the normalised content: formatting, comments and key order do not change it."""
    canonical = json.dumps(spec.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class FillInRequest:
    """A value the chat card must ask a human for before the reply can be sent."""

    name: str
    label: str
    prompt: str
    pattern: str | None


@dataclass(frozen=True, slots=True)
class RenderedReply:
    text: str
    language: str
    needs_input: tuple[FillInRequest, ...]


@dataclass(frozen=True, eq=False)
class Playbook:
    """One playbook ready to match and render. ``version`` is recorded with every suggestion."""

    spec: PlaybookSpec
    version: str
    path: str
    regexes: tuple[re.Pattern[str], ...]
    templates: Mapping[str, tuple[CompiledTemplate, ...]]
    fill_in_patterns: Mapping[str, re.Pattern[str] | None] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def labels(self) -> frozenset[Label]:
        return frozenset(self.spec.labels)

    def reply_language(self, wanted: str) -> str:
        """``wanted`` if the playbook has replies in it, else English, else its first language."""
        if wanted in self.templates:
            return wanted
        return "en" if "en" in self.templates else next(iter(self.templates))

    def render(
        self,
        mention: MentionLike,
        *,
        language: str | None = None,
        fill_ins: Mapping[str, str] | None = None,
        template_index: int = 0,
    ) -> RenderedReply:
        """Fill the reply from the mention; values not yet known become ``[[name]]`` placeholders
        and are listed in ``needs_input``. Pure; raises nothing for missing values."""
        lang = self.reply_language(language or mention_language(mention))
        options = self.templates[lang]
        template = options[min(template_index, len(options) - 1)]
        values, missing = self._values(mention, fill_ins or {}, template.uses, lang)
        return RenderedReply(template.render(values), lang, tuple(missing))

    def render_final(
        self,
        mention: MentionLike,
        fill_ins: Mapping[str, str],
        *,
        language: str | None = None,
        template_index: int = 0,
    ) -> str:
        """The reply with every fill-in supplied and valid; raises ``FillInError`` otherwise."""
        problems = self.validate_fill_ins(fill_ins)
        rendered = self.render(
            mention, language=language, fill_ins=fill_ins, template_index=template_index
        )
        for request in rendered.needs_input:
            problems.setdefault(request.name, "a value is required")
        if problems:
            raise FillInError(problems)
        return rendered.text

    def validate_fill_ins(self, fill_ins: Mapping[str, str]) -> dict[str, str]:
        """Problems with supplied values: unknown names, or values not matching their pattern."""
        problems: dict[str, str] = {}
        for name, value in fill_ins.items():
            if name not in self.spec.variables.fill_in:
                problems[name] = "not a fill-in of this playbook"
                continue
            pattern = self.fill_in_patterns.get(name)
            if pattern is not None and not pattern.fullmatch(value.strip()):
                problems[name] = f"does not match {pattern.pattern}"
        return problems

    def disclaimer_text(self, language: str) -> str | None:
        """The disclaimer in ``language`` (else English, else any), None if there is none."""
        texts = self.spec.disclaimer.text
        return texts.get(language) or texts.get("en") or next(iter(texts.values()), None)

    def _values(
        self, mention: MentionLike, fill_ins: Mapping[str, str], uses: frozenset[str], lang: str
    ) -> tuple[dict[str, str], list[FillInRequest]]:
        variables = self.spec.variables
        from_mention = mention_values(mention, self.spec.brand)
        values: dict[str, str] = dict(variables.constants)
        disclaimer = self.disclaimer_text(lang)
        if disclaimer is not None:
            values[DISCLAIMER_VARIABLE] = disclaimer
        missing: list[FillInRequest] = []
        for name in sorted(uses):
            if name in values:
                continue
            if name in variables.fill_in:
                supplied = fill_ins.get(name, "").strip()
                if supplied:
                    values[name] = supplied
                else:
                    missing.append(_request(name, variables.fill_in[name]))
                    values[name] = PLACEHOLDER.format(name=name)
                continue
            value = from_mention.get(name)
            if value:
                values[name] = value
            else:
                prompt = f"the mention has no {name.replace('_', ' ')}"
                missing.append(FillInRequest(name, name.replace("_", " "), prompt, None))
                values[name] = PLACEHOLDER.format(name=name)
        return values, missing


def _request(name: str, spec: FillIn) -> FillInRequest:
    return FillInRequest(name, spec.label, spec.prompt, spec.pattern)
