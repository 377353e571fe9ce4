"""The core's model names the models view uses as they are: a model file's record, the statuses
its checksum check can give, and the copy of a file into the user's models folder; and ModelEntry,
a model file as the window shows it, judged off the UI thread."""
from __future__ import annotations

from dataclasses import dataclass

from app.core.models.model_import import import_model_file
from app.core.models.registry import CORRUPT, INCOMPLETE, MISMATCH, UNVERIFIED, VERIFIED, ModelInfo


@dataclass(frozen=True)
class ModelEntry:
    """A model file with what the window needs to show it, worked out on a worker (Services.scan_models,
    verify_model): the views never call into the registry themselves."""

    info: ModelInfo  # the registry's record, handed back to the core to verify or load it
    id: str
    name: str
    path: str  # its (first) file: the key the views use
    refusal: str | None  # why the engine would refuse to load it under the settings in force; None: it would load


__all__ = ["CORRUPT", "INCOMPLETE", "MISMATCH", "UNVERIFIED", "VERIFIED", "ModelEntry", "ModelInfo",
           "import_model_file"]
