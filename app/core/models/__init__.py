"""The model catalog, GGUF headers, the registry of model files, importing a file."""
