"""Fine-tuning: a LoRA adapter on the base encoder plus a linear head, CPU only.

Deliberate choices (see the model card for their measured effect):
- heuristic labels (≈70–80 % precise per the data README) get a lower sample weight;
- classes are re-weighted by inverse square-root frequency, so rare classes count without
  the rare-class noise dominating;
- label smoothing keeps the noisy labels from pushing logits to extremes (helps calibration);
- a share of the texts is shown without its leading @-handles, and a share without its question
  marks, each epoch (classifiers.augment), so the label is read from the wording, not from
  whether the text addresses an account or ends in ``?``;
- batches are built from length-sorted chunks so little compute goes to padding;
- the epoch with the best dev macro-F1 is kept; dev then calibrates temperature and thresholds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from classifiers.augment import handle_free_variants, question_mark_free_variants
from classifiers.calibration import (
    auto_action_threshold,
    fit_bias_temperature,
    review_thresholds,
)
from classifiers.config import ClassifierConfig, LoraSpec
from classifiers.data import Example, load_examples
from classifiers.encoders import DEFAULT_ENCODER, EPOCH_CAP, short_name
from classifiers.metrics import expected_calibration_error, macro_f1
from classifiers.model import MentionClassifier
from classifiers.predictions import calibrated
from classifiers.relabel import requests_as_questions
from classifiers.text import model_input
from models.domain import Label


@dataclass
class TrainOptions:
    train: Path
    dev: Path
    out: Path
    epochs: int = 3
    batch_size: int = 32
    lr: float = 6e-4
    head_lr: float = 2e-3
    train_max_length: int = 64
    heuristic_weight: float = 0.5  # 1.0 measured: see the model card
    normalise: bool = True
    max_per_class: int = 0  # per epoch (majority classes re-sampled); 0: the encoder's EPOCH_CAP
    class_weight_power: float = 0.5
    label_smoothing: float = 0.1
    lora_r: int = 16
    seed: int = 13
    threads: int = 2
    encoder_id: str = DEFAULT_ENCODER
    requests_as_questions: bool = True  # classifiers.relabel; False: labels as given
    drop_handles_rate: float = 0.3  # classifiers.augment; 0: texts as given
    drop_question_marks_rate: float = 0.3  # classifiers.augment; 0: texts as given

    def __post_init__(self) -> None:
        if self.max_per_class <= 0:
            self.max_per_class = EPOCH_CAP.get(self.encoder_id, min(EPOCH_CAP.values()))


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def sample_weights(examples: Sequence[Example], opts: TrainOptions) -> list[float]:
    counts = Counter(ex.label for ex in examples)
    total = len(examples)
    per_class = {
        lab: (total / (len(counts) * n)) ** opts.class_weight_power for lab, n in counts.items()
    }
    weights = [per_class[ex.label] * _label_trust(ex, opts) for ex in examples]
    mean = sum(weights) / len(weights)
    return [w / mean for w in weights]


def _label_trust(ex: Example, opts: TrainOptions) -> float:
    """Heuristic labels weigh less; crowd labels weigh by their annotators' agreement."""
    if ex.label_origin == "heuristic":
        return opts.heuristic_weight
    agreement = ex.meta.get("airline_sentiment_confidence")
    try:
        return max(0.5, min(1.0, float(str(agreement)))) if agreement is not None else 1.0
    except ValueError:
        return 1.0


def epoch_sample(examples: Sequence[Example], cap: int, rng: random.Random) -> list[int]:
    """Indices for one epoch: every example of small classes, ``cap`` of each larger one."""
    by_label: dict[Label, list[int]] = {}
    for i, ex in enumerate(examples):
        by_label.setdefault(ex.label, []).append(i)
    chosen: list[int] = []
    for idx in by_label.values():
        chosen.extend(idx if len(idx) <= cap else rng.sample(idx, cap))
    return chosen


def length_batches(
    indices: Sequence[int], lengths: Sequence[int], batch_size: int, rng: random.Random
) -> list[list[int]]:
    """Shuffle, sort within chunks of 50 batches by length, then shuffle the batches."""
    order = list(indices)
    rng.shuffle(order)
    chunk = batch_size * 50
    batches: list[list[int]] = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lambda i: lengths[i])
        batches.extend(part[i : i + batch_size] for i in range(0, len(part), batch_size))
    rng.shuffle(batches)
    return batches


def _trainable_state(model: MentionClassifier) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.net.named_parameters() if v.requires_grad}


