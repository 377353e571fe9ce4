"""The bundle carries no torch and no transformers: embeddings run on llama.cpp."""
from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT


def test_bundle_requirements_list_neither_torch_nor_transformers():
    out = subprocess.run([sys.executable, str(ROOT / "packaging" / "bundle_requirements.py")],
                         capture_output=True, text=True, check=True).stdout.split()
    names = {re.split(r"[<>=!~\[ ]", r, maxsplit=1)[0].lower() for r in out}
    assert not names & {"torch", "transformers", "sentence-transformers"}
    assert {"tokenizers", "numpy", "qdrant-edge-py", "pyinstaller"} <= names


def test_the_bundle_spec_excludes_them_and_carries_the_embedding_gguf():
    spec = (ROOT / "packaging" / "strongroom.spec").read_text()
    for module in ("torch", "transformers", "sentence_transformers"):
        assert f'"{module}"' in spec.split("EXCLUDES = [", 1)[1].split("]", 1)[0]
    assert "bundle-models" in spec and '"models"' in spec
