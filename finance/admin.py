import json

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST

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
from mingus.crypto import DecryptionError
from ops.audit import record_event

REVEAL_PERMISSION = "finance.reveal_financial_data"


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
    """Shows that a profile exists, never what it holds (neither plaintext nor token).

    The one way to the plaintext is the reveal button of the change page, for
    staff holding ``finance.reveal_financial_data``: a POST (so no link, prefetch
    or cache can trigger or keep it) answered with a page marked ``no-store``,
    each reveal recorded in the audit trail before anything is shown.
    """

    list_display = ("user", "created_at", "updated_at")
    list_select_related = ("user",)
    search_fields = ("=user__email",)
    fields = ("user", "created_at", "updated_at", "legacy_key_version")
    readonly_fields = ("user", "created_at", "updated_at", "legacy_key_version")
    change_form_template = "admin/finance/encryptedfinancialprofile/change_form.html"
    reveal_template = "admin/finance/encryptedfinancialprofile/reveal.html"

    def get_queryset(self, request):
        # The token is not even loaded for the admin's own pages; only the reveal reads it.
        return super().get_queryset(request).defer("encrypted_data")

    def has_add_permission(self, request):
        return False

    def has_reveal_permission(self, request, obj=None) -> bool:
        return self.has_view_permission(request, obj) and request.user.has_perm(REVEAL_PERMISSION)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        reveal = path(
            "<path:object_id>/reveal/",
            self.admin_site.admin_view(require_POST(self.reveal_view)),
            name="{}_{}_reveal".format(*info),
        )
        # Before the default patterns: their catch-all "<path:object_id>/" would take it.
        return [reveal, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_reveal": self.has_reveal_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def reveal_view(self, request, object_id):
        if not self.has_reveal_permission(request):
            raise PermissionDenied
        profile = self.get_object(request, unquote(object_id))
        if profile is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_reveal_permission(request, profile):
            raise PermissionDenied
        event = {
            "action": "reveal_financial_data",
            "user_id": profile.user_id,
            "entity_type": self.opts.db_table,
            "entity_id": str(profile.pk),
        }
        staff = {"staff_user_id": str(request.user.pk)}
        try:
            data = profile.decrypt()
        except DecryptionError:
            record_event(**event, details={**staff, "outcome": "undecryptable"})
            messages.error(request, "This profile cannot be decrypted with the configured keys; nothing was revealed.")
            change_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[profile.pk])
            return HttpResponseRedirect(change_url)
        record_event(**event, details={**staff, "outcome": "revealed"})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": profile,
            "title": f"Decrypted financial profile of {profile.user}",
            "data_json": json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True),
        }
        response = render(request, self.reveal_template, context)
        patch_cache_control(response, no_store=True, no_cache=True, must_revalidate=True, private=True, max_age=0)
        return response


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
