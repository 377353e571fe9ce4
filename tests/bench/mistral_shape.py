"""A GGUF with Mistral 7B's layer shapes and random weights, for timing only (not for answers).

    python tests/bench/mistral_shape.py OUT.gguf [--layers 1]

What a turn costs splits into weight matrices (per token, whatever the context) and attention (per
token, growing with the context). Their ratio depends on the width of a layer, not on how many
layers there are or what the weights hold: Mistral 7B (4,096 wide, FFN 14,336, 32 query and 8 KV
heads) spends ~6x its width / context more on weights than on attention; the 135M demo model, 576
wide, is attention-bound by comparison once the context passes a thousand tokens. One layer at
Mistral's width gives Mistral's ratio in 2 CPU cores' reach. The tokenizer and chat template are
the demo model's (a vocabulary is needed to run prompts); weights are Q8_0 with random values.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

WIDTH, FFN, HEADS, KV_HEADS = 4096, 14336, 32, 8  # Mistral 7B v0.1-v0.3
Q8_BLOCK = 32  # values per Q8_0 block: a float16 scale and 32 int8


def _q8_0(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    """Random Q8_0 bytes for a rows x cols matrix (what GGUF stores for a quantized tensor)."""
    blocks = np.empty((rows, cols // Q8_BLOCK, 2 + Q8_BLOCK), dtype=np.uint8)
    blocks[:, :, :2] = np.frombuffer(np.float16(0.0015).tobytes(), dtype=np.uint8)
    blocks[:, :, 2:] = rng.integers(-127, 128, size=(rows, cols // Q8_BLOCK, Q8_BLOCK), dtype=np.int8).view(np.uint8)
    return blocks.reshape(rows, -1)


def write(out: Path, source: Path, layers: int = 1, seed: int = 0) -> Path:
    import gguf

    reader = gguf.GGUFReader(str(source))
    vocab = len(reader.fields["tokenizer.ggml.tokens"].contents())
    writer = gguf.GGUFWriter(str(out), "llama")
    writer.add_name("Mistral-shaped timing fixture")
    writer.add_context_length(32768)
    writer.add_embedding_length(WIDTH)
    writer.add_block_count(layers)
    writer.add_feed_forward_length(FFN)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(KV_HEADS)
    writer.add_rope_dimension_count(WIDTH // HEADS)
    writer.add_rope_freq_base(1_000_000.0)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(vocab)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0)
    for name, field in reader.fields.items():
        if name.startswith("tokenizer."):
            sub = field.types[1] if len(field.types) > 1 else None
            writer.add_key_value(name, field.contents(), field.types[0], sub)

    rng = np.random.default_rng(seed)
    q8 = gguf.GGMLQuantizationType.Q8_0
    ones = np.ones(WIDTH, dtype=np.float32)
    writer.add_tensor("token_embd.weight", _q8_0(rng, vocab, WIDTH), raw_dtype=q8)  # tied: also the output
    writer.add_tensor("output_norm.weight", ones)
    kv_width = WIDTH // HEADS * KV_HEADS
    for i in range(layers):
        for name, rows, cols in (("attn_q", WIDTH, WIDTH), ("attn_k", kv_width, WIDTH), ("attn_v", kv_width, WIDTH),
                                 ("attn_output", WIDTH, WIDTH), ("ffn_gate", FFN, WIDTH), ("ffn_up", FFN, WIDTH),
                                 ("ffn_down", WIDTH, FFN)):
            writer.add_tensor(f"blk.{i}.{name}.weight", _q8_0(rng, rows, cols), raw_dtype=q8)
        writer.add_tensor(f"blk.{i}.attn_norm.weight", ones)
        writer.add_tensor(f"blk.{i}.ffn_norm.weight", ones)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out


def main() -> int:
    from app.core.foundation import paths

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--layers", type=int, default=1)
    args = parser.parse_args()
    demo = next(paths.demo_chat_dir().glob("*.gguf"))
    write(args.out, demo, args.layers)
    print(f"{args.out} ({args.out.stat().st_size / 1e6:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
