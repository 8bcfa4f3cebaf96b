"""OpenAPI 3 schema additions: the bearer-token scheme, the problem responses every operation can
give, and named enumerations, so generated clients (and the schema test) know every answer the API
makes."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

from accounts.api.problems import PROBLEM_CONTENT_TYPE

COMMON = {
    "400": "The request has problems: field_errors says what to fix.",
    "401": "No API token or session, or the token was not accepted.",
    "403": "The token lacks the scope, or the role lacks the permission.",
    "404": "Not found, or not visible to your organisation.",
    "405": "The address does not accept that method.",
    "406": "The API answers only in JSON.",
    "429": "Too many requests: wait for the seconds in Retry-After.",
}
CHANGES = {
    "409": "The same Idempotency-Key is still being processed.",
    "411": "The body was sent in chunks without a Content-Length: send its length.",
    "413": "The body, a file in it or the number of files is over the endpoint's limit (detail says it).",
    "415": "Send JSON, or multipart/form-data for files.",
    "422": "The Idempotency-Key was used for a different request.",
}


class ProblemSerializer(serializers.Serializer):
    """An error, as RFC 9457 problem details."""

    type = serializers.CharField(help_text="A URI naming the kind of problem; GET it for a description.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="What went wrong and what to do, in plain English.")
    instance = serializers.CharField(required=False, help_text="The path that was requested.")
    field_errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For bad input: each field's problems. Nothing was saved.",
    )


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = dict(COMMON)
        if self.method not in ("GET", "HEAD", "OPTIONS"):
            codes.update(CHANGES)
        if getattr(self.view, "etag_list", False) and self.method == "GET":
            responses.setdefault("304", {"description": "Not modified since the ETag sent in If-None-Match."})
        for code, description in codes.items():
            if code not in responses:
                response = self._get_response_for_code(
                    ProblemSerializer, code, media_types=[PROBLEM_CONTENT_TYPE]
                )
                response["description"] = description
                responses[code] = response
        return responses


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An organisation's API token, 'hco_…', made under Team > API tokens.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api.authentication.SessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "The browser session after signing in; changes also need the CSRF token.",
        }


class EnumField(serializers.CharField):
    """A read-only string with a fixed set of values, documented as its own named schema component.

    Named explicitly because the schema would otherwise name each set after the field, and fields
    called "rag" or "status" in different collections hold different sets.
    """

    def __init__(self, name: str, values, **kwargs):
        self.enum_name = name
        self.enum_values = [value[0] if isinstance(value, tuple | list) else value for value in values]
        super().__init__(**kwargs)


class EnumFieldSchema(OpenApiSerializerFieldExtension):
    target_class = EnumField

    def map_serializer_field(self, auto_schema, direction):
        component = ResolvedComponent(
            name=self.target.enum_name,
            type=ResolvedComponent.SCHEMA,
            object=self.target.enum_name,
            schema={"type": "string", "enum": self.target.enum_values},
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref
