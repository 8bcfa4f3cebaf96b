"""``Idempotency-Key`` on submissions: a retried request gets the first answer, never a second attempt.

The key is claimed by inserting a row in the same transaction as the submission: a concurrent
retry waits on the unique index, then replays the stored answer. A key is kept for
IDEMPOTENCY_KEEP_HOURS; reusing it for a different request is refused (422).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.response import Response

from accounts.api.problems import Conflict, IdempotencyKeyReused
from accounts.models import IdempotentRequest, Organisation

HEADER = "Idempotency-Key"
IDEMPOTENCY_KEEP_HOURS = 24
MAX_KEY_LENGTH = 255


def fingerprint(*parts: object) -> str:
    """A digest of what was asked (not of the raw body: multipart boundaries differ per retry)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def idempotent(
    request,
    *,
    organisation: Organisation,
    request_fingerprint: str,
    perform: Callable[[], Response],
    current: Callable[[dict, int], Response | None] | None = None,
) -> Response:
    """Run ``perform`` once per Idempotency-Key; a retry with the same key replays its answer.

    ``current(body, status)``, when given, answers a replay with the resource as it stands now (a
    submission being checked has moved on since the first answer); None falls back to the first answer.
    """
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return perform()
    if len(key) > MAX_KEY_LENGTH:
        raise exceptions.ValidationError({HEADER: [f"Use at most {MAX_KEY_LENGTH} characters."]})
    cutoff = timezone.now() - timedelta(hours=IDEMPOTENCY_KEEP_HOURS)
    IdempotentRequest.objects.filter(organisation=organisation, key=key, created_at__lt=cutoff).delete()
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotentRequest.objects.create(
                    organisation=organisation, key=key, fingerprint=request_fingerprint
                )
        except IntegrityError:
            record = None
        if record is None:
            return _replay(organisation, key, request_fingerprint, current)
        response = perform()
        if response.status_code >= 400:
            transaction.set_rollback(True)  # a refused request may be retried, fixed, with the same key
            return response
        record.status_code = response.status_code
        record.body = response.data
        record.location = response.get("Location", "")
        record.save(update_fields=["status_code", "body", "location"])
        response[HEADER] = key
        return response


def _replay(
    organisation: Organisation,
    key: str,
    request_fingerprint: str,
    current: Callable[[dict, int], Response | None] | None = None,
) -> Response:
    record = IdempotentRequest.objects.filter(organisation=organisation, key=key).first()
    if record is None or record.status_code is None:
        raise Conflict("A request with this Idempotency-Key is still being processed. Retry in a moment.")
    if record.fingerprint != request_fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was used for a different request. Use a new key for each new submission."
        )
    headers = {HEADER: key, "Idempotent-Replayed": "true"}
    if record.location:
        headers["Location"] = record.location
    response = current(record.body, record.status_code) if current and isinstance(record.body, dict) else None
    if response is None:
        return Response(record.body, status=record.status_code, headers=headers)
    for name, value in headers.items():
        response[name] = value
    return response


def idempotency_prune() -> int:
    """Forget keys older than the keeping period; returns how many went."""
    cutoff = timezone.now() - timedelta(hours=IDEMPOTENCY_KEEP_HOURS)
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
