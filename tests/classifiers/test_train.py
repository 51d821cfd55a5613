"""``mentionbot train`` end to end on a tiny labelled file: what a team retraining on its own
mentions relies on (the artifact saves, loads, classifies and carries its card)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli.main import main
from classifiers.config import ClassifierConfig
from classifiers.encoders import DEFAULT_ENCODER, short_name
from classifiers.model import MentionClassifier
from models.domain import LABELS

_TEXTS = {
    "spam": ["WIN a free phone today, click {} now", "cheap followers, visit {} fast"],
    "complaint": ["@shop my order {} never arrived, awful", "@shop refund {} still missing, angry"],
    "question": ["@shop how do I change order {}?", "@shop what time does store {} open?"],
    "praise": ["@shop thanks, order {} was perfect!", "@shop love the new store {}, great"],
    "other": ["at the airport with friend {}", "watching the match in room {}"],
}


def _write(path: Path, per_template: int, origin: str) -> None:
    lines = [
        json.dumps({"text": t.format(i), "label": label, "lang": "en", "label_origin": origin})
        for label, templates in _TEXTS.items()
        for t in templates
        for i in range(per_template)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("train")
    _write(root / "train.jsonl", 6, "heuristic")
    _write(root / "dev.jsonl", 2, "annotated")
    files = ["--train", str(root / "train.jsonl"), "--dev", str(root / "dev.jsonl")]
    code = main(["train", *files, "--out", str(root / "model"), "--epochs", "1"])
    assert code == 0
    return root / "model"


def test_training_writes_a_loadable_artifact_with_its_card(trained: Path) -> None:
    assert {"config.json", "adapter.safetensors", "MODEL_CARD.md", "dev_report.json"} <= {
        p.name for p in trained.iterdir()
    }
    config = ClassifierConfig.read(trained)
    assert config.encoder_id == DEFAULT_ENCODER  # trained on the default encoder, named for it
    assert config.version.startswith(f"{short_name(DEFAULT_ENCODER)}-lora-")
    assert config.temperature > 0 and set(config.thresholds) == {lab.value for lab in LABELS}
    card = (trained / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert config.version in card and "without their leading @-handles" in card
    predictions = MentionClassifier.load(trained).predict(["@shop my parcel never arrived"])
    assert predictions[0].label in LABELS
    assert predictions[0].model_version == config.version


def test_a_training_file_with_a_typo_in_a_label_is_refused_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "train.jsonl"
    bad.write_text('{"text": "hi", "label": "complain"}\n', encoding="utf-8")
    code = main(["train", "--train", str(bad), "--dev", str(bad), "--out", str(tmp_path / "m")])
    assert code == 2
    assert "train.jsonl:1: unknown label 'complain'" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()  # nothing written


@pytest.mark.parametrize("flag", ["--drop-handles", "--drop-question-marks"])
@pytest.mark.parametrize("rate", ["1.5", "-0.1", "half"])
def test_an_augmentation_rate_outside_zero_to_one_is_refused_before_anything_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str, rate: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["train", flag, rate, "--out", str(tmp_path / "m")])
    assert stopped.value.code == 2  # argparse's usage error, not a traceback mid-training
    assert flag in capsys.readouterr().err
    assert not (tmp_path / "m").exists()
