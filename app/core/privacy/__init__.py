"""The network guard and the keys that keep history sealed."""
