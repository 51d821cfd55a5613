"""The data model: domain types, ORM tables, the store and migrations.

This is the bottom layer of mentionbot: it imports none of the project's other packages.
"""
