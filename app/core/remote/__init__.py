"""Every line that touches the network: the endpoint HTTP client, TLS trust, the firm's Qdrant server."""
