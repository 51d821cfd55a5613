"""The JSON accepted by ingest and the decision API, as pydantic models (also the OpenAPI
schemas). Text is kept verbatim; only what no database can store is refused: NUL characters
and unpaired surrogates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from bot.errors import SchemaViolation
from models.domain import Action, Label, NewMention


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _storable(value: Any) -> Any:
    """Refuse strings no backend can store (PostgreSQL rejects NUL; UTF-8 lone surrogates)."""
    for text in _strings(value):
        if "\x00" in text:
            raise ValueError("must not contain NUL characters")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("must be valid Unicode (no unpaired surrogates)") from None
    return value


Storable = AfterValidator(_storable)
Name = Annotated[str, Field(min_length=1, max_length=255), Storable]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class AuthorIn(_In):
    id: Name
    name: Name
    avatar_url: Annotated[str | None, Field(max_length=2048), Storable] = None


class MentionIn(_In):
    """One mention as a source reported it."""

    source: Annotated[str, Field(min_length=1, max_length=64), Storable]
    external_id: Name
    author: AuthorIn
    text: Annotated[str, Field(max_length=40_000), Storable]
    url: Annotated[str | None, Field(max_length=2048), Storable] = None
    language: Annotated[str | None, Field(max_length=16), Storable] = None
    created_at: AwareDatetime
    metadata: Annotated[dict[str, Any], Storable] = Field(default_factory=dict)
    brand: Annotated[str | None, Field(max_length=128), Storable] = None
    thread_key: Annotated[str | None, Field(max_length=255), Storable] = None

    def to_new(self) -> NewMention:
        return NewMention(
            source=self.source,
            external_id=self.external_id,
            author_id=self.author.id,
            author_name=self.author.name,
            author_avatar_url=self.author.avatar_url,
            text=self.text,
            url=self.url,
            language=self.language,
            created_at=self.created_at,
            metadata=self.metadata,
            brand=self.brand,
            thread_key=self.thread_key,
        )


class MentionBatchIn(_In):
    mentions: list[MentionIn] = Field(min_length=1)


class DecisionIn(_In):
    action: Action
    text: Annotated[str | None, Field(max_length=10_000), Storable] = None
    label: Label | None = None
    idempotency_key: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    suggestion_id: int | None = None
    """approve: which suggestion to send (default: the top-ranked one)."""
    fill_ins: Annotated[dict[str, Annotated[str, Field(max_length=500)]], Field(max_length=20)] = (
        Field(default_factory=dict)
    )
    """approve: values for the suggestion's ``[[name]]`` fill-in variables."""


def violations(exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> list[dict[str, str]]:
    """``[{"loc": "mentions.2.created_at", "msg": "..."}]`` without echoing input values."""
    return [
        {
            "loc": ".".join(str(p) for p in (*prefix, *err["loc"])) or "(body)",
            "msg": err["msg"],
        }
        for err in exc.errors(include_input=False, include_url=False)
    ]


def parse_mentions(data: Any, max_batch: int) -> list[MentionIn]:
    """One mention object, or ``{"mentions": [...]}``; SchemaViolation with field paths."""
    if not isinstance(data, dict):
        raise SchemaViolation(
            'expected a mention object or {"mentions": [...]}',
            [{"loc": "(body)", "msg": f"got a JSON {type(data).__name__}"}],
        )
    try:
        if "mentions" in data:
            if isinstance(data["mentions"], list) and len(data["mentions"]) > max_batch:
                raise SchemaViolation(
                    f"at most {max_batch} mentions per request",
                    [{"loc": "mentions", "msg": f"{len(data['mentions'])} items"}],
                )
            return MentionBatchIn.model_validate(data).mentions
        return [MentionIn.model_validate(data)]
    except ValidationError as exc:
        raise SchemaViolation("the mention(s) do not match the schema", violations(exc)) from None
