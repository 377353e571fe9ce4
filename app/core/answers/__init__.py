"""Retrieval over a conversation's libraries, the grounded prompt, citations, follow-ups."""
