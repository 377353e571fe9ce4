import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.models.gguf_meta import GGUFError, read_gguf


def test_reads_real_demo_header(demo_gguf):
    info = read_gguf(demo_gguf)
    assert info.architecture == "llama"
    assert info.context_length == 8192
    assert info.quantization == "Q4_1"
    assert 130_000_000 < info.parameter_count < 140_000_000
    assert "<|im_start|>" in info.chat_template
    assert info.data_end == demo_gguf.stat().st_size


def test_truncated_copy_is_reported(tmp_path, demo_gguf):
    bad = tmp_path / "cut.gguf"
    bad.write_bytes(demo_gguf.read_bytes()[:50_000_000])
    with pytest.raises(GGUFError, match="truncated"):
        read_gguf(bad)


@pytest.mark.parametrize("content, reason", [
    (b"", "too short"),
    (b"PK\x03\x04" + b"\x00" * 100, "not a GGUF"),
    (b"GGUF" + struct.pack("<I", 99) + b"\x00" * 40, "version 99"),
    (b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 2**60) + b"x" * 20, "implausible string"),
    (b"GGUF" + struct.pack("<IQQ", 3, 2**40, 0) + b"\x00" * 20, "claims"),
])
def test_hostile_headers(tmp_path, content, reason):
    f = tmp_path / "hostile.gguf"
    f.write_bytes(content)
    with pytest.raises(GGUFError, match=reason):
        read_gguf(f)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(min_size=0, max_size=3000), cut=st.integers(min_value=24, max_value=4000))
def test_fuzzed_headers_never_crash(tmp_path, demo_gguf, data, cut):
    # A real header prefix followed by junk: the reader either parses it or raises GGUFError.
    with open(demo_gguf, "rb") as handle:
        prefix = handle.read(cut)
    f = tmp_path / "fuzz.gguf"
    f.write_bytes(prefix + data)
    try:
        read_gguf(f)
    except GGUFError:
        pass
