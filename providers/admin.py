from django.contrib import admin

from providers.models import Provider


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "cqc_location_id", "cqc_rating", "cqc_rating_date", "address_postcode"]
    list_filter = ["cqc_rating"]
    search_fields = ["name", "legal_name", "cqc_location_id", "address_postcode"]
    exclude = ["kind"]
    fieldsets = (
        (None, {"fields": ("name", "two_factor_required", "api_sign_off_enabled")}),
        ("CQC", {"fields": ("cqc_location_id", "cqc_rating", "cqc_rating_date")}),
        (
            "Registered name and address (letters are addressed to it)",
            {
                "fields": (
                    "legal_name",
                    "address_line_1",
                    "address_line_2",
                    "address_town",
                    "address_postcode",
                )
            },
        ),
    )
