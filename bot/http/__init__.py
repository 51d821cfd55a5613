"""The HTTP surface: signed ingest, the REST API with its OpenAPI document, health and metrics."""
