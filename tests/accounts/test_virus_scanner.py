"""The virus scanner (accounts.virus_scanner) against the real ClamAV daemon that `make test` starts."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from accounts.virus_scanner import (
    ScannerUnavailable,
    ScanVerdict,
    file_scan,
    scanner_configured_check,
    scanner_state,
)
from tests.fixtures.scanner import EICAR, EICAR_FOUND, UNREACHABLE


def test_a_clean_file_is_scanned_and_passes(scanner):
    file = ContentFile(b"Visits on 1 June: 42, all on time.\n" * 5000, name="visits.txt")
    assert file_scan(file) == ScanVerdict(scanned=True)
    assert file.tell() == 0  # left at its start, for what reads it next


def test_the_test_virus_is_found_wherever_it_is_in_the_file(scanner):
    for content in (EICAR, b"%PDF-1.4\n" + b"x" * 200_000 + EICAR):
        verdict = file_scan(ContentFile(content, name="suspect.pdf"))
        assert verdict.infected and verdict.signature == EICAR_FOUND


@pytest.mark.parametrize("url", [UNREACHABLE, "unix:///nonexistent/clamd.sock"])
def test_a_scanner_that_is_down_gives_no_verdict(settings, url):
    settings.CLAMAV_URL = url
    with pytest.raises(ScannerUnavailable):
        file_scan(ContentFile(b"hello", name="a.txt"))
    assert scanner_state() == "unavailable"


def test_state_of_the_scanner_for_the_health_check(scanner, settings):
    assert scanner_state() == "ok"
    settings.CLAMAV_URL = None
    assert scanner_state() == "not configured"


def test_without_a_scanner_nothing_is_scanned_and_deployment_checks_warn(settings):
    settings.CLAMAV_URL = None
    assert file_scan(ContentFile(EICAR, name="a.txt")) == ScanVerdict(scanned=False)
    [warning] = scanner_configured_check()
    assert warning.id == "homecare.W001" and "CLAMAV_URL is not set" in warning.msg
    settings.CLAMAV_URL = UNREACHABLE
    assert scanner_configured_check() == []
