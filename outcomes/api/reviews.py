"""Actions agreed at quarterly review meetings, read-only: the action tracker, with each action's
status history. Updating an action stays in the web application.

Who sees what (outcomes.reviews.selectors.actions_for, as the tracker): the lead body's and the
reviewed provider's see every action of their meetings (whoever owns each); a partner body sees the
actions about the contracts it is party to, and those about a whole meeting only when it is party to
every contract the meeting reviewed. Anything else is a 404. People are named, never by
email address.
"""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch, Q
from django.urls import reverse as url_reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.reverse import reverse

from accounts.api.access import request_acting
from accounts.api.conditional import ETagMixin
from accounts.api.pagination import Cursor
from accounts.api.views import ApiViewSet
from commissioning.api.contracts import PartySerializer
from commissioning.api.references import (
    ContractLinkSerializer,
    IdFilter,
    MeasureRefSerializer,
    YesNoFilter,
    contract_link,
    measure_ref,
    person_name,
)
from outcomes.reviews import selectors
from outcomes.reviews.models import (
    OPEN_ACTION_STATUSES,
    ActionOwner,
    ActionStatus,
    ReviewAction,
    ReviewActionUpdate,
    ReviewMeeting,
)
from outcomes.reviews.reach import Reach

TAGS = ["reviews"]


class ReviewActionOwnerSerializer(serializers.Serializer):
    """Who owns an action: the provider, the commissioner or a named system partner."""

    kind = serializers.ChoiceField(choices=ActionOwner.choices, help_text="Who owns the action.")
    kind_label = serializers.CharField(help_text="Who owns it, in words.")
    organisation = serializers.CharField(help_text="The owner's organisation, by name.")
    name = serializers.CharField(help_text="The person or role who owns it, as the meeting recorded it.")


class ReviewMeetingRefSerializer(serializers.Serializer):
    """The review meeting that agreed an action."""

    id = serializers.IntegerField(help_text="The meeting's id.")
    quarter = serializers.CharField(help_text="The quarter reviewed, e.g. 2025-26-Q2.")
    held_on = serializers.DateField(help_text="The meeting date.")
    status = serializers.CharField(help_text="planned, pack_issued, recorded or cancelled.")
    contracts = ContractLinkSerializer(
        many=True,
        help_text="The contracts the meeting reviewed that your organisation is party to (a partner body "
        "party to only some of them sees those alone).",
    )
    web_url = serializers.URLField(help_text="The meeting's page in the web application.")


class ReviewTargetSerializer(serializers.Serializer):
    """The outcome target an action is about."""

    id = serializers.IntegerField(help_text="The target's id.")
    measure = MeasureRefSerializer(help_text="The measure the target is set on.")


class ReviewActionUpdateSerializer(serializers.Serializer):
    """One change of an action's status (or a note on progress). Never changed."""

    status_before = serializers.CharField(help_text="The status before ('' when the action was agreed).")
    status_after = serializers.CharField(help_text="The status after: open, in_progress, done or dropped.")
    status_after_label = serializers.CharField(help_text="The status after, in words.")
    note = serializers.CharField(help_text="The note given ('' when none).")
    at = serializers.DateTimeField(help_text="When.")
    by = serializers.CharField(help_text="Who, by name (never an email address).")
    by_provider = serializers.BooleanField(help_text="True when the provider made the change.")


class ReviewActionSerializer(serializers.Serializer):
    """An action agreed at a review meeting, carried into every later pack until done or dropped."""

    id = serializers.IntegerField(help_text="The action's id.")
    url = serializers.URLField(help_text="This action in the API.")
    web_url = serializers.URLField(help_text="The actions of its meeting in the web application.")
    description = serializers.CharField(help_text="What will be done.")
    owner = ReviewActionOwnerSerializer(help_text="Who owns the action.")
    due_on = serializers.DateField(help_text="When it is due.")
    status = serializers.ChoiceField(choices=ActionStatus.choices, help_text="Where the action is now.")
    status_label = serializers.CharField(help_text="The status in words.")
    status_note = serializers.CharField(help_text="The note of the latest update ('' when none).")
    is_open = serializers.BooleanField(help_text="Open or in progress.")
    overdue = serializers.BooleanField(help_text="Open or in progress, and due before today.")
    provider = PartySerializer(help_text="The provider reviewed.")
    commissioner = PartySerializer(help_text="The commissioning body that led the review.")
    meeting = ReviewMeetingRefSerializer(help_text="The meeting that agreed the action.")
    contract = ContractLinkSerializer(
        allow_null=True, help_text="The contract the action is about (null when it is about all of them)."
    )
    target = ReviewTargetSerializer(allow_null=True, help_text="The target the action is about, if any.")
    created_at = serializers.DateTimeField(help_text="When the action was recorded.")
    updated_at = serializers.DateTimeField(help_text="When its status last changed.")
    history = ReviewActionUpdateSerializer(many=True, help_text="Every status change, oldest first.")

    def to_representation(self, action: ReviewAction) -> dict:
        return super().to_representation(self.action_data(action))

    def action_data(self, action: ReviewAction) -> dict:
        request = self.context["request"]
        meeting = action.meeting
        is_open = action.status in OPEN_ACTION_STATUSES
        meeting_page = request.build_absolute_uri(url_reverse("reviews:detail", args=[meeting.pk]))
        return {
            "id": action.pk,
            "url": reverse("api:review-actions-detail", args=[action.pk], request=request),
            "web_url": f"{meeting_page}#actions",
            "description": action.description,
            "owner": {
                "kind": action.owner_kind,
                "kind_label": action.get_owner_kind_display(),
                "organisation": action.owner_organisation,
                "name": action.owner_name,
            },
            "due_on": action.due_on,
            "status": action.status,
            "status_label": action.get_status_display(),
            "status_note": action.status_note,
            "is_open": is_open,
            "overdue": is_open and action.due_on < self.context["today"],
            "provider": meeting.provider,
            "commissioner": meeting.commissioner,
            "meeting": {
                "id": meeting.pk,
                "quarter": meeting.quarter,
                "held_on": meeting.held_on,
                "status": meeting.status,
                "contracts": [
                    contract_link(contract, request)
                    for contract in meeting.contracts.all()
                    if self._reach(meeting).sees(contract.pk)
                ],
                "web_url": meeting_page,
            },
            "contract": contract_link(action.contract, request),
            "target": None
            if action.target is None
            else {"id": action.target.pk, "measure": measure_ref(action.target.measure, request)},
            "created_at": action.created_at,
            "updated_at": action.updated_at,
            "history": [_update_data(update, meeting) for update in action.updates.all()],
        }

    def _reach(self, meeting: ReviewMeeting) -> Reach:
        """What of the meeting the caller's organisation may see (worked out once per meeting)."""
        reaches = self.context.setdefault("reaches", {})
        if meeting.pk not in reaches:
            reaches[meeting.pk] = selectors.meeting_reach(request_acting(self.context["request"]), meeting)
        return reaches[meeting.pk]


