from django.db import migrations, models

from accounts.migration_operations import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("outcomes", "0012_organisation_exports"),
    ]

    operations = [
        AddIndexOnline(
            model_name="complianceresult",
            index=models.Index(
                condition=models.Q(("is_latest", True)),
                fields=["period_kind", "period", "contract"],
                name="results_latest_by_period",
            ),
        ),
    ]
