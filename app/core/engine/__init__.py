"""The local llama.cpp engine: one owner thread, chat templates, the context budget."""
