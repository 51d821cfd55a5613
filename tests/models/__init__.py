"""Tests of the models package (store, migrations, engine)."""
