"""Making arbitrary input safe to tokenize."""

from __future__ import annotations

MAX_CHARS = 4_000  # far beyond the model's 128-token window; bounds tokenizer work on 100 KB input


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


def is_blank(text: str) -> bool:
    return not text.strip()
