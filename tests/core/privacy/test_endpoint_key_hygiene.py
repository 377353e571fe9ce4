"""The model server's API key never reaches a log (at DEBUG, httpx's and httpcore's included), the
settings file, or an error message, whether the server takes it or refuses it."""
import pytest

from app.core.engine.endpoint_engine import EndpointEngine, endpoint_model
from app.core.engine.interface import EngineError
from app.core.engine.sampling import SamplingParams
from app.core.foundation import paths
from app.core.foundation.settings import Settings
from tests.helpers.log_scan import debug_log  # noqa: F401 (fixture)
from tests.helpers.llama_server import N_CTX, llama_server  # noqa: F401 (fixture)
from tests.helpers.log_scan import find_phrases

pytestmark = pytest.mark.slow


def test_the_key_is_in_no_log_file_or_message(llama_server, debug_log, strongroom_home, monkeypatch):
    settings = Settings()
    for key, value in {"url": llama_server.url, "model": llama_server.alias, "max_context": N_CTX}.items():
        settings.set(f"endpoint.{key}", value)
    settings.save()
    messages = []
    for key in (llama_server.key, "Wrong-Key-Zebra-4471"):
        monkeypatch.setenv("STRONGROOM_API_KEY", key)
        engine = EndpointEngine()
        try:
            engine.load(endpoint_model(llama_server.alias, llama_server.url), settings=settings).result(60)
            engine.chat("h", [{"role": "user", "content": "Hi"}], SamplingParams(max_tokens=4)).result(60)
        except EngineError as exc:
            messages.append(str(exc))
        finally:
            engine.close()
    assert len(messages) == 1 and "refused the API key" in messages[0]  # the wrong key really was tried
    assert "Wrong-Key-Zebra" not in messages[0]
    assert (debug_log / "strongroom.log").stat().st_size > 0
    assert find_phrases(strongroom_home, [llama_server.key, "Wrong-Key-Zebra-4471"]) == []
    assert paths.settings_file().exists() and llama_server.key not in paths.settings_file().read_text()
