from django.contrib import admin

from commissioning.models import CommissioningBody


@admin.register(CommissioningBody)
class CommissioningBodyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]
