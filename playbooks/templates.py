"""Reply templates: Jinja2's sandbox, locked down to plain variables, plus a static linter.

The environment subclasses ``ImmutableSandboxedEnvironment`` and refuses *every* attribute and
item access (templates only ever receive strings), keeps a short list of harmless filters, and
has no globals, loader or extensions, so ``{% include %}`` and friends cannot reach the disk.
Undefined names raise (``StrictUndefined``). Autoescape is off: replies are plain text.

The linter walks the parsed template: syntax errors, undeclared variables, attribute or item
access (a dunder name is reported as a sandbox escape attempt), calls, unknown filters and
include/import/extends, each with the template line it is on.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.runtime import Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

ALLOWED_FILTERS = (
    "capitalize",
    "default",
    "lower",
    "replace",
    "title",
    "trim",
    "truncate",
    "upper",
)


class ReplySandbox(ImmutableSandboxedEnvironment):
    """A sandbox in which a template can read the variables it is given and nothing else."""

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return False

    def getattr(self, obj: Any, attribute: str) -> Undefined:
        return self.unsafe_undefined(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Undefined:
        return self.unsafe_undefined(obj, str(argument))


def make_environment() -> ReplySandbox:
    env = ReplySandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.filters = {name: env.filters[name] for name in ALLOWED_FILTERS}
    env.globals.clear()
    return env


ENV = make_environment()


@dataclass(frozen=True, slots=True)
class TemplateIssue:
    """A problem in one template; ``lineno`` is the line within the template (1-based)."""

    lineno: int
    message: str
    hint: str | None = None


def lint_template(source: str, declared: Iterable[str]) -> tuple[list[TemplateIssue], set[str]]:
    """Check ``source`` against the declared variable names.

    Returns the issues found and the variables the template uses.
    """
    try:
        ast = ENV.parse(source)
    except TemplateSyntaxError as exc:
        return [TemplateIssue(exc.lineno or 1, f"template syntax error: {exc.message}")], set()
    declared_set = set(declared)
    issues = list(_forbidden_nodes(ast))
    try:
        used = set(meta.find_undeclared_variables(ast))  # compiles: fails on unknown filters
    except TemplateError as exc:
        if not issues:
            issues.append(
                TemplateIssue(getattr(exc, "lineno", None) or 1, f"template error: {exc}")
            )
        return issues, set()
    issues.extend(_undeclared(ast, used - declared_set, declared_set))
    return issues, used


def _forbidden_nodes(ast: nodes.Template) -> Iterable[TemplateIssue]:
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        if isinstance(node, nodes.Getattr):
            name: str | None = node.attr
        else:
            assert isinstance(node, nodes.Getitem)
            name = _const_name(node.arg)
        if name is not None and name.startswith("_"):
            yield TemplateIssue(
                node.lineno,
                f"sandbox escape attempt: access to {name!r}",
                "templates may only print the variables they declare",
            )
        else:
            what = f"attribute {name!r}" if name else "item"
            yield TemplateIssue(
                node.lineno,
                f"{what} access is not allowed",
                "variables are plain strings; use filters such as |upper instead",
            )
    for call in ast.find_all(nodes.Call):
        yield TemplateIssue(call.lineno, "function and method calls are not allowed")
    for flt in ast.find_all(nodes.Filter):
        if flt.name not in ALLOWED_FILTERS:
            close = difflib.get_close_matches(flt.name, ALLOWED_FILTERS, n=1)
            hint = (
                f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(ALLOWED_FILTERS)}"
            )
            yield TemplateIssue(flt.lineno, f"filter {flt.name!r} is not allowed", hint)
    for stmt in ast.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        yield TemplateIssue(stmt.lineno, f"{type(stmt).__name__.lower()} is not allowed")


def _const_name(arg: nodes.Node) -> str | None:
    if isinstance(arg, nodes.Const) and isinstance(arg.value, str):
        return arg.value
    return None


def _undeclared(ast: nodes.Template, names: set[str], declared: set[str]) -> list[TemplateIssue]:
    issues = []
    for name in sorted(names):
        line = next((n.lineno for n in ast.find_all(nodes.Name) if n.name == name), 1)
        close = difflib.get_close_matches(name, sorted(declared), n=1)
        hint = (
            f"did you mean {close[0]!r}?"
            if close
            else "declare it under variables.mention, variables.fill_in or variables.constants"
        )
        issues.append(TemplateIssue(line, f"undefined variable {name!r}", hint))
    return issues


@dataclass(frozen=True, slots=True)
class CompiledTemplate:
    """A linted template, compiled once, with the variables it uses."""

    source: str
    uses: frozenset[str]
    _template: Any

    @classmethod
    def compile(cls, source: str, uses: Iterable[str]) -> CompiledTemplate:
        return cls(source, frozenset(uses), ENV.from_string(source))

    def render(self, values: Mapping[str, str]) -> str:
        """Render with string ``values``; raises ``jinja2`` errors (incl. ``SecurityError``)."""
        text: str = self._template.render(dict(values))
        return text.strip()
