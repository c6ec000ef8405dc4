import datetime

import pytest

from health.models import HealthCorrelation, UserHealthCheckin
from tests.constraints import rejected_by_database

DAY = datetime.date(2025, 1, 15)


@pytest.mark.parametrize(
    ("field", "constraint"),
    [
        ("stress_level", "checkins_stress_level_1_10"),
        ("mood_rating", "checkins_mood_rating_1_10"),
        ("relationships_rating", "checkins_relationships_1_10"),
    ],
)
@pytest.mark.parametrize("value", [0, 11, -3])
def test_rating_outside_one_to_ten_is_rejected(user, field, constraint, value):
    with rejected_by_database(constraint):
        UserHealthCheckin.objects.create(user=user, checkin_date=DAY, **{field: value})


@pytest.mark.parametrize("value", [1, 10])
def test_ratings_at_the_bounds_are_accepted(user, value):
    UserHealthCheckin.objects.create(
        user=user, checkin_date=DAY, stress_level=value, mood_rating=value, relationships_rating=value
    )


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("physical_activity_minutes", -1, "checkins_activity_non_negative"),
        ("mindfulness_minutes", -5, "checkins_mindfulness_non_negative"),
        ("sleep_hours", -0.5, "checkins_sleep_hours_0_24"),
        ("sleep_hours", 24.5, "checkins_sleep_hours_0_24"),
    ],
)
def test_negative_or_impossible_durations_are_rejected(user, field, value, constraint):
    with rejected_by_database(constraint):
        UserHealthCheckin.objects.create(user=user, checkin_date=DAY, **{field: value})


def test_negative_sample_size_is_rejected(user):
    with rejected_by_database("correlations_sample_size_non_negative"):
        HealthCorrelation.objects.create(user=user, health_metric="sleep", spending_category="food", sample_size=-1)


def test_correlation_outside_minus_one_to_one_is_rejected(user):
    with rejected_by_database("correlations_coefficient_range"):
        HealthCorrelation.objects.create(
            user=user, health_metric="sleep", spending_category="food", correlation_coefficient=1.5
        )
