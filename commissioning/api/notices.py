"""Notices of Concern and the enforcement ladder after them, read-only: what the notice register and
the notice page show. Acknowledging and responding stay in the web application.

Who sees what (commissioning.notices.selectors.notices_for, as the register): the lead body of a
contract sees its notices, drafts included; partner bodies of a joint contract see the issued ones;
the provider sees the notices issued to it, never drafts. Anything else is a 404. A provider sees a
notice's history from its issue on, as on the notice page. People are named, never by email address.
"""

from __future__ import annotations

import django_filters
from django.urls import reverse as url_reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.reverse import reverse

from accounts.api.conditional import ETagMixin
from accounts.api.views import ApiViewSet
from commissioning.api.contracts import PartySerializer
from commissioning.api.references import ContractLinkSerializer, IdFilter, contract_link, person_name
from commissioning.notices.letters import notice_letter_title
from commissioning.notices.models import (
    OPEN_STATUSES,
    Complexity,
    NocCategory,
    Notice,
    NoticeClosedReason,
    NoticeEvent,
    NoticeKind,
    NoticeReason,
    NoticeStatus,
)
from commissioning.notices.selectors import notice_list_for

TAGS = ["notices"]
OPEN = "open"  # the status filter's "any open status", as on the register


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A choice that may not apply: null rather than ''."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return None if value in ("", None) else super().to_representation(value)


class NoticeRefSerializer(serializers.Serializer):
    """Another notice, linked by escalation or correction."""

    id = serializers.IntegerField(help_text="The notice's id.")
    url = serializers.URLField(help_text="The notice in the API.")


class NoticeFileSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The file's id.")
    name = serializers.CharField(help_text="The file's name as it was sent.")
    size = serializers.IntegerField(help_text="Its size in bytes.")
    web_url = serializers.URLField(help_text="Where to download it in the web application.")


class NoticeEventSerializer(serializers.Serializer):
    """One step of a notice's history. Never changed."""

    action = serializers.CharField(
        help_text="What happened: drafted, updated, evidence_linked, evidence_unlinked, file_added, issued, "
        "acknowledged, responded, extended, closed, escalation_drafted, correction_drafted, escalated or "
        "superseded (a provider sees those from issued on)."
    )
    action_label = serializers.CharField(help_text="What happened, in words.")
    at = serializers.DateTimeField(help_text="When.")
    by = serializers.CharField(help_text="Who, by name (never an email address).")
    by_provider = serializers.BooleanField(help_text="True when the provider acted.")
    organisation = serializers.CharField(help_text="The organisation of whoever acted.")
    status_before = serializers.CharField(help_text="The notice's status before ('' when unchanged).")
    status_after = serializers.CharField(help_text="The notice's status after ('' when unchanged).")
    note = serializers.CharField(help_text="The note: a response, a reason for an extension or a closure.")
    old_remedy_due_on = serializers.DateField(
        allow_null=True, help_text="For an extension: the remedy date before it."
    )
    new_remedy_due_on = serializers.DateField(
        allow_null=True, help_text="For an extension: the new remedy date."
    )
    files = NoticeFileSerializer(many=True, help_text="Files sent with this step (a provider's response).")


