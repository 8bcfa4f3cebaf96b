"""How much a request may carry. Every page and endpoint that takes files names its limit with
``@upload_limit(...)``; every other one takes no files and at most DATA_UPLOAD_MAX_MEMORY_SIZE of form
data. Each limit is stated once, beside the rule it belongs to (the data standard's file size, the
evidence rules…), and read both by the request check (``accounts.upload_guard``) and by the form's
hint, so the page never promises more than the server takes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings

MB = 1024 * 1024
ATTRIBUTE = "upload_limit"
View = TypeVar("View", bound=Callable[..., Any])


def megabytes(size: int) -> str:
    """A size as people read it, to a tenth: "10 MB", "2.5 MB", "0.3 MB"."""
    return f"{size / MB:.1f}".removesuffix(".0") + " MB"


@dataclass(frozen=True)
class UploadLimit:
    """What one page or endpoint takes in one request: at most ``files`` files of at most
    ``file_bytes`` each, plus the rest of the form (at most DATA_UPLOAD_MAX_MEMORY_SIZE)."""

    subject: str  # what is sent, as a sentence starts: "An evidence file", "A monthly return"
    file_bytes: int
    files: int
    advice: str  # what to do when refused

    @property
    def request_bytes(self) -> int:
        """The largest request body taken (its Content-Length)."""
        return self.files * self.file_bytes + settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    @property
    def size_text(self) -> str:
        return megabytes(self.file_bytes)

    def rule(self) -> str:
        """The limit in a sentence, for refusals and pages."""
        if self.files == 0:
            return (
                "This address takes no files, and at most "
                f"{megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)} of form data."
            )
        if self.files == 1:
            return f"{self.subject} can be at most {self.size_text}."
        return f"{self.subject} can have up to {self.files} files, each at most {self.size_text}."

    def hint(self) -> str:
        """The limit as a form's hint ends: "at most 10 MB", "up to 10 files, at most 10 MB each"."""
        if self.files > 1:
            return f"up to {self.files} files, at most {self.size_text} each"
        return f"at most {self.size_text}"


# Pages and endpoints that take no files (the great majority).
NO_FILES = UploadLimit(
    subject="A form",
    file_bytes=0,
    files=0,
    advice="Go back and send the form again with less in it.",
)


def upload_limit(limit: UploadLimit) -> Callable[[View], View]:
    """Mark a view (or a REST viewset's action) as taking files within ``limit``."""

    def mark(view: View) -> View:
        setattr(view, ATTRIBUTE, limit)
        return view

    return mark


def limit_of(view: Callable[..., Any], method: str) -> UploadLimit:
    """The limit of the view a request is routed to; for a REST viewset, of the action the method
    maps to. NO_FILES unless the view names one."""
    limit = getattr(view, ATTRIBUTE, None)
    actions = getattr(view, "actions", None)  # a viewset's routes: {"post": "create", …}
    if limit is None and actions and method.lower() in actions:
        action = getattr(getattr(view, "cls", None), actions[method.lower()], None)
        limit = getattr(action, ATTRIBUTE, None)
    return limit if isinstance(limit, UploadLimit) else NO_FILES
