"""Technical administration for service operators; people and organisations are managed in the service.
Every change made here is written to the audit log too (``accounts.admin_audit``)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction

from accounts.jobs import job_retry
from accounts.models import AuditEntry, Invitation, Job, JobStatus, Membership, Organisation, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "last_login"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "full_name", "job_title", "password")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )
    filter_horizontal = ()
    list_filter = ["is_active", "is_staff"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "is_admin"]
    list_filter = ["role", "is_admin"]
    search_fields = ["user__email", "organisation__name"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    exclude = ["key"]
    readonly_fields = ["accepted_by"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only. Entries of no organisation (changes made here, a
    person's own email choices) are the service's, read here by operators."""

    list_display = [
        "at",
        "actor_label",
        "actor_organisation",
        "action",
        "object_type",
        "object_repr",
        "organisation",
    ]
    list_filter = ["action", "object_type", ("organisation", admin.EmptyFieldListFilter)]
    search_fields = ["actor_label", "object_repr", "object_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Background work: what is waiting, late or failed, with "Try again" for failed work."""

    list_display = ("pk", "label", "status", "tries", "max_tries", "created_at", "finished_at")
    list_filter = ("status",)
    search_fields = ("label", "subject", "task")
    readonly_fields = [field.name for field in Job._meta.fields]
    actions = ["try_again"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Try again (failed work only)")
    def try_again(self, request, queryset) -> None:
        count = 0
        for job in queryset.filter(status=JobStatus.FAILED):
            with transaction.atomic():
                job_retry(job)
                self.log_change(request, job, "Tried again after it failed.")
            count += 1
        self.message_user(request, f"{count} failed job{'s' if count != 1 else ''} queued again.")
