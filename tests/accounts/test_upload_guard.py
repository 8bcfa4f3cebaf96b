"""Requests bounded before they are read (accounts.upload_guard, limits in accounts.upload_limits):
each upload page's limit refuses a body one byte over it without reading it and without running the
view; a file over its limit is stopped as it streams in; too many files; no body without its length;
and the memory a large upload costs, refused or accepted.

Bodies are made as the server reads them (``MultipartBody``), so a test never holds them whole and
knows exactly how much of each the server read."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from accounts.upload_guard import request_refusal
from accounts.upload_limits import MB, NO_FILES, UploadLimit, limit_of, megabytes
from commissioning.evidence import EVIDENCE_UPLOAD
from commissioning.notices.models import Notice, NoticeFile, NoticeStatus
from commissioning.notices.rules import RESPONSE_UPLOAD
from commissioning.qaf.cqc import CQC_IMPORT_UPLOAD
from commissioning.qaf.framework_csv import FRAMEWORK_UPLOAD
from commissioning.qaf.models import EvidenceFile, RemedialAction
from outcomes.returns.services import RETURN_UPLOAD
from tests.fixtures import matrix as make
from tests.fixtures.matrix import writes

pytestmark = pytest.mark.django_db

BOUNDARY = "homecare-test-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


class MultipartBody(io.RawIOBase):
    """A multipart/form-data body made as it is read, never held whole; ``read_bytes`` counts what
    the server read. Each file is ``size`` bytes of the letter a (valid UTF-8 text)."""

    def __init__(self, fields: dict[str, str] | None = None, files: list[tuple[str, str, int]] = ()):
        self.segments: list[bytes | int] = []
        for name, value in (fields or {}).items():
            self.segments.append(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        for field, filename, size in files:
            self.segments.append(
                f"--{BOUNDARY}\r\nContent-Disposition: form-data; "
                f'name="{field}"; filename="{filename}"\r\nContent-Type: text/plain\r\n\r\n'.encode()
            )
            self.segments += [size, b"\r\n"]
        self.segments.append(f"--{BOUNDARY}--\r\n".encode())
        self.length = sum(s if isinstance(s, int) else len(s) for s in self.segments)
        self.read_bytes = 0
        self._segment, self._offset = 0, 0

    @classmethod
    def of_length(
        cls, length: int, fields: dict[str, str] | None = None, field: str = "file"
    ) -> MultipartBody:
        """A body of exactly ``length`` bytes: the fields and one file making up the rest."""
        overhead = cls(fields, [(field, "evidence.txt", 0)]).length
        return cls(fields, [(field, "evidence.txt", length - overhead)])

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        written = 0
        while written < len(buffer) and self._segment < len(self.segments):
            segment = self.segments[self._segment]
            size = segment if isinstance(segment, int) else len(segment)
            take = min(size - self._offset, len(buffer) - written)
            data = b"a" * take if isinstance(segment, int) else segment[self._offset : self._offset + take]
            buffer[written : written + take] = data
            written += take
            self._offset += take
            if self._offset == size:
                self._segment, self._offset = self._segment + 1, 0
        self.read_bytes += written
        return written


def send(client: Client, path: str, body: MultipartBody, *, length: int | None = None, **headers):
    """POST ``body`` as the request's stream, announcing ``length`` (its own by default)."""
    return client.generic(
        "POST",
        path,
        CONTENT_TYPE=MULTIPART,
        CONTENT_LENGTH=str(body.length if length is None else length),
        **{"wsgi.input": body},
        **headers,
    )


def client_as(world, role: str | None) -> Client:
    client = Client()
    if role:
        client.force_login(world.users[role])
    return client


def assessment_of(action_pk: int) -> int:
    return RemedialAction.objects.get(pk=action_pk).assessment_id


@dataclass
class UploadPage:
    name: str
    path: Callable[[object], str]
    person: str | None
    limit: UploadLimit
    fields: Callable[[object], dict[str, str]] = lambda w: {}


