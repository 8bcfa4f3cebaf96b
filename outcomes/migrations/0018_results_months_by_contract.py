from django.db import migrations, models

from accounts.migration_operations import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("outcomes", "0017_spc_baselines"),
    ]

    operations = [
        AddIndexOnline(
            model_name="complianceresult",
            index=models.Index(
                condition=models.Q(("is_latest", True)),
                fields=["contract", "period_kind", "target", "period_start"],
                include=["value", "not_rated_reason", "target_version"],
                name="results_months_by_contract",
            ),
        ),
    ]
