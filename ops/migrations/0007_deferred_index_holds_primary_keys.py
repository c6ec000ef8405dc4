"""ops_import_deferred_indexes also records primary keys (no foreign key points at their table).

Only the column's help text changes; no SQL runs either way.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0006_import_deferred_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="deferredindex",
            name="definition",
            field=models.TextField(
                help_text="What builds it again: pg_get_indexdef() of an index, ALTER TABLE ... ADD CONSTRAINT of a key."
            ),
        ),
    ]
