from django.db import models
from django.utils import timezone

from mingus.db import MoneyField, UserOwnedModel, UUIDModel, range_check


class CareerProfile(UserOwnedModel):
    job_title = models.CharField(max_length=200, null=True, blank=True)
    industry = models.CharField(max_length=100, null=True, blank=True)
    years_experience = models.FloatField(null=True, blank=True)
    education_level = models.CharField(max_length=50, null=True, blank=True)
    location = models.CharField(max_length=100, null=True, blank=True)
    current_salary = MoneyField(null=True, blank=True)
    target_salary = MoneyField(null=True, blank=True)
    skills = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "career_profiles"
        constraints = [
            range_check("years_experience", low=0, name="career_profiles_experience_non_negative"),
            range_check("current_salary", low=0, name="career_profiles_current_salary_non_negative"),
            range_check("target_salary", low=0, name="career_profiles_target_salary_non_negative"),
        ]
        indexes = [models.Index(fields=["user", "created_at"], name="career_profiles_user_idx")]

    def __str__(self) -> str:
        return self.job_title or f"Career profile {self.id}"


class IncomeComparison(UserOwnedModel):
    """How one user's income compares with their group."""

    comparison_group = models.CharField(max_length=100, null=True, blank=True)
    user_income = MoneyField(null=True, blank=True)
    group_median = MoneyField(null=True, blank=True)
    percentile = models.FloatField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "income_comparisons"
        constraints = [range_check("percentile", low=0, high=100, name="income_comparisons_percentile_range")]
        indexes = [models.Index(fields=["user", "computed_at"], name="income_cmp_user_computed_idx")]

    def __str__(self) -> str:
        return f"{self.comparison_group}: {self.percentile}"


class IncomeBenchmark(UUIDModel):
    """Income benchmark of a demographic group (legacy BI income_comparisons); no user."""

    demographic_key = models.TextField()
    metro_area = models.TextField(null=True, blank=True)
    age_band = models.TextField(null=True, blank=True)
    education_level = models.TextField(null=True, blank=True)
    median_income = MoneyField(null=True, blank=True)
    p25_income = MoneyField(null=True, blank=True)
    p75_income = MoneyField(null=True, blank=True)
    sample_size = models.IntegerField(null=True, blank=True)
    source = models.TextField(null=True, blank=True)
    year = models.IntegerField(null=True, blank=True)

    class Meta:
        db_table = "bi_income_comparisons"
        constraints = [range_check("sample_size", low=0, name="bi_income_sample_size_non_negative")]
        indexes = [models.Index(fields=["demographic_key", "year"], name="bi_income_key_year_idx")]

    def __str__(self) -> str:
        return f"{self.demographic_key} {self.year or ''}".strip()
