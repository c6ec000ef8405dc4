from django.apps import AppConfig


class CareerConfig(AppConfig):
    name = "career"
    default_auto_field = "django.db.models.BigAutoField"
