"""Strongroom: private document Q&A on an air-gapped workstation."""

__version__ = "0.1.0"
APP_NAME = "Strongroom"