class NoticeSerializer(serializers.Serializer):
    """A notice on a contract, addressed to its prime provider. Issued notices never change: a
    correction is a new notice that supersedes the old one."""

    id = serializers.IntegerField(help_text="The notice's id: its reference in letters and on the pages.")
    url = serializers.URLField(help_text="This notice in the API.")
    web_url = serializers.URLField(help_text="The notice's page in the web application.")
    letter_url = serializers.URLField(
        allow_null=True, help_text="The letter's PDF in the web application (null for a draft)."
    )
    title = serializers.CharField(help_text="The notice's title as its letter gives it.")
    kind = serializers.ChoiceField(choices=NoticeKind.choices, help_text="The step of the ladder.")
    kind_label = serializers.CharField(help_text="The kind in words.")
    reason = serializers.ChoiceField(choices=NoticeReason.choices, help_text="The reason category.")
    reason_label = serializers.CharField(help_text="The reason in words.")
    category = BlankAsNullChoiceField(
        choices=NocCategory.choices, help_text="A Notice of Concern's category (null for other kinds)."
    )
    complexity = BlankAsNullChoiceField(
        choices=Complexity.choices,
        help_text="A Notice of Concern's complexity, which sets its target closure period (null otherwise).",
    )
    clause = serializers.CharField(help_text="The contract clause ('' when none is named).")
    facts = serializers.CharField(help_text="The facts and evidence.")
    remedy = serializers.CharField(help_text="The remedy required.")
    status = serializers.ChoiceField(choices=NoticeStatus.choices, help_text="Where the notice is now.")
    status_label = serializers.CharField(help_text="The status in words.")
    is_open = serializers.BooleanField(help_text="Issued, acknowledged, responded or extended.")
    commissioner = PartySerializer(help_text="The commissioning body that issues the notice.")
    provider = PartySerializer(help_text="The provider the notice is addressed to.")
    contract = ContractLinkSerializer(help_text="The contract.")
    created_at = serializers.DateTimeField(help_text="When the notice was drafted.")
    issued_at = serializers.DateTimeField(allow_null=True, help_text="When it was issued (null for a draft).")
    issued_by = serializers.CharField(help_text="Who issued it, by name ('' for a draft).")
    remedy_due_on = serializers.DateField(allow_null=True, help_text="When the remedy is due.")
    target_close_on = serializers.DateField(
        allow_null=True, help_text="A Notice of Concern's target closure date (working days from its issue)."
    )
    acknowledged_at = serializers.DateTimeField(
        allow_null=True, help_text="When the provider acknowledged it."
    )
    acknowledged_by = serializers.CharField(help_text="Who acknowledged it, by name ('' until then).")
    closed_at = serializers.DateTimeField(
        allow_null=True, help_text="When it was closed, escalated or superseded."
    )
    closed_reason = BlankAsNullChoiceField(
        choices=NoticeClosedReason.choices, help_text="Why it was closed (null while it is not)."
    )
    escalated_from = NoticeRefSerializer(allow_null=True, help_text="The notice this one escalates.")
    escalated_to = NoticeRefSerializer(many=True, help_text="The notices escalating this one.")
    supersedes = NoticeRefSerializer(allow_null=True, help_text="The notice this one corrects.")
    superseded_by = NoticeRefSerializer(many=True, help_text="The notices correcting this one.")
    history = NoticeEventSerializer(
        many=True, help_text="Every step, oldest first (a provider sees them from the issue on)."
    )

    def to_representation(self, notice: Notice) -> dict:
        return super().to_representation(self.notice_data(notice))

    def notice_data(self, notice: Notice) -> dict:
        request = self.context["request"]
        absolute = request.build_absolute_uri
        draft = notice.status == NoticeStatus.DRAFT
        provider, commissioner = notice.provider, notice.commissioner
        return {
            "id": notice.pk,
            "url": _notice_url(notice.pk, request),
            "web_url": absolute(url_reverse("notices:detail", args=[notice.pk])),
            "letter_url": None if draft else absolute(url_reverse("notices:letter", args=[notice.pk])),
            "title": notice_letter_title(notice),
            "kind": notice.kind,
            "kind_label": notice.get_kind_display(),
            "reason": notice.reason,
            "reason_label": notice.get_reason_display(),
            "category": notice.noc_category,
            "complexity": notice.complexity,
            "clause": notice.clause,
            "facts": notice.facts,
            "remedy": notice.remedy,
            "status": notice.status,
            "status_label": notice.get_status_display(),
            "is_open": notice.status in OPEN_STATUSES,
            "commissioner": commissioner,
            "provider": provider,
            "contract": contract_link(notice.contract, request),
            "created_at": notice.created_at,
            "issued_at": notice.issued_at,
            "issued_by": ""
            if notice.issued_at is None
            else person_name(notice.issued_by, notice.issued_by_label, fallback=commissioner.name),
            "remedy_due_on": notice.remedy_due_on,
            "target_close_on": notice.target_close_on,
            "acknowledged_at": notice.acknowledged_at,
            "acknowledged_by": ""
            if notice.acknowledged_at is None
            else person_name(notice.acknowledged_by, notice.acknowledged_by_label, fallback=provider.name),
            "closed_at": notice.closed_at,
            "closed_reason": notice.closed_reason,
            "escalated_from": _ref(notice.escalated_from_id, request),
            "escalated_to": [_ref(other.pk, request) for other in notice.escalated_to],
            "supersedes": _ref(notice.supersedes_id, request),
            "superseded_by": [_ref(other.pk, request) for other in notice.superseded_by],
            "history": [_event_data(event, notice, request) for event in notice.history],
        }


