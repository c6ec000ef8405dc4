"""Placeholder for the staff groups data migration (being written)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_legacy_import_fields"),
        ("ops", "0002_import_bookkeeping"),
        ("finance", "0001_initial"),
        ("health", "0001_initial"),
        ("career", "0001_initial"),
    ]

    operations = []
