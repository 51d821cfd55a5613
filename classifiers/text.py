"""Making arbitrary input safe to tokenize, and the model's text normalisation."""

from __future__ import annotations

import re

MAX_CHARS = 4_000  # far beyond the model's 128-token window; bounds tokenizer work on 100 KB input

_URL = re.compile(
    r"(?:https?://|www\.)\S*|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|ly|co|io|me|gl|gd|app|xyz)/\S*",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<![\w@])@\w{1,30}")


def clean_text(text: str) -> str:
    """Replace lone surrogates with U+FFFD and cut pathological lengths.

    Valid surrogate pairs (possible in strings built from UTF-16 data) are joined into the
    character they encode; only unpaired halves are replaced.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    text = text[:MAX_CHARS]
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def normalise(text: str) -> str:
    """Links become ``http`` and @-handles ``@user``, as in TweetEval/BERTweet preprocessing.

    A link's presence is kept (spam signal) but not its address, and brand handles are hidden so
    the model cannot learn "@SomeAirline means complaint" and must read what is said.
    """
    return _HANDLE.sub("@user", _URL.sub("http", text))


def model_input(text: str, normalise_text: bool) -> str:
    """What the tokenizer sees for ``text``, for a model trained with or without normalisation."""
    cleaned = clean_text(text)
    return normalise(cleaned) if normalise_text else cleaned


def is_blank(text: str) -> bool:
    return not text.strip()
