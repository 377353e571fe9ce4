"""One real embedding model per test session (loading it takes seconds)."""
from __future__ import annotations

import pytest

from app.core.index.embedder import Embedder, resolve_model


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    e = Embedder(resolve_model("all-minilm-l6-v2"))
    e.load()
    return e
