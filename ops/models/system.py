from django.db import models

from mingus.db import UUIDModel, choices_check


class SettingType(models.TextChoices):
    INT = "int", "Integer"
    FLOAT = "float", "Float"
    BOOL = "bool", "Boolean"
    JSON = "json", "JSON"
    STR = "str", "String"


class SystemSetting(UUIDModel):
    """An application setting; ``value`` holds the typed value as JSON."""

    key = models.CharField(max_length=100, unique=True)
    value = models.JSONField(null=True, blank=True)
    value_type = models.CharField(max_length=10, choices=SettingType.choices, null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "system_settings"
        constraints = [choices_check("value_type", SettingType, name="system_settings_value_type_valid")]

    def __str__(self) -> str:
        return self.key
