"""Prints the bundle venv's requirements: pyproject's dependencies less llama-cpp-python (installed
first, portable, from its own line in the Makefile), plus PyInstaller. Neither torch nor transformers:
embeddings run on llama.cpp (tests/packaging/test_bundle_requirements.py checks it)."""
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
for requirement in project["dependencies"]:
    if requirement.startswith(("torch", "transformers", "sentence-transformers")):
        raise SystemExit(f"{requirement} must not be a runtime dependency: the bundle does not carry it")
    if not requirement.startswith("llama-cpp-python"):
        print(requirement)
print(next(r for r in project["optional-dependencies"]["dev"] if r.startswith("pyinstaller")))