def _notice_url(notice_id: int, request) -> str:
    return reverse("api:notices-detail", args=[notice_id], request=request)


def _ref(notice_id: int | None, request) -> dict | None:
    return None if notice_id is None else {"id": notice_id, "url": _notice_url(notice_id, request)}


def _event_data(event: NoticeEvent, notice: Notice, request) -> dict:
    organisation = notice.provider.name if event.by_provider else notice.commissioner.name
    extended = event.action == NoticeEvent.Action.EXTENDED
    details = event.details or {}
    return {
        "action": event.action,
        "action_label": event.get_action_display(),
        "at": event.at,
        "by": person_name(event.by, event.by_label, fallback=organisation),
        "by_provider": event.by_provider,
        "organisation": organisation,
        "status_before": event.status_before,
        "status_after": event.status_after,
        "note": event.note,
        "old_remedy_due_on": _day(details.get("old_due_on")) if extended else None,
        "new_remedy_due_on": _day(details.get("new_due_on")) if extended else None,
        "files": [
            {
                "id": stored.pk,
                "name": stored.original_name,
                "size": stored.size,
                "web_url": request.build_absolute_uri(url_reverse("notices:file", args=[stored.pk])),
            }
            for stored in event.files.all()
        ],
    }


def _day(value) -> str | None:
    """A date kept in an event's details as text ('None' when there was none)."""
    return value if value and value != "None" else None


class NoticeFilterSet(django_filters.FilterSet):
    contract = IdFilter(field_name="contract_id", help_text="A contract's id.")
    provider = IdFilter(field_name="provider_id", help_text="A provider's id.")
    kind = django_filters.ChoiceFilter(choices=NoticeKind.choices, help_text="One step of the ladder.")
    reason = django_filters.ChoiceFilter(choices=NoticeReason.choices, help_text="One reason category.")
    status = django_filters.ChoiceFilter(
        choices=[(OPEN, "Open (any open status)"), *NoticeStatus.choices],
        method="by_status",
        help_text="One status, or open: issued, acknowledged, responded or extended.",
    )
    issued_after = django_filters.DateFilter(
        field_name="issued_at__date", lookup_expr="gte", help_text="Issued on or after this day (London)."
    )
    issued_before = django_filters.DateFilter(
        field_name="issued_at__date", lookup_expr="lte", help_text="Issued on or before this day (London)."
    )

    class Meta:
        model = Notice
        fields = ["contract", "provider", "kind", "reason", "status", "issued_after", "issued_before"]

    def by_status(self, queryset, name: str, value: str):
        if value == OPEN:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.filter(status=value)


@extend_schema_view(
    list=extend_schema(
        summary="List notices",
        description="Notices of Concern, breach notices and the later steps, newest first: a commissioning "
        "body's (drafts included on the contracts it leads), or those issued to your provider. "
        "Cursor-paged: follow `next`.",
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="One notice, with its history",
        description="404 for a notice your organisation may not see (a provider never sees a draft).",
        tags=TAGS,
    ),
)
class NoticeViewSet(ETagMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Notices your organisation may see, as on the register; anyone else's is a 404."""

    etag_list = True
    queryset = Notice.objects.none()
    serializer_class = NoticeSerializer
    filterset_class = NoticeFilterSet
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notice.objects.none()
        return notice_list_for(self.acting)


def register(router) -> None:
    """Add this module's collections to the API router."""
    router.register("notices", NoticeViewSet, basename="notices")
