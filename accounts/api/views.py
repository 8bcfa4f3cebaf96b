"""The API's own endpoints: the index, "who am I", and descriptions of the problem types."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import acting_for_sign_off
from accounts.api.access import Public, request_acting
from accounts.api.problems import PROBLEM_TYPES


class ApiViewSet(viewsets.GenericViewSet):
    """Base for every endpoint: ``self.acting`` is the organisation and capabilities in force."""

    @property
    def acting(self):
        return request_acting(self.request)


class MeSerializer(serializers.Serializer):
    organisation = inline_serializer(
        "MeOrganisation",
        {"id": serializers.IntegerField(), "name": serializers.CharField(), "kind": serializers.CharField()},
    )
    via = serializers.ChoiceField(choices=["token", "session"])
    token = inline_serializer(
        "MeToken",
        {
            "name": serializers.CharField(),
            "prefix": serializers.CharField(),
            "scopes": serializers.ListField(child=serializers.CharField()),
            "signs_off_as": serializers.CharField(allow_null=True),
            "expires_at": serializers.DateTimeField(allow_null=True),
        },
        allow_null=True,
    )
    user = serializers.CharField(allow_null=True)
    capabilities = serializers.ListField(child=serializers.CharField())


class MeView(APIView):
    """Who the API thinks you are: check a new token with this first."""

    also_scopes = ("submit",)

    @extend_schema(responses=MeSerializer, summary="Who am I", tags=["account"])
    def get(self, request):
        acting = request_acting(request)
        token = acting.token
        signer = acting_for_sign_off(token) if token is not None else None  # None when it cannot sign off now
        sign_off = signer.user if signer is not None else None
        return Response(
            {
                "organisation": {
                    "id": acting.organisation.pk,
                    "name": acting.organisation.name,
                    "kind": acting.organisation.kind,
                },
                "via": "token" if token is not None else "session",
                "token": None
                if token is None
                else {
                    "name": token.name,
                    "prefix": token.prefix,
                    "scopes": token.scopes,
                    "signs_off_as": (sign_off.full_name or "An approver") if sign_off else None,
                    "expires_at": token.expires_at,
                },
                "user": None if acting.user is None else acting.user.get_full_name(),
                "capabilities": sorted(str(capability) for capability in acting.capabilities),
            }
        )


class ProblemTypeSerializer(serializers.Serializer):
    type = serializers.CharField()
    status = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()


@extend_schema(responses=ProblemTypeSerializer, summary="Describe a problem type", tags=["account"], auth=[])
@api_view(["GET"])
@permission_classes([Public])
def problem_type(request, slug: str):
    """What a problem ``type`` URI means (every error body links here)."""
    problem = PROBLEM_TYPES.get(slug)
    if problem is None:
        raise Http404
    return Response(
        {
            "type": problem.uri,
            "status": problem.status,
            "title": problem.title,
            "description": problem.description,
        }
    )
