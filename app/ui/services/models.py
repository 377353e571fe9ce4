"""The core's model names the models view uses as they are: a model file's record, the statuses
its checksum check can give, and the copy of a file into the user's models folder."""
from app.core.models.model_import import import_model_file
from app.core.models.registry import CORRUPT, INCOMPLETE, MISMATCH, UNVERIFIED, VERIFIED, ModelInfo

__all__ = ["CORRUPT", "INCOMPLETE", "MISMATCH", "UNVERIFIED", "VERIFIED", "ModelInfo", "import_model_file"]
