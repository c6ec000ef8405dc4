from decimal import Decimal

from career.models import CareerProfile, IncomeBenchmark, IncomeComparison
from tests.constraints import rejected_by_database


def test_negative_years_of_experience_are_rejected(user):
    with rejected_by_database("career_profiles_experience_non_negative"):
        CareerProfile.objects.create(user=user, years_experience=-1)


def test_negative_salary_is_rejected(user):
    with rejected_by_database("career_profiles_current_salary_non_negative"):
        CareerProfile.objects.create(user=user, current_salary=Decimal("-1.00"))


def test_percentile_above_one_hundred_is_rejected(user):
    with rejected_by_database("income_comparisons_percentile_range"):
        IncomeComparison.objects.create(user=user, percentile=100.5)


def test_negative_benchmark_sample_size_is_rejected(db):
    with rejected_by_database("bi_income_sample_size_non_negative"):
        IncomeBenchmark.objects.create(demographic_key="k", sample_size=-10)