def _update_data(update: ReviewActionUpdate, meeting: ReviewMeeting) -> dict:
    organisation = meeting.provider.name if update.by_provider else meeting.commissioner.name
    return {
        "status_before": update.status_before,
        "status_after": update.status_after,
        "status_after_label": update.get_status_after_display(),
        "note": update.note,
        "at": update.at,
        "by": person_name(update.by, update.by_label, fallback=organisation),
        "by_provider": update.by_provider,
    }


class ReviewActionFilterSet(django_filters.FilterSet):
    contract = IdFilter(
        method="by_contract",
        help_text="A contract's id: actions about it, and those about every contract of a meeting that "
        "reviewed it.",
    )
    meeting = IdFilter(field_name="meeting_id", help_text="A review meeting's id.")
    provider = IdFilter(field_name="meeting__provider_id", help_text="The reviewed provider's id.")
    status = django_filters.ChoiceFilter(choices=ActionStatus.choices, help_text="One status.")
    is_open = YesNoFilter(method="by_open", help_text="true: open or in progress; false: done or dropped.")
    owner = django_filters.ChoiceFilter(
        field_name="owner_kind", choices=ActionOwner.choices, help_text="Who owns the actions."
    )
    due_after = django_filters.DateFilter(
        field_name="due_on", lookup_expr="gte", help_text="Due on or after this day."
    )
    due_before = django_filters.DateFilter(
        field_name="due_on", lookup_expr="lte", help_text="Due on or before this day."
    )
    overdue = YesNoFilter(
        method="by_overdue",
        help_text="true: open or in progress and due before today (as the tracker's 'overdue only'); "
        "false: the others.",
    )

    class Meta:
        model = ReviewAction
        fields = [
            "contract",
            "meeting",
            "provider",
            "status",
            "is_open",
            "owner",
            "due_after",
            "due_before",
            "overdue",
        ]

    def by_contract(self, queryset, name: str, value: int):
        reviewed = ReviewMeeting.contracts.through.objects.filter(contract_id=value).values(
            "reviewmeeting_id"
        )
        return queryset.filter(Q(contract_id=value) | Q(contract__isnull=True, meeting_id__in=reviewed))

    def by_open(self, queryset, name: str, value: bool):
        if value:
            return queryset.filter(status__in=OPEN_ACTION_STATUSES)
        return queryset.exclude(status__in=OPEN_ACTION_STATUSES)

    def by_overdue(self, queryset, name: str, value: bool):
        overdue = selectors.actions_filter(queryset, {"overdue": True}, timezone.localdate())
        if value:
            return queryset.filter(pk__in=overdue.values("pk"))
        return queryset.exclude(pk__in=overdue.values("pk"))


class ReviewActionCursor(Cursor):
    """Soonest due first, as on the action tracker."""

    ordering = ("due_on", "id")


@extend_schema_view(
    list=extend_schema(
        summary="List review actions",
        description="Actions agreed at the quarterly review meetings your organisation may see, soonest "
        "due first, whoever owns them. Cursor-paged: follow `next`.",
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="One review action, with its status history",
        description="404 for an action of a meeting your organisation may not see.",
        tags=TAGS,
    ),
)
class ReviewActionViewSet(ETagMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Review actions your organisation may see, as on the action tracker; anyone else's is a 404."""

    etag_list = True
    queryset = ReviewAction.objects.none()
    serializer_class = ReviewActionSerializer
    filterset_class = ReviewActionFilterSet
    pagination_class = ReviewActionCursor
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReviewAction.objects.none()
        return (
            selectors.actions_for(self.acting)
            .select_related("target")
            .prefetch_related(
                "meeting__contracts",
                Prefetch(
                    "updates", queryset=ReviewActionUpdate.objects.select_related("by").order_by("at", "id")
                ),
            )
        )

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "today": timezone.localdate()}


def register(router) -> None:
    """Add this module's collections to the API router."""
    router.register("review-actions", ReviewActionViewSet, basename="review-actions")
