"""Files people send are checked by ClamAV's daemon (clamd) before they are kept, streamed to it in
chunks over its INSTREAM command (the client is clamdpy), so a file is never read whole into memory.

CLAMAV_URL names the daemon: ``unix:///run/clamav/clamd.ctl`` or ``tcp://host:3310``. When it is set,
a file the daemon cannot give a verdict on is refused (``ScannerUnavailable``); when it is unset (the
embedded mode), files are kept unscanned and each one is logged as a warning, and
``manage.py check --deploy`` warns. What production needs (clamd with freshclam) is in
docs/operations.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from clamdpy import ClamdNetworkSocket, ClamdUnixSocket
from clamdpy.exceptions import ClamdException
from django.conf import settings
from django.core import checks
from django.core.files import File

logger = logging.getLogger("accounts.virus_scanner")
# Long enough for clamd to scan the largest file any page takes; a scanner that takes longer is away.
SCAN_TIMEOUT_SECONDS = 60
PING_TIMEOUT_SECONDS = 2
CHUNK_BYTES = 64 * 1024


class ScannerUnavailable(Exception):
    """The scanner is configured but gave no verdict (not running, timed out, or refused the file)."""


@dataclass(frozen=True)
class ScanVerdict:
    """What the scanner said about one file; ``signature`` names what it found (empty when clean)."""

    scanned: bool
    signature: str = ""

    @property
    def infected(self) -> bool:
        return bool(self.signature)


def _clamd(url: str, timeout: float) -> ClamdNetworkSocket:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return ClamdUnixSocket(path=parts.path, timeout=timeout)
    return ClamdNetworkSocket(host=parts.hostname or "127.0.0.1", port=parts.port or 3310, timeout=timeout)


def file_scan(file: File) -> ScanVerdict:
    """Scan ``file`` with clamd (unscanned when CLAMAV_URL is unset); ScannerUnavailable when the
    configured scanner gives no verdict. Leaves the file at its start."""
    url = settings.CLAMAV_URL
    if not url:
        return ScanVerdict(scanned=False)
    file.seek(0)
    try:
        result = _clamd(url, SCAN_TIMEOUT_SECONDS).instream(file, max_chunk_size=CHUNK_BYTES)
    except (ClamdException, OSError) as error:
        logger.error("The virus scanner at %s gave no verdict: %r", url, error)
        raise ScannerUnavailable(str(error)) from error
    finally:
        file.seek(0)
    if result.status == "FOUND":
        return ScanVerdict(scanned=True, signature=result.reason or "unnamed")
    if result.status != "OK":
        logger.error("The virus scanner at %s could not scan a file: %s", url, result.reason)
        raise ScannerUnavailable(result.reason or "no verdict")
    return ScanVerdict(scanned=True)


def scanner_state() -> str:
    """For /health/: "ok", "unavailable", or "not configured"."""
    url = settings.CLAMAV_URL
    if not url:
        return "not configured"
    try:
        return "ok" if _clamd(url, PING_TIMEOUT_SECONDS).ping() == "PONG" else "unavailable"
    except (ClamdException, OSError):
        return "unavailable"


@checks.register(checks.Tags.security, deploy=True)
def scanner_configured_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """`manage.py check --deploy`: production scans what people upload."""
    if settings.CLAMAV_URL:
        return []
    return [
        checks.Warning(
            "CLAMAV_URL is not set: evidence and notice files are kept without a virus scan.",
            hint="Run ClamAV's daemon (clamd, with freshclam) and set CLAMAV_URL; see docs/operations.md.",
            id="homecare.W001",
        )
    ]
