"""Whole-document work for the window: extract a library's documents into a table, summarize a
document (saved as a conversation). Each call blocks: the views run them through app/ui/tasks.py."""
from __future__ import annotations

from pathlib import Path

from app.core.answers.rag import Cancel, Retriever
from app.core.documents.document_list import library_documents
from app.core.documents.extract import ExtractionResult, Extractor
from app.core.documents.intake import run_pass
from app.core.documents.fields import Field, load_fields, template_names, template_path
from app.core.documents.passages import LibraryPicker
from app.core.documents.saved_table import SavedTable
from app.core.documents.summarize import Summarizer, Summary
from app.core.documents.table import Cell, Row, correct
from app.core.documents.table_export import FORMATS, write_table
from app.core.documents.typed_values import coerce
from app.core.library.content_ids import file_hash

from .conversations import ShownMessage

__all__ = ["Cancel", "Cell", "Field", "FORMATS", "Row", "SavedTable", "Summary", "WholeDocuments", "corrected_cell"]


class NoModel(RuntimeError):
    pass


def corrected_cell(field: Field, cell: Cell, text: str) -> Cell:
    """A hand correction typed in the table: the field's type, or refused with the reason."""
    value, note = coerce(field, text)
    if note:
        raise ValueError(note.replace("the model wrote", "you wrote"))
    return correct(cell, value)


class WholeDocuments:
    def __init__(self, services):
        self.services = services

    def _engine(self):
        engine = self.services.engine
        if engine.loaded is None:
            raise NoModel("No model is loaded yet: choose one in Models, then try again.")
        return engine

    def _embed(self):
        """The embedding model's passage embedding, for checking a summary; None when it cannot load."""
        from app.core.index.embedder import EmbedderError

        try:
            return self.services.embedder.embed_passages
        except EmbedderError:
            return None

    @staticmethod
    def templates() -> list[str]:
        return template_names()

    @staticmethod
    def fields(source: str) -> list[Field]:
        """A built-in template's name or a fields file's path -> its fields (FieldsError says what is wrong)."""
        return load_fields(template_path(source) if source in template_names() else Path(source))

    @staticmethod
    def documents(lib) -> list[Path]:
        return library_documents(lib)

    @staticmethod
    def document_hashes(lib) -> dict[str, str]:
        """Each document of the library now -> its content hash (a file that cannot be read is left out)."""
        hashes = {}
        for path in library_documents(lib):
            try:
                hashes[str(path)] = file_hash(str(path))
            except OSError:
                continue
        return hashes

    def extract(self, lib, fields: list[Field], cancel: Cancel, on_row=None, on_progress=None,
                paths: list[str] | None = None) -> ExtractionResult:
        """Every document of the library, or only `paths`."""
        engine = self._engine()
        picker = LibraryPicker(Retriever(self.services.embedder, self.services.shards().borrow), lib)
        extractor = Extractor(engine, fields, picker=picker)
        files = library_documents(lib) if paths is None else [Path(p) for p in paths]
        return extractor.extract_files(files, cancel=cancel, on_row=on_row, on_progress=on_progress)

    def intake(self, lib):
        """One intake pass when the library has an extraction profile and a model is loaded (else None)."""
        if not (lib.extraction_fields and lib.extraction_output) or self.services.engine.loaded is None:
            return None
        engine = self.services.engine
        return run_pass(lib, lambda fields: Extractor(engine, fields))

    @staticmethod
    def write_table(path: Path, rows: list[Row], fields: list[Field]) -> Path:
        return write_table(path, rows, fields)

    def summarize(self, path: Path, cancel: Cancel, on_progress=None) -> tuple[Summary, str, list[ShownMessage]]:
        """The summary, and the conversation to save it as: its title and messages (the window's history
        writer saves them, in order with every other write)."""
        engine = self._engine()
        summary = Summarizer(engine, embed=self._embed()).summarize(Path(path), cancel=cancel, on_progress=on_progress)
        name = Path(path).name
        messages = [ShownMessage("user", f"Summarize {name}"),
                    ShownMessage("assistant", summary.text, sources=summary.sources, claims=summary.claims,
                                 model=engine.loaded.info.id, timings=dict(summary.timings),
                                 stopped=summary.finish_reason == "cancelled")]
        return summary, f"Summary of {name}", messages
