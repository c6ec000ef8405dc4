from django.contrib import admin

from finance.models import (
    DailyCashflow,
    EncryptedFinancialProfile,
    ImportantDate,
    Subscription,
    UserExpenseDueDate,
    UserGoal,
    UserIncomeDueDate,
)
from mingus.admin_base import BigTableAdmin


@admin.register(Subscription)
class SubscriptionAdmin(BigTableAdmin):
    list_display = ("user", "tier", "status", "price", "billing_cycle", "current_period_end", "created_at")
    list_select_related = ("user",)
    list_filter = ("tier", "status", "cancel_at_period_end")
    search_fields = ("=user__email", "=stripe_customer_id", "=stripe_subscription_id")
    raw_id_fields = ("user",)
    date_hierarchy = "created_at"


@admin.register(EncryptedFinancialProfile)
class EncryptedFinancialProfileAdmin(BigTableAdmin):
    """Shows that a profile exists, never what it holds (neither plaintext nor token)."""

    list_display = ("user", "created_at", "updated_at")
    list_select_related = ("user",)
    search_fields = ("=user__email",)
    fields = ("user", "created_at", "updated_at")
    readonly_fields = ("user", "created_at", "updated_at")

    def has_add_permission(self, request):
        return False


@admin.register(UserIncomeDueDate)
class UserIncomeDueDateAdmin(BigTableAdmin):
    list_display = ("user", "income_type", "amount", "frequency", "next_due_date", "is_active")
    list_select_related = ("user",)
    list_filter = ("is_active",)
    search_fields = ("=user__email",)
    raw_id_fields = ("user",)


@admin.register(UserExpenseDueDate)
class UserExpenseDueDateAdmin(BigTableAdmin):
    list_display = ("user", "expense_type", "category", "amount", "frequency", "due_date", "is_active")
    list_select_related = ("user",)
    list_filter = ("is_active",)
    search_fields = ("=user__email",)
    raw_id_fields = ("user",)


@admin.register(DailyCashflow)
class DailyCashflowAdmin(BigTableAdmin):
    list_display = ("user", "date", "opening_balance", "income", "expenses", "closing_balance", "balance_status")
    list_select_related = ("user",)
    search_fields = ("=user__email",)
    raw_id_fields = ("user",)


@admin.register(ImportantDate)
class ImportantDateAdmin(BigTableAdmin):
    list_display = ("user", "event_date", "event_type", "title", "amount", "reminder_days")
    list_select_related = ("user",)
    search_fields = ("=user__email", "title")
    raw_id_fields = ("user",)


@admin.register(UserGoal)
class UserGoalAdmin(BigTableAdmin):
    list_display = ("user", "title", "goal_type", "target_amount", "current_amount", "target_date", "status")
    list_select_related = ("user",)
    search_fields = ("=user__email", "title")
    raw_id_fields = ("user",)
