"""Conversations in SQLite, sealed field by field; export to Markdown or Word."""
