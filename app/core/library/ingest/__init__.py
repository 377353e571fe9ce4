"""Turning documents into text blocks (one parser per format) and blocks into token-sized chunks."""
from .chunker import Chunk, chunk_document, load_tokenizer
from .model import Block, OcrCancelled, ParsedDocument, ParseError
from .parse import SUPPORTED_SUFFIXES, parse_bytes, parse_file, supported

__all__ = [
    "Block", "Chunk", "OcrCancelled", "ParseError", "ParsedDocument", "SUPPORTED_SUFFIXES",
    "chunk_document", "load_tokenizer", "parse_bytes", "parse_file", "supported",
]
