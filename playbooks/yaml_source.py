"""YAML with line numbers: every key and value of a playbook file mapped to the line it is on.

PyYAML's ``compose`` yields the node tree with start marks; ``safe_load`` the plain data. The
loader keeps both, so a schema error at ``("match", "regex", 2)`` names the line of that regex.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


class YamlProblem(Exception):
    """The text is not valid YAML (or holds duplicate keys); ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class SourceDoc:
    """A parsed file: its data, the line of each path, and which scalars are block style."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    block_scalars: set[Path_] = field(default_factory=set)
    value_lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int:
        """Line of ``path``, or of its nearest ancestor that exists (1 for the document)."""
        for end in range(len(path), 0, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return 1

    def template_line(self, path: Path_, template_lineno: int) -> int:
        """File line of line ``template_lineno`` (1-based) of the string scalar at ``path``."""
        start = self.value_lines.get(path, self.line_of(path))
        offset = 1 if path in self.block_scalars else 0
        return start + offset + max(template_lineno, 1) - 1


def parse(text: str) -> SourceDoc:
    """Parse one YAML document into data plus line map; raises ``YamlProblem``."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise YamlProblem(line, f"invalid YAML: {message or exc}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(1, f"invalid YAML: {exc}") from None
    doc = SourceDoc(data=data)
    if node is not None:
        _walk(node, (), doc)
    return doc


def _walk(node: yaml.Node, path: Path_, doc: SourceDoc) -> None:
    doc.value_lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.ScalarNode):
        if node.style in ("|", ">"):
            doc.block_scalars.add(path)
    elif isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise YamlProblem(line, f"duplicate key {key!r} (first on line {seen[key]})")
            seen[key] = line
            doc.lines[(*path, key)] = line
            _walk(value_node, (*path, key), doc)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            doc.lines[(*path, index)] = item.start_mark.line + 1
            _walk(item, (*path, index), doc)
