"""The mentionbot runtime: settings, ingestion, pipeline, decisions, chat adapters, API, CLI."""
