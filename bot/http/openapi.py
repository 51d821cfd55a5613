"""The OpenAPI 3.1 document served at ``/openapi.json``; request schemas come from pydantic."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from bot.http.schema import DecisionIn, MentionBatchIn, MentionIn
from bot.http.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER
from models.domain import Label, Status

_REF = "#/components/schemas/{model}"


def _ref(model: str) -> dict[str, str]:
    return {"$ref": _REF.format(model=model)}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _json(ref: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


def _object(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }


def document(version: str) -> dict[str, Any]:
    _, defs = models_json_schema(
        [(MentionIn, "validation"), (MentionBatchIn, "validation"), (DecisionIn, "validation")],
        ref_template=_REF,
    )
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    schemas["Error"] = {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "description": "stable machine-readable code"},
            "message": {"type": "string"},
            "details": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"loc": {"type": "string"}, "msg": {"type": "string"}},
                },
            },
        },
    }
    schemas["IngestAccepted"] = {
        "type": "object",
        "properties": {
            "results": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "created": {"type": "boolean"},
                        "source": {"type": "string"},
                        "external_id": {"type": "string"},
                    },
                },
            }
        },
    }
    mention_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mentionbot",
            "version": version,
            "description": "Ingest brand mentions; list, inspect and decide on them.",
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer"},
                "hmac": {
                    "type": "apiKey",
                    "in": "header",
                    "name": SIGNATURE_HEADER,
                    "description": f"v1=hex(HMAC-SHA256(secret, {TIMESTAMP_HEADER} + '.' + "
                    "body)); the timestamp must be within 5 minutes",
                },
            },
        },
        "paths": {
            "/v1/mentions": {
                "post": {
                    "summary": "Ingest one mention or a batch (idempotent on source + external_id)",
                    "security": [{"hmac": []}],
                    "parameters": [
                        {
                            "name": TIMESTAMP_HEADER,
                            "in": "header",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[0-9]+$"},
                        },
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [
                                        _ref("MentionIn"),
                                        _ref("MentionBatchIn"),
                                    ]
                                }
                            }
                        },
                    },
                    "responses": {
                        "202": _json("IngestAccepted", "stored; ids and created flags"),
                        "400": _error("body is not JSON"),
                        "401": _error("signature missing or invalid, or timestamp stale"),
                        "413": _error("body too large"),
                        "422": _error("schema violations, with field paths"),
                        "503": _error("database unavailable; nothing accepted; see Retry-After"),
                    },
                },
                "get": {
                    "summary": "List mentions, newest first",
                    "security": [{"token": []}],
                    "parameters": [
                        {
                            "name": "status",
                            "in": "query",
                            "schema": {"enum": [s.value for s in Status]},
                        },
                        {
                            "name": "label",
                            "in": "query",
                            "schema": {"enum": [lab.value for lab in Label]},
                        },
                        {"name": "assignee", "in": "query", "schema": {"type": "string"}},
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "maximum": 200},
                        },
                        {"name": "offset", "in": "query", "schema": {"type": "integer"}},
                    ],
                    "responses": {"200": _object("mentions"), "401": _error("no or bad token")},
                },
            },
            "/v1/mentions/{id}": {
                "get": {
                    "summary": "A mention with its stages, predictions, suggestions, cards, "
                    "decisions, outbox and audit entries",
                    "security": [{"token": []}],
                    "parameters": [mention_id],
                    "responses": {"200": _object("the history"), "404": _error("no such mention")},
                }
            },
            "/v1/mentions/{id}/decisions": {
                "post": {
                    "summary": "Decide: approve, reject, relabel, claim, unclaim, remove, dismiss",
                    "security": [{"token": []}],
                    "parameters": [
                        mention_id,
                        {"name": "Idempotency-Key", "in": "header", "schema": {"type": "string"}},
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("DecisionIn")}},
                    },
                    "responses": {
                        "200": _object("the recorded decision"),
                        "401": _error("no or bad token"),
                        "403": _error("your role does not allow this (audited)"),
                        "404": _error("no such mention"),
                        "409": _error("already decided, claimed by someone else, or key reused"),
                        "422": _error("malformed decision"),
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "200 when the database answers, else 503",
                    "responses": {"200": _object("ok"), "503": _object("down")},
                }
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics",
                    "responses": {"200": {"description": "text exposition"}},
                }
            },
        },
    }
