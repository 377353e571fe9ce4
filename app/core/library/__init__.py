"""Libraries of folders, their incremental sync and watcher; ingest/ parses each format."""
