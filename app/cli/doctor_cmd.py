"""strongroom doctor [--json]"""
from __future__ import annotations

from app.cli import print_json
from app.core.diagnostics.doctor import report


def register(sub) -> None:
    p = sub.add_parser("doctor", help="report this machine's facts: CPU, memory, GPU, models, keyring, policy")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    data = report()
    if args.json:
        print_json(data)
        return 0
    cpu = data["cpu"]
    feats = ", ".join(f for f, on in cpu["features"].items() if on) or "none detected"
    print(f"Strongroom {data['strongroom']} on {data['os']}, Python {data['python']}")
    print(f"CPU      {cpu['model']} ({cpu['arch']}), {cpu['physical_cores']} physical cores; {feats}")
    print(f"Memory   {data['memory']['total_bytes'] / 1024**3:.1f} GB total, {data['memory']['available_bytes'] / 1024**3:.1f} GB free")
    gpu = data["gpu"]
    print(f"GPU      offload {'available (Metal/CUDA)' if gpu.get('gpu_offload') else 'not available: CPU inference'}"
          f"; llama.cpp {gpu.get('llama_cpp_version') or 'missing: ' + gpu.get('error', '')}")
    for d in data["model_dirs"]:
        state = f"{len(d['models'])} model(s)" if d["exists"] else "does not exist"
        print(f"Models   [{d['origin']}] {d['path']}: {state}")
        for m in d["models"]:
            print(f"           {m['file']} ({m['status']})")
    kr = data["keyring"]
    print(f"Keyring  {kr['backend']}{'' if kr['usable'] else ' (unusable: history asks for a passphrase)'}")
    for name, path in data["dirs"].items():
        print(f"{name.capitalize():8} {path}")
    pol = data["policy"]
    print(f"Policy   {pol['file']}: " + (f"{len(pol['locked'])} locked setting(s)" if pol["present"] else "none"))
    net = data["network"]
    print(f"Network  guard {'on' if net['guard_active'] else 'OFF'}, hub offline {net['hf_offline']}, "
          f"{net['blocked_attempts']} blocked attempt(s)")
    for w in data["warnings"]:
        print(f"Warning  {w}")
    return 0
