import django.db.models.deletion
from django.db import migrations, models

from accounts.migration_operations import RemoveColumnIndexOnline


class Migration(migrations.Migration):
    """The episode rows' index on contract_id alone is dropped: the indexes on (contract_id, month),
    (contract_id, episode_ref, month) and the latest rows' (contract_id) serve every read of a
    contract's rows, and each index is written again for every row copied in and every latest-row
    flag moved."""

    atomic = False  # DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("commissioning", "0002_contracts_and_targets"),
        ("outcomes", "0015_episode_attempt_index_removed"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="episoderecord",
                    name="contract",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="commissioning.contract",
                    ),
                ),
            ],
            database_operations=[
                RemoveColumnIndexOnline(
                    table="outcomes_episoderecord",
                    column="contract_id",
                    name="outcomes_episoderecord_contract_id_7a884597",
                ),
            ],
        ),
    ]
