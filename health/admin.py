from django.contrib import admin

from health.models import HealthCorrelation, UserHealthCheckin
from mingus.admin_base import BigTableAdmin


@admin.register(UserHealthCheckin)
class UserHealthCheckinAdmin(BigTableAdmin):
    list_display = ("user", "checkin_date", "sleep_hours", "stress_level", "mood_rating", "physical_activity_minutes")
    list_select_related = ("user",)
    search_fields = ("=user__email",)
    raw_id_fields = ("user",)


@admin.register(HealthCorrelation)
class HealthCorrelationAdmin(BigTableAdmin):
    list_display = ("user", "health_metric", "spending_category", "correlation_coefficient", "p_value", "computed_at")
    list_select_related = ("user",)
    search_fields = ("=user__email",)
    raw_id_fields = ("user",)
