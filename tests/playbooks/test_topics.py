"""The library's topic model: trained from labelled mentions (weights only), checked at load,
and used to rank the playbook that covers what a mention is about."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from bot.cli.main import main as cli
from playbooks import Library, MiniLMEmbedder, PlaybookError, load_library
from playbooks.topics import TOPICS_FILE, TopicModel, train_topics
from tests.playbooks.conftest import mention, predicted

pytestmark = pytest.mark.slow
Write = Callable[[str, str], Path]

TOPICS = {
    "Lost Luggage": [
        "my suitcase never showed up at baggage claim",
        "you misplaced my bag on the connection",
        "still waiting for my luggage two days later",
        "where is my bag, it did not arrive",
    ],
    "Late Flight": [
        "the plane left three hours behind schedule",
        "delayed again, we are still at the gate",
        "our departure keeps getting pushed back",
        "landed two hours late and missed my meeting",
    ],
}


def _library(write: Write) -> Path:
    directory = Path()
    for name, (pid, topic) in {
        "bags.yaml": ("t.bags", "Lost Luggage"),
        "late.yaml": ("t.late", "Late Flight"),
    }.items():
        directory = write(
            name,
            f"id: {pid}\ntitle: t\nowner: tests\nlabels: [complaint]\ncovers: [{topic}]\n"
            f'match:\n  keywords: [zzz-{pid}]\nreplies:\n  en: ["ok"]\n',
        )
    return directory


def _trained(minilm: MiniLMEmbedder) -> TopicModel:
    texts = [t for examples in TOPICS.values() for t in examples]
    topics = [name for name, examples in TOPICS.items() for _ in examples]
    return train_topics(minilm.embed(texts), topics, minilm.model_id, c_grid=(1.0,), folds=2)


def test_topic_model_ranks_the_covering_playbook(write: Write, minilm: MiniLMEmbedder) -> None:
    directory = _library(write)
    _trained(minilm).save(directory / TOPICS_FILE)
    library = load_library(directory, minilm, cache_dir=None)
    assert library.topics is not None and set(library.topics.topics) == set(TOPICS)
    for text, expected in [
        ("the suitcase I checked in is lost", "t.bags"),
        ("four hour delay and no explanation", "t.late"),
    ]:
        top = library.suggest(mention(text), predicted("complaint"), minilm.embed([text])[0])
        assert top[0].playbook_id == expected
        assert any(r.kind == "topic" for r in top[0].reasons), top[0].why
    # without the model neither playbook has anything to go on but its label: a tie
    plain = Library(library.playbooks, library.index)
    text = "the suitcase I checked in is lost"
    tied = plain.suggest(mention(text), predicted("complaint"), minilm.embed([text])[0])
    assert tied[0].score == pytest.approx(tied[1].score)


def test_save_and_load_keep_the_weights(tmp_path: Path, minilm: MiniLMEmbedder) -> None:
    model = _trained(minilm)
    model.save(tmp_path / TOPICS_FILE)
    again = TopicModel.load(tmp_path / TOPICS_FILE)
    assert again.topics == model.topics and again.model_id == model.model_id
    vector = minilm.embed(["lost bag"])[0]
    assert np.allclose(again.probabilities(vector), model.probabilities(vector))
    assert again.info["examples"] == 8


def test_a_foreign_or_broken_topic_file_stops_the_load(
    write: Write, minilm: MiniLMEmbedder
) -> None:
    directory = _library(write)
    model = _trained(minilm)
    foreign = TopicModel(model.topics, model.coef, model.intercept, "other-encoder:1234")
    foreign.save(directory / TOPICS_FILE)
    with pytest.raises(PlaybookError, match="trained on embeddings 'other-encoder:1234'"):
        load_library(directory, minilm, cache_dir=None)
    (directory / TOPICS_FILE).write_bytes(b"not a numpy file")
    with pytest.raises(PlaybookError, match="not a topic model"):
        load_library(directory, minilm, cache_dir=None)
    assert load_library(directory, None).topics is None  # keyword mode never reads it


def test_train_topics_command_writes_weights_not_text(
    write: Write, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = _library(write)
    data = tmp_path / "labelled.jsonl"
    lines = [
        {"text": t, "label": "complaint", "meta": {"negativereason": topic}}
        for topic, examples in TOPICS.items()
        for t in examples
    ] + [{"text": "great crew", "label": "praise", "meta": {}}]
    data.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    assert cli(["playbooks", "train-topics", "--data", str(data), "--dir", str(directory)]) == 0
    written = (directory / TOPICS_FILE).read_bytes()
    assert b"suitcase" not in written and b"gate" not in written
    assert "2 topics" in capsys.readouterr().out
    data.write_text('{"text": "x"}\n')
    assert cli(["playbooks", "train-topics", "--data", str(data), "--dir", str(directory)]) == 1
    assert "labelled.jsonl:1" in capsys.readouterr().err
