"""Prints the bundle venv's requirements: pyproject's dependencies less torch and llama-cpp-python
(installed first, from their own lines in the Makefile), plus PyInstaller."""
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
for requirement in project["dependencies"]:
    if not requirement.startswith(("torch", "llama-cpp-python")):
        print(requirement)
print(next(r for r in project["optional-dependencies"]["dev"] if r.startswith("pyinstaller")))
