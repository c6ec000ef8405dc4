from django.contrib import admin

from career.models import CareerProfile, IncomeBenchmark, IncomeComparison
from mingus.admin_base import BigTableAdmin


@admin.register(CareerProfile)
class CareerProfileAdmin(BigTableAdmin):
    list_display = ("user", "job_title", "industry", "years_experience", "current_salary", "target_salary")
    list_select_related = ("user",)
    search_fields = ("=user__email", "job_title")
    raw_id_fields = ("user",)


@admin.register(IncomeComparison)
class IncomeComparisonAdmin(BigTableAdmin):
    list_display = ("user", "comparison_group", "user_income", "group_median", "percentile", "computed_at")
    list_select_related = ("user",)
    search_fields = ("=user__email", "comparison_group")
    raw_id_fields = ("user",)


@admin.register(IncomeBenchmark)
class IncomeBenchmarkAdmin(BigTableAdmin):
    list_display = ("demographic_key", "metro_area", "age_band", "education_level", "median_income", "year")
    list_filter = ("year", "age_band", "education_level")
    search_fields = ("demographic_key", "metro_area")
