"""`strongroom doctor`: the facts IT and support ask for first, gathered without the network."""
from __future__ import annotations

import os
import platform
import sys

import psutil

from app.core.privacy import guard

from app.core.foundation import paths
from app.core.models.registry import Registry
from app.core.foundation.settings import Settings

CPU_FEATURES = ("avx", "avx2", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "fma", "f16c", "sse4_2", "neon", "asimd", "sve")


def cpu_facts() -> dict:
    import cpuinfo  # py-cpuinfo: reads CPUID itself, no network

    info = cpuinfo.get_cpu_info()
    flags = set(info.get("flags", []))
    if platform.machine().lower() in ("arm64", "aarch64"):
        flags.add("neon")  # always present on ARMv8
    return {
        "model": info.get("brand_raw") or platform.processor() or "unknown",
        "arch": platform.machine(),
        "features": {f: f in flags for f in CPU_FEATURES},
        "physical_cores": psutil.cpu_count(logical=False) or os.cpu_count() or 1,
        "logical_cores": psutil.cpu_count(logical=True) or 1,
    }


def gpu_facts() -> dict:
    try:
        import llama_cpp

        return {
            "llama_cpp_version": getattr(llama_cpp, "__version__", "unknown"),
            "gpu_offload": bool(llama_cpp.llama_supports_gpu_offload()),
            "mmap": bool(llama_cpp.llama_supports_mmap()),
        }
    except Exception as exc:  # a broken native library must not stop the report
        return {"llama_cpp_version": None, "gpu_offload": False, "error": f"{type(exc).__name__}: {exc}"}


def keyring_facts() -> dict:
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        usable = not isinstance(backend, fail.Keyring)
        return {"backend": f"{type(backend).__module__}.{type(backend).__name__}", "usable": usable}
    except Exception as exc:
        return {"backend": None, "usable": False, "error": str(exc)}


def model_dirs(registry: Registry) -> list[dict]:
    models = registry.scan()
    out = []
    for d in paths.model_search_path():
        inside = [m for m in models if d.path in m.path.parents]
        out.append({
            "path": str(d.path),
            "origin": d.origin,
            "exists": d.path.is_dir(),
            "models": [{"id": m.id, "file": m.path.name, "status": m.status} for m in inside],
        })
    return out


def report() -> dict:
    settings = Settings()
    registry = Registry.from_settings(settings)
    mem = psutil.virtual_memory()
    policy = paths.policy_file()
    return {
        "strongroom": __import__("app").__version__,
        "python": sys.version.split()[0],
        "os": f"{platform.system()} {platform.release()}",
        "cpu": cpu_facts(),
        "memory": {"total_bytes": mem.total, "available_bytes": mem.available},
        "gpu": gpu_facts(),
        "model_dirs": model_dirs(registry),
        "keyring": keyring_facts(),
        "dirs": {
            "data": str(paths.data_dir()),
            "config": str(paths.config_dir()),
            "cache": str(paths.cache_dir()),
            "logs": str(paths.log_dir()),
        },
        "policy": {
            "file": str(policy),
            "present": policy.exists(),
            "locked": sorted(settings.locked),
            "message": settings.policy_message,
        },
        "network": {
            "guard_active": guard.is_active(),
            "allowed": guard.allowed(),  # host:port beyond loopback (endpoint.url, libraries.server_url)
            "blocked_attempts": len(guard.attempts()),
            "hf_offline": os.environ.get("HF_HUB_OFFLINE") == "1",
        },
        "warnings": settings.warnings,
    }