# Every page that takes files, with its limit; and two that take none (one signed out).
UPLOAD_PAGES = [
    UploadPage(
        "qaf:evidence-upload",
        lambda w: f"/qaf/assessments/{assessment_of(make.qaf_action(w))}/files/",
        "a_approver",
        EVIDENCE_UPLOAD,
    ),
    UploadPage(
        "notices:file-add",
        lambda w: f"/notices/{make.notice(w, 'draft')}/files/",
        "contract_officer",
        EVIDENCE_UPLOAD,
    ),
    UploadPage(
        "notices:respond",
        lambda w: f"/notices/{make.notice(w, 'acknowledged')}/respond/",
        "a_approver",
        RESPONSE_UPLOAD,
        lambda w: {"text": "Both returns are now sent."},
    ),
    UploadPage("returns:month", lambda w: make.month(w), "a_submitter", RETURN_UPLOAD),
    UploadPage("qaf:cqc-import", lambda w: "/qaf/cqc/import/", "quality_officer", CQC_IMPORT_UPLOAD),
    UploadPage(
        "qaf:framework",
        lambda w: make.qaf_frameworks(w, "/qaf/framework/"),
        "quality_officer",
        FRAMEWORK_UPLOAD,
    ),
    UploadPage("accounts:sign-in (no files)", lambda w: "/account/sign-in/", None, NO_FILES),
    UploadPage(
        "notices:extend (no files)",
        lambda w: f"/notices/{make.notice(w)}/extend/",
        "contract_officer",
        NO_FILES,
    ),
]


@pytest.mark.parametrize("page", UPLOAD_PAGES, ids=lambda page: page.name)
def test_a_body_one_byte_over_the_limit_is_refused_unread_and_the_view_never_runs(api_world, page):
    path = page.path(api_world)
    assert limit_of(resolve(path).func, "POST") is page.limit
    body = MultipartBody.of_length(page.limit.request_bytes + 1, page.fields(api_world))
    client = client_as(api_world, page.person)
    with CaptureQueriesContext(connection) as queries:
        response = send(client, path, body)
    assert response.status_code == 413
    assert body.read_bytes == 0  # refused from its Content-Length alone
    assert response.templates[0].name == "errors/413.html"  # the view rendered nothing before it
    assert writes(queries.captured_queries) == []  # and changed nothing
    text = response.content.decode()
    assert f"What you sent is {megabytes(page.limit.request_bytes + 1)}." in text
    assert page.limit.rule().replace("'", "&#x27;") in text
    assert "Nothing was saved." in text


def test_a_body_at_the_limit_is_read():
    request = RequestFactory().post(
        "/", CONTENT_TYPE=MULTIPART, CONTENT_LENGTH=str(EVIDENCE_UPLOAD.request_bytes)
    )
    assert request_refusal(request, EVIDENCE_UPLOAD) is None
    request.META["CONTENT_LENGTH"] = str(EVIDENCE_UPLOAD.request_bytes + 1)
    assert request_refusal(request, EVIDENCE_UPLOAD).status == 413


def test_the_api_answers_a_body_over_the_limit_with_a_problem(api_world):
    token = {"HTTP_AUTHORIZATION": f"Bearer {api_world.tokens['a_submit']}"}
    body = MultipartBody.of_length(RETURN_UPLOAD.request_bytes + 1, {"contract": "1", "period": "2025-06"})
    response = send(Client(), "/api/v1/returns/", body, **token)
    assert response.status_code == 413 and body.read_bytes == 0
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/api/v1/problems/content-too-large/"
    assert "A monthly return can have up to 2 files, each at most 20 MB." in problem["detail"]
    # An endpoint that takes no files: Django's own form-data size.
    response = Client().generic(
        "POST",
        "/api/v1/returns/nil/",
        CONTENT_TYPE="application/json",
        CONTENT_LENGTH=str(NO_FILES.request_bytes + 1),
        **{"wsgi.input": io.BytesIO(b"{}")},
        **token,
    )
    assert response.status_code == 413
    assert "This address takes no files, and at most 2.5 MB of form data." in response.json()["detail"]


def test_a_file_over_its_limit_is_stopped_as_it_streams_in(api_world):
    """A 30 MB file in a response (whose request may carry ten 10 MB files): read to 10 MB, no further."""
    notice = make.notice(api_world, "acknowledged")
    body = MultipartBody({"text": "Both returns are now sent."}, [("files", "minutes.txt", 30 * MB)])
    assert body.length < RESPONSE_UPLOAD.request_bytes
    response = send(client_as(api_world, "a_approver"), f"/notices/{notice}/respond/", body)
    assert response.status_code == 413
    assert "minutes.txt is larger than 10 MB." in response.content.decode()
    assert 10 * MB < body.read_bytes < 10 * MB + 256 * 1024  # stopped within a chunk of the limit
    assert not NoticeFile.objects.exists()
    assert Notice.objects.get(pk=notice).status == NoticeStatus.ACKNOWLEDGED


