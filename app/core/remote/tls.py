"""Which servers this computer trusts: the operating system's certificate store plus, optionally, one
CA file IT names in settings (endpoint.ca_file, libraries.ca_file). Verification is never switched off."""
from __future__ import annotations

import ssl

import truststore


class CaFileError(ValueError):
    """The CA file named in settings cannot be read as PEM certificates."""


def ssl_context(ca_file: str | None) -> ssl.SSLContext:
    """A client context that verifies the server's certificate and host name against the OS trust
    store (Windows/macOS keychain, the distribution's bundle on Linux) plus the certificates in
    `ca_file`, when given. A CA file that cannot be read raises CaFileError naming the file."""
    ctx = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED + check_hostname by default
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if ca_file:
        try:
            ctx.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise CaFileError(f"the CA file {ca_file!r} cannot be read as PEM certificates ({exc})") from exc
    return ctx
