"""Requests bounded before they are read (limits in ``accounts.upload_limits``).

1. A body whose Content-Length is over the limit of its page is refused (413) before a byte of it
   is read, and a body sent without a Content-Length (chunked) is refused (411): Django reads
   nothing it was not told the length of, so the page would otherwise see an empty form.
2. As a multipart body streams in, ``LimitedUploadHandler`` counts the files and each file's bytes,
   and stops at the first file too many or the first byte over a file's limit: nothing over the limit
   is ever held. Files over FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file, never to memory.
3. A multipart form sent to a page (or to an API endpoint that takes files) is read here, before the
   view and before the CSRF check reads it, so a refusal is a 413 and the view never runs with half a
   form. (An API endpoint that takes no files reads its body itself: a file sent to it is a 400.)

The answers: a page saying the limit and what to do, or for the API a problem-details body.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.api.problems import PROBLEM_CONTENT_TYPE, is_api_request, problem_body
from accounts.upload_limits import NO_FILES, UploadLimit, limit_of, megabytes

logger = logging.getLogger("accounts.uploads")
BODY_METHODS = ("POST", "PUT", "PATCH")


@dataclass(frozen=True)
class Refusal:
    """Why a request was refused, in words for the person who sent it."""

    limit: UploadLimit
    heading: str
    what: str  # what was wrong with this request
    status: int = 413

    @property
    def detail(self) -> str:
        return f"{self.what} {self.limit.rule()} {self.limit.advice} Nothing was saved."


class UploadRefused(MultiPartParserError):
    """Raised while a multipart body streams in, at the first file or byte over the limit."""

    def __init__(self, refusal: Refusal):
        super().__init__(refusal.detail)
        self.refusal = refusal


def too_large(limit: UploadLimit, size: int) -> Refusal:
    return Refusal(limit, "What you sent is too large", f"What you sent is {megabytes(size)}.")


class LimitedUploadHandler(FileUploadHandler):
    """Counts files and each file's bytes as the body streams in; the handlers after it keep the
    file (in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE, else in a temporary file)."""

    def __init__(self, request: HttpRequest, limit: UploadLimit):
        super().__init__(request)
        self.limit = limit
        self.files = 0
        self.received = 0

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self.files += 1
        self.received = 0
        if self.files > self.limit.files:
            what = {0: "You sent a file.", 1: "You sent more than one file."}.get(
                self.limit.files, f"You sent more than {self.limit.files} files."
            )
            raise UploadRefused(Refusal(self.limit, "Too many files", what))

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit.file_bytes:
            raise UploadRefused(
                Refusal(
                    self.limit,
                    "The file is too large",
                    f"{self.file_name} is larger than {self.limit.size_text}.",
                )
            )
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler keeps the file


def _content_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META["CONTENT_LENGTH"])
    except (KeyError, TypeError, ValueError):
        return None


def request_refusal(request: HttpRequest, limit: UploadLimit) -> Refusal | None:
    """The refusal of a request from its headers alone, before its body is read; None if it may be read."""
    length = _content_length(request)
    if length is None and request.META.get("HTTP_TRANSFER_ENCODING") and request.method in BODY_METHODS:
        return Refusal(
            limit,
            "The request did not say its size",
            "The request was sent without a Content-Length header (in chunks), so it cannot be read. "
            "Send it with its Content-Length.",
            status=411,
        )
    if length is not None and length > limit.request_bytes:
        return too_large(limit, length)
    return None


def _close_partial_files(request: HttpRequest) -> None:
    for handler in request.upload_handlers:
        file = getattr(handler, "file", None)
        if file is not None:
            file.close()  # a temporary file is deleted when closed


def body_refusal(request: HttpRequest, limit: UploadLimit) -> Refusal | None:
    """Read a multipart form now, within ``limit``; the refusal if it goes over."""
    try:
        request.POST  # noqa: B018  (parses the body, files included)
    except UploadRefused as refused:
        _close_partial_files(request)
        return refused.refusal
    except TooManyFilesSent:
        _close_partial_files(request)
        return Refusal(limit, "Too many files", f"You sent more than {limit.files} files.")
    except RequestDataTooBig:
        _close_partial_files(request)
        return Refusal(
            limit, "What you sent is too large", "The form's fields (not its files) are too large."
        )
    return None


def _back_link(request: HttpRequest) -> str:
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return ""


def refusal_response(request: HttpRequest, refusal: Refusal) -> HttpResponse:
    """The answer to a refused request: a page, or for the API a problem-details body."""
    logger.warning("Refused %s %s (%s): %s", request.method, request.path, refusal.status, refusal.what)
    if is_api_request(request):
        slug = "length-required" if refusal.status == 411 else "content-too-large"
        body = problem_body(slug, refusal.detail, instance=request.path)
        response: HttpResponse = JsonResponse(body, status=refusal.status, content_type=PROBLEM_CONTENT_TYPE)
    else:
        response = render(
            request,
            "errors/413.html",
            {"refusal": refusal, "limit": refusal.limit, "back": _back_link(request)},
            status=refusal.status,
        )
    return response


def _read_here(request: HttpRequest, limit: UploadLimit) -> bool:
    if request.method != "POST" or request.content_type != "multipart/form-data":
        return False
    return limit is not NO_FILES or not is_api_request(request)


class UploadGuardMiddleware:
    """Applies each page's upload limit before anything reads the body (it must come before
    CsrfViewMiddleware, which reads the form)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: tuple, kwargs: dict
    ) -> HttpResponse | None:
        limit = limit_of(view, request.method or "GET")
        refusal = request_refusal(request, limit)
        if refusal is None:
            request.upload_handlers = [LimitedUploadHandler(request, limit), *request.upload_handlers]
            if _read_here(request, limit):
                refusal = body_refusal(request, limit)
        return refusal_response(request, refusal) if refusal else None
