"""Chat templates used as fixtures.

MISTRAL_V03: the `chat_template` of mistralai/Mistral-7B-Instruct-v0.3, tokenizer_config.json, as
published with the model (May 2024; the same text as v0.1/v0.2) and carried by the common GGUF
conversions of it. Reproduced from that file; it allows no system role.
"""

MISTRAL_V03 = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{% endif %}"
    "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}"
    "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}"
    "{% endif %}{% endfor %}"
)

# Classic Jinja sandbox escapes: each must fail with ChatTemplateError, never run.
HOSTILE = (
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('touch /tmp/strongroom-pwned').read() }}",
    "{% for m in messages %}{{ m.__class__.__init__.__globals__ }}{% endfor %}",
    "{{ self._TemplateReference__context.cycler.__init__.__globals__.os }}",
)