@pytest.mark.parametrize(
    ("page", "files", "message"),
    [
        ("respond", 11, "You sent more than 10 files."),
        ("evidence", 2, "You sent more than one file."),
        ("sign-in", 1, "You sent a file."),
    ],
)
def test_too_many_files_are_refused_before_any_is_kept(api_world, page, files, message):
    path, person, fields = {
        "respond": (
            f"/notices/{make.notice(api_world, 'acknowledged')}/respond/",
            "a_approver",
            {"text": "Sent."},
        ),
        "evidence": (
            f"/qaf/assessments/{assessment_of(make.qaf_action(api_world))}/files/",
            "a_approver",
            {},
        ),
        "sign-in": ("/account/sign-in/", None, {"username": "someone@example.org", "password": "x"}),
    }[page]
    evidence_before = EvidenceFile.objects.count()
    body = MultipartBody(
        fields, [("files" if page == "respond" else "file", f"{n}.txt", 10) for n in range(files)]
    )
    client = client_as(api_world, person)
    with CaptureQueriesContext(connection) as queries:
        response = send(client, path, body)
    assert response.status_code == 413
    assert message in response.content.decode()
    assert writes(queries.captured_queries) == []
    assert not NoticeFile.objects.exists() and EvidenceFile.objects.count() == evidence_before


def test_a_body_without_its_length_is_refused_unread(api_world):
    body = MultipartBody({"text": "Sent."}, [("files", "a.txt", 10)])
    notice = make.notice(api_world, "acknowledged")
    response = client_as(api_world, "a_approver").generic(
        "POST",
        f"/notices/{notice}/respond/",
        CONTENT_TYPE=MULTIPART,
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": body},
    )
    assert response.status_code == 411 and body.read_bytes == 0
    assert "sent without a Content-Length header" in response.content.decode()
    response = Client().generic(
        "POST",
        "/api/v1/returns/",
        CONTENT_TYPE=MULTIPART,
        HTTP_TRANSFER_ENCODING="chunked",
        HTTP_AUTHORIZATION=f"Bearer {api_world.tokens['a_submit']}",
        **{"wsgi.input": body},
    )
    assert response.status_code == 411
    assert response.json()["type"] == "/api/v1/problems/length-required/"


def _peak_growth(send_request: Callable[[], object]) -> int:
    """The most memory the request held at once beyond what was held before it (Python's allocations)."""
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        send_request()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


def test_memory_stays_small_whatever_the_size_of_the_upload(api_world):
    """A file 30 MB over the evidence limit (refused unread), a 40 MB file in a response (read to its
    10 MB limit, to a temporary file) and an accepted file of 9.5 MB (read, checked, scanned, hashed
    and stored in chunks) each cost the process less than 1 MB at their peak (Python's allocations, by tracemalloc)."""
    action = make.qaf_action(api_world)
    evidence_path = f"/qaf/assessments/{assessment_of(action)}/files/"
    respond_path = f"/notices/{make.notice(api_world, 'acknowledged')}/respond/"
    approver = client_as(api_world, "a_approver")
    for warm_up in (
        MultipartBody({"action": str(action)}, [("file", "warm.txt", 10)]),
        MultipartBody.of_length(20 * MB),
    ):
        send(approver, evidence_path, warm_up)  # templates compiled, connections open

    too_large = MultipartBody({"action": str(action)}, [("file", "scan.txt", 43 * MB)])
    assert too_large.length > EVIDENCE_UPLOAD.request_bytes + 30 * MB - MB
    assert _peak_growth(lambda: send(approver, evidence_path, too_large)) < MB
    assert too_large.read_bytes == 0

    streamed = MultipartBody({"text": "Sent."}, [("files", "minutes.txt", 40 * MB)])
    assert _peak_growth(lambda: send(approver, respond_path, streamed)) < MB
    assert streamed.read_bytes > 10 * MB

    accepted = MultipartBody({"action": str(action)}, [("file", "training-log.txt", 9 * MB + MB // 2)])
    responses = []
    assert _peak_growth(lambda: responses.append(send(approver, evidence_path, accepted))) < MB
    assert responses[0].status_code == 302
    stored = EvidenceFile.objects.get(original_name="training-log.txt")
    assert stored.size == 9 * MB + MB // 2 and stored.file.size == stored.size
