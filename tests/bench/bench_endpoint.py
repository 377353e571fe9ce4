"""Endpoint benchmark (not part of the test suite): the endpoint backend against a plain httpx
streaming client, same llama_cpp.server, same prompts, runs alternating, in one process.

    .venv/bin/python tests/bench/bench_endpoint.py [--rounds N] [--json]

1. Time to first token and tokens/s: EndpointEngine.chat (token count, context fit, its own
   connection per answer, SSE parsing) against httpx.Client.stream on /v1/chat/completions reading
   the same SSE; greedy, same max_tokens; no prompt right after itself (the server's KV cache would
   favour the second side); medians compared.
2. Cancel latency through nginx (TLS, basic auth, proxy_buffering off): cancel() after the first
   piece -> result() returns. Skipped when nginx is not installed.
Targets: TTFT and tokens/s ratios >= 0.95; cancel < 100 ms.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.privacy import guard  # noqa: E402

guard.offline_environment()
guard.install()

import httpx  # noqa: E402

from app.core.engine.endpoint_engine import EndpointEngine, endpoint_model  # noqa: E402
from app.core.engine.sampling import SamplingParams  # noqa: E402
from app.core.foundation import paths  # noqa: E402
from app.core.foundation.settings import Settings  # noqa: E402
from tests.helpers.llama_server import N_CTX, start_llama_server  # noqa: E402

PROMPTS = [
    "Explain what a lease break clause is.",
    "List the duties of a trustee under English law.",
    "Write a short note to a client about a missed filing deadline.",
    "What should a share purchase agreement's warranties cover?",
]
MAX_TOKENS = 64


def settings_for(url: str, alias: str, **extra) -> Settings:
    settings = Settings()
    for key, value in {"url": url, "model": alias, "max_context": N_CTX, "timeout_s": 60.0, **extra}.items():
        settings.set(f"endpoint.{key}", value)
    return settings


def plain_stream(client: httpx.Client, url: str, key: str, alias: str, prompt: str) -> tuple[float, float, int]:
    """(ttft_ms, tokens_per_s, pieces) of one answer read with nothing but httpx."""
    body = {"model": alias, "messages": [{"role": "user", "content": prompt}], "stream": True,
            "max_tokens": MAX_TOKENS, "temperature": 0.0, "seed": 1}
    started = time.perf_counter()
    first = last = 0.0
    pieces = 0
    with client.stream("POST", f"{url}/chat/completions", json=body,
                       headers={"Authorization": f"Bearer {key}"}) as response:
        for line in response.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            delta = json.loads(line[6:])["choices"][0].get("delta", {}).get("content")
            if delta:
                last = time.perf_counter()
                first = first or last
                pieces += 1
    return (first - started) * 1000, (pieces - 1) / (last - first) if pieces > 1 else 0.0, pieces


def bench_speed(server, rounds: int) -> dict:
    os.environ["STRONGROOM_API_KEY"] = server.key
    engine = EndpointEngine()
    engine.load(endpoint_model(server.alias, server.url), settings=settings_for(server.url, server.alias)).result(60)
    sampling = SamplingParams(max_tokens=MAX_TOKENS, temperature=0.0, seed=1)
    ours: dict[str, list[float]] = {"ttft": [], "tps": []}
    plain: dict[str, list[float]] = {"ttft": [], "tps": []}
    with httpx.Client(timeout=60) as client:
        plain_stream(client, server.url, server.key, server.alias, "Warm up.")  # the server's first answer is slower
        # llama_cpp.server reuses the previous prompt's KV cache: a request right after the same prompt
        # would start faster. So no prompt follows itself: each round measures every prompt once, the
        # sides alternating, and the next round swaps them (rounds are taken in pairs).
        for r in range(rounds + rounds % 2):
            for i, prompt in enumerate(PROMPTS):
                for side in (("ours",) if (r + i) % 2 == 0 else ("plain",)):
                    if side == "ours":
                        done = engine.chat("bench", [{"role": "user", "content": prompt}], sampling).result(120)
                        ours["ttft"].append(done.timings.ttft_ms)
                        ours["tps"].append(done.timings.tokens_per_s)
                    else:
                        ttft, tps, _ = plain_stream(client, server.url, server.key, server.alias, prompt)
                        plain["ttft"].append(ttft)
                        plain["tps"].append(tps)
    engine.close()
    med = statistics.median
    return {"answers_per_side": len(ours["ttft"]), "max_tokens": MAX_TOKENS,
            "ttft_ms": {"endpoint_engine": round(med(ours["ttft"]), 1), "plain_httpx": round(med(plain["ttft"]), 1)},
            "tokens_per_s": {"endpoint_engine": round(med(ours["tps"]), 1), "plain_httpx": round(med(plain["tps"]), 1)},
            # >= 1 means the engine is as fast: plain TTFT / ours, ours tokens/s / plain
            "ttft_ratio": round(med(plain["ttft"]) / med(ours["ttft"]), 3),
            "tokens_per_s_ratio": round(med(ours["tps"]) / med(plain["tps"]), 3)}


def bench_cancel(server, tmp: Path, runs: int) -> dict | None:
    from tests.helpers.nginx import PASSWORD, USER, start_nginx
    import shutil

    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if binary is None:
        return None
    proxy = start_nginx(binary, tmp / "nginx", server.port, server.key)
    os.environ["STRONGROOM_API_KEY"] = PASSWORD
    engine = EndpointEngine()
    try:
        engine.load(endpoint_model(server.alias, proxy.url),
                    settings=settings_for(proxy.url, server.alias, ca_file=str(proxy.pki.ca_file),
                                          basic_auth_user=USER)).result(60)
        latencies = []
        for i in range(runs):
            first = threading.Event()
            gen = engine.chat("cancel", [{"role": "user", "content": f"Write a very long story number {i}."}],
                              SamplingParams(max_tokens=1500, temperature=0.8, seed=i), lambda _p: first.set())
            first.wait(60)
            time.sleep(0.05)  # mid-stream, not at the first byte
            started = time.perf_counter()
            gen.cancel()
            done = gen.result(30)
            latencies.append((time.perf_counter() - started) * 1000)
            assert done.finish_reason == "cancelled"
    finally:
        engine.close()
        proxy.stop()
    return {"runs": runs, "median_ms": round(statistics.median(latencies), 2), "max_ms": round(max(latencies), 2)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=6, help="each prompt is measured rounds/2 times per side")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from app.core.foundation.paths import demo_chat_dir

    gguf = next(demo_chat_dir().glob("*.gguf"))
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["STRONGROOM_HOME"] = str(Path(tmp) / "home")
        server = start_llama_server(gguf, Path(tmp) / "server.log")
        try:
            result = {"model": gguf.name, "server": "llama_cpp.server (llama-cpp-python 0.3.36), n_threads 1",
                      "speed": bench_speed(server, args.rounds), "cancel_through_nginx": bench_cancel(server, Path(tmp), 10)}
        finally:
            server.stop()
    assert paths.data_dir()  # the temporary home was used
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        s, c = result["speed"], result["cancel_through_nginx"]
        print(f"TTFT median: engine {s['ttft_ms']['endpoint_engine']} ms, plain httpx {s['ttft_ms']['plain_httpx']} ms "
              f"-> ratio {s['ttft_ratio']} (target >= 0.95)")
        print(f"tokens/s median: engine {s['tokens_per_s']['endpoint_engine']}, plain httpx "
              f"{s['tokens_per_s']['plain_httpx']} -> ratio {s['tokens_per_s_ratio']} (target >= 0.95)")
        print("cancel through nginx: " + (f"median {c['median_ms']} ms, max {c['max_ms']} ms over {c['runs']} runs "
                                          "(target < 100 ms)" if c else "skipped (nginx is not installed)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
