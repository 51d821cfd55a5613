"""``load_library``: read every playbook file under a directory, all-or-nothing.

Every file is checked (see ``playbooks.lint``) and ids are checked across files; if anything is
wrong, ``PlaybookError`` lists every finding as ``file:line: message (hint)``. The bot calls this
at start-up and refuses to start on error.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from playbooks.embedder import Embedder
from playbooks.errors import LintFinding, PlaybookError
from playbooks.library import Library
from playbooks.lint import lint_file
from playbooks.playbook import Playbook
from playbooks.semantic import DEFAULT_CACHE_DIR, SemanticIndex
from playbooks.topics import TOPICS_FILE, TopicModel

SHIPPED_LIBRARY = Path(__file__).parent / "library"
SUFFIXES = (".yaml", ".yml")


def playbook_files(directory: Path) -> Iterator[Path]:
    """Playbook files under ``directory``, recursively, in a stable order (hidden ones skipped)."""
    for path in sorted(directory.rglob("*")):
        hidden = any(part.startswith(".") for part in path.relative_to(directory).parts)
        if path.suffix in SUFFIXES and path.is_file() and not hidden:
            yield path


def lint_library(directory: Path) -> tuple[list[Playbook], list[LintFinding]]:
    """Check every file and the cross-file rules: the playbooks that compiled, and all findings."""
    directory = Path(directory)
    if not directory.is_dir():
        return [], [LintFinding(str(directory), 0, "not a directory")]
    playbooks: list[Playbook] = []
    findings: list[LintFinding] = []
    first_seen: dict[str, Playbook] = {}
    files = list(playbook_files(directory))
    if not files:
        findings.append(LintFinding(str(directory), 0, "no playbook files (*.yaml, *.yml)"))
    for path in files:
        display = _display(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            findings.append(LintFinding(display, 0, f"cannot read: {exc}"))
            continue
        playbook, file_findings = lint_file(text, display)
        findings.extend(file_findings)
        if playbook is None:
            continue
        if playbook.id in first_seen:
            other = first_seen[playbook.id]
            findings.append(
                LintFinding(
                    display,
                    1,
                    f"duplicate playbook id {playbook.id!r}",
                    f"also defined in {other.path}; ids must be unique across the library",
                )
            )
            continue
        first_seen[playbook.id] = playbook
        playbooks.append(playbook)
    return playbooks, findings


def load_library(
    directory: Path = SHIPPED_LIBRARY,
    embedder: Embedder | None = None,
    *,
    cache_dir: Path | None = DEFAULT_CACHE_DIR,
) -> Library:
    """Load and check a library; raises ``PlaybookError`` listing every error found.

    With an ``embedder``, each playbook's example mentions are embedded once (cached on disk under
    ``cache_dir`` by model and example texts; ``None``: no disk cache) so ``suggest`` only needs
    the mention's own embedding. Without one, matching uses labels, keywords and regexes only.
    """
    playbooks, findings = lint_library(Path(directory))
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise PlaybookError(errors, source=f"playbook library {directory}")
    index = SemanticIndex.build(playbooks, embedder, cache_dir) if embedder is not None else None
    warnings = [f for f in findings if f.severity == "warning"]
    topics = None
    if embedder is not None and (Path(directory) / TOPICS_FILE).is_file():
        topics = _topics(Path(directory) / TOPICS_FILE, embedder.model_id)
    return Library(playbooks, index, warnings=warnings, topics=topics)


def _topics(path: Path, model_id: str) -> TopicModel:
    """The library's topic model; refused (PlaybookError) if unreadable or for other embeddings."""
    where = _display(path)
    try:
        model = TopicModel.load(path)
    except ValueError as exc:
        hint = "retrain it with `mentionbot playbooks train-topics` or delete it"
        raise PlaybookError([LintFinding(where, 0, str(exc), hint)]) from None
    if model.model_id != model_id:
        message = f"topic model was trained on embeddings {model.model_id!r}, not {model_id!r}"
        hint = "retrain it with `mentionbot playbooks train-topics` for this embedder"
        raise PlaybookError([LintFinding(where, 0, message, hint)])
    return model


def _display(path: Path) -> str:
    """The path relative to the working directory when under it (short, clickable), else as is."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
