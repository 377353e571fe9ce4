"""One small demo-model engine for the documents tests (module-scoped where used), and real files."""
from __future__ import annotations

import pytest

from app.core.engine.local_engine import Engine
from app.core.models.registry import Registry
from tests.core.ingest_files import pdf_bytes

CONTRACT = (
    "SERVICES AGREEMENT\n\n"
    "This Services Agreement is made on 3 March 2021 between Acme Widgets Ltd and Blue River Consulting LLP.\n\n"
    "1. Term. This Agreement runs for two years from the date above.\n\n"
    "2. Termination. Either party may terminate this Agreement by giving ninety days' written notice.\n\n"
    "3. Governing law. This Agreement is governed by the laws of England and Wales.\n"
)
PDF_PAGES = ["LEASE\nThis Lease is made on 1 June 2020 between Harbour Estates plc and Kettle & Co.",
             "The rent is GBP 4,000 per quarter.\nThis Lease is governed by the laws of Scotland."]


def load_engine(n_ctx: int) -> Engine:
    engine = Engine()
    engine.load(Registry().find("smollm2-135m-instruct"), n_ctx=n_ctx, n_threads=2, gpu_offload=False).result()
    return engine


@pytest.fixture
def contracts(tmp_path):
    folder = tmp_path / "contracts"
    folder.mkdir()
    (folder / "services.txt").write_text(CONTRACT, encoding="utf-8")
    (folder / "lease.pdf").write_bytes(pdf_bytes(PDF_PAGES))
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not a real docx")
    return folder
