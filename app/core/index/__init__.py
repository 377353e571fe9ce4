"""Vector stores (Qdrant Edge shards, a Qdrant server), their owner, the embedder."""
