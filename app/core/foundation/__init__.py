"""Paths, settings with the IT policy overlay, atomic writes, logs, the single-instance lock."""
