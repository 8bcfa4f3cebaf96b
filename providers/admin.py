from django.contrib import admin

from providers.models import Provider


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "cqc_location_id", "cqc_rating", "cqc_rating_date"]
    list_filter = ["cqc_rating"]
    search_fields = ["name", "cqc_location_id"]
    exclude = ["kind"]
