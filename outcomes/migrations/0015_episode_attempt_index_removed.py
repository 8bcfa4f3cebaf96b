import django.db.models.deletion
from django.db import migrations, models

from accounts.migration_operations import RemoveColumnIndexOnline


class Migration(migrations.Migration):
    """The episode rows' index on attempt_id alone is dropped: the unique index on (attempt_id,
    episode_ref) serves every read of a version's rows, and each index is written again for every
    row copied in and every latest-row flag moved."""

    atomic = False  # DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("outcomes", "0014_checked_returns"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="episoderecord",
                    name="attempt",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="episodes",
                        to="outcomes.returnattempt",
                    ),
                ),
            ],
            database_operations=[
                RemoveColumnIndexOnline(
                    table="outcomes_episoderecord",
                    column="attempt_id",
                    name="outcomes_episoderecord_attempt_id_7b654dd8",
                ),
            ],
        ),
    ]
