from django.db import models
from django.utils import timezone

from mingus.db import UserOwnedModel, range_check


class UserHealthCheckin(UserOwnedModel):
    checkin_date = models.DateField()
    sleep_hours = models.FloatField(null=True, blank=True)
    physical_activity_minutes = models.IntegerField(null=True, blank=True)
    stress_level = models.SmallIntegerField(null=True, blank=True)
    mood_rating = models.SmallIntegerField(null=True, blank=True)
    relationships_rating = models.SmallIntegerField(null=True, blank=True)
    mindfulness_minutes = models.IntegerField(null=True, blank=True)
    notes = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "user_health_checkins"
        constraints = [
            range_check("sleep_hours", low=0, high=24, name="checkins_sleep_hours_0_24"),
            range_check("physical_activity_minutes", low=0, name="checkins_activity_non_negative"),
            range_check("mindfulness_minutes", low=0, name="checkins_mindfulness_non_negative"),
            range_check("stress_level", low=1, high=10, name="checkins_stress_level_1_10"),
            range_check("mood_rating", low=1, high=10, name="checkins_mood_rating_1_10"),
            range_check("relationships_rating", low=1, high=10, name="checkins_relationships_1_10"),
        ]
        indexes = [models.Index(fields=["user", "checkin_date"], name="checkins_user_date_idx")]

    def __str__(self) -> str:
        return f"Check-in {self.checkin_date}"


class HealthCorrelation(UserOwnedModel):
    health_metric = models.CharField(max_length=50)
    spending_category = models.CharField(max_length=50)
    correlation_coefficient = models.FloatField(null=True, blank=True)
    p_value = models.FloatField(null=True, blank=True)
    sample_size = models.IntegerField(null=True, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "health_correlations"
        constraints = [
            range_check("correlation_coefficient", low=-1, high=1, name="correlations_coefficient_range"),
            range_check("p_value", low=0, high=1, name="correlations_p_value_range"),
            range_check("sample_size", low=0, name="correlations_sample_size_non_negative"),
        ]
        indexes = [models.Index(fields=["user", "computed_at"], name="correlations_user_computed_idx")]

    def __str__(self) -> str:
        return f"{self.health_metric} ~ {self.spending_category}"