def train(opts: TrainOptions, log: Any = sys.stderr) -> MentionClassifier:
    torch.set_num_threads(opts.threads)
    seed_everything(opts.seed)
    train_set, dev_set = load_examples(opts.train), load_examples(opts.dev)
    moved: dict[str, int] = {}
    if opts.requests_as_questions:
        train_set, counts = requests_as_questions(train_set)
        moved = dict(counts)
        print(f"relabelled heuristic other → question (requests): {moved}", file=log)
    config = ClassifierConfig(
        encoder_id=opts.encoder_id,
        lora=LoraSpec(r=opts.lora_r, alpha=2 * opts.lora_r),
        normalise=opts.normalise,
    )
    model = MentionClassifier.fresh(config)
    index = {lab: i for i, lab in enumerate(model.labels)}
    texts = [model_input(ex.text, opts.normalise) for ex in train_set]
    targets = torch.tensor([index[ex.label] for ex in train_set])
    weights = torch.tensor(sample_weights(train_set, opts), dtype=torch.float32)
    lengths = [
        len(ids)
        for ids in model.tokenizer(texts, truncation=True, max_length=opts.train_max_length)[
            "input_ids"
        ]
    ]
    print(
        f"train: {len(train_set)} examples {dict(Counter(e.label.value for e in train_set))}",
        file=log,
    )

    net = model.net
    head_params = list(net.head.parameters())
    lora_params = [
        p for n, p in net.named_parameters() if p.requires_grad and not n.startswith("head.")
    ]
    optimiser = torch.optim.AdamW(
        [{"params": lora_params, "lr": opts.lr}, {"params": head_params, "lr": opts.head_lr}],
        weight_decay=0.01,
    )
    rng = random.Random(opts.seed)
    epoch_size = len(epoch_sample(train_set, opts.max_per_class, random.Random(0)))
    steps_per_epoch = (epoch_size + opts.batch_size - 1) // opts.batch_size
    total = steps_per_epoch * opts.epochs
    warmup = max(1, total // 16)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / (total - warmup)))
    )
    loss_fn = nn.CrossEntropyLoss(reduction="none", label_smoothing=opts.label_smoothing)
    dev_y = [index[ex.label] for ex in dev_set]
    best: tuple[float, dict[str, torch.Tensor]] | None = None
    started = time.monotonic()
    for epoch in range(1, opts.epochs + 1):
        net.train()
        # One generator per augmentation, apart from ``rng``: the epoch samples and each
        # augmentation's draws stay the same whatever the other rates are.
        handles_rng = random.Random(opts.seed + epoch)
        marks_rng = random.Random(opts.seed + 1000 * epoch)
        shown = handle_free_variants(texts, opts.drop_handles_rate, handles_rng)
        shown = question_mark_free_variants(shown, opts.drop_question_marks_rate, marks_rng)
        bar = tqdm(
            length_batches(
                epoch_sample(train_set, opts.max_per_class, rng), lengths, opts.batch_size, rng
            ),
            desc=f"epoch {epoch}/{opts.epochs}",
            file=log,
            mininterval=5.0,
        )
        for batch in bar:
            enc = model.encode([shown[i] for i in batch], max_length=opts.train_max_length)
            logits = net(enc["input_ids"], enc["attention_mask"])
            loss = (loss_fn(logits, targets[batch]) * weights[batch]).mean()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimiser.step()
            scheduler.step()
            optimiser.zero_grad(set_to_none=True)
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
        dev_logits = model.logits([ex.text for ex in dev_set])
        score = macro_f1(dev_y, dev_logits.argmax(axis=1).tolist(), len(model.labels))
        print(
            f"epoch {epoch}: dev macro-F1 {score:.4f} "
            f"({(time.monotonic() - started) / 60:.1f} min)",
            file=log,
        )
        if best is None or score > best[0]:
            best = (score, _trainable_state(model))
    assert best is not None
    with torch.no_grad():
        for name, param in net.named_parameters():
            if name in best[1]:
                param.copy_(best[1][name])
    calibrate(model, dev_set)
    model.config.metrics["train_minutes"] = round((time.monotonic() - started) / 60, 1)
    model.config.metrics["train_examples"] = len(train_set)
    model.config.metrics["relabelled_as_question"] = moved
    model.save(opts.out)
    digest = hashlib.sha256((opts.out / "adapter.safetensors").read_bytes()).hexdigest()[:8]
    model.config.version = f"{short_name(opts.encoder_id)}-lora-{dt.date.today():%Y%m%d}-{digest}"
    model.save(opts.out)
    print(f"saved {model.config.version} to {opts.out}", file=log)
    return model


def calibrate(model: MentionClassifier, dev_set: Sequence[Example]) -> None:
    """Fit temperature, review thresholds and the spam auto-action threshold on dev."""
    index = {lab: i for i, lab in enumerate(model.labels)}
    y = [index[ex.label] for ex in dev_set]
    logits = model.logits([ex.text for ex in dev_set])
    cfg = model.config
    cfg.temperature, biases = fit_bias_temperature(logits, y)
    cfg.biases = {label: round(float(b), 6) for label, b in zip(cfg.labels, biases, strict=True)}
    probs = calibrated(cfg, logits)
    cfg.thresholds = review_thresholds(probs, y, cfg.labels)
    spam = index[Label.SPAM]
    threshold = auto_action_threshold(probs[:, spam], np.asarray(y) == spam)
    cfg.auto_action_threshold = threshold
    cfg.auto_action_note = (
        "halfway below the lowest spam probability with dev spam precision >= 0.98 at every "
        "higher cut"
        if threshold is not None
        else "dev spam precision never reaches 0.98: no auto-action"
    )
    cfg.metrics.update(
        {
            "dev_macro_f1": round(macro_f1(y, probs.argmax(axis=1).tolist(), len(cfg.labels)), 4),
            "dev_ece": round(expected_calibration_error(probs, y), 4),
        }
    )
