import json

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control

from mingus.accounts.models import User, UserProfile
from mingus.accounts.personal_data import (
    ERASURE_POLICY,
    UndecryptableData,
    erase_user,
    export_user_data,
    preview_erasure,
)
from mingus.admin_base import BigTableAdmin
from ops.models import AuditSource


class _UserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class _UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin, BigTableAdmin):
    form = _UserChangeForm
    add_form = _UserCreationForm
    ordering = ("-created_at",)
    list_display = ("email", "first_name", "last_name", "is_active", "is_staff", "email_verified", "created_at")
    list_filter = ("is_staff", "is_superuser", "is_active", "email_verified", "is_app_admin", "legacy_status")
    search_fields = ("email", "first_name", "last_name", "legacy_email")
    readonly_fields = ("id", "created_at", "updated_at", "last_login")
    fieldsets = (
        (None, {"fields": ("id", "email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "phone", "email_verified")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "is_app_admin", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "created_at", "updated_at")}),
        ("Legacy import", {"fields": ("legacy_status", "legacy_email")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    actions = ["export_user_data_action", "erase_user_data_action"]
    erase_confirmation_template = "admin/accounts/user/erase_user_confirmation.html"

    # Personal data requests: thin wrappers over mingus.accounts.personal_data, one person at a time.

    def has_export_user_data_permission(self, request) -> bool:
        return request.user.has_perm("accounts.export_user_data")

    def has_erase_user_data_permission(self, request) -> bool:
        return request.user.has_perm("accounts.erase_user_data")

    @admin.action(description="Export all data of the selected user (JSON)", permissions=["export_user_data"])
    def export_user_data_action(self, request, queryset):
        person = self._one_person(request, queryset)
        if person is None:
            return None
        try:
            data = export_user_data(user_id=person.pk, actor=_actor(request), source=AuditSource.ADMIN)
        except UndecryptableData as exc:
            self.message_user(request, f"Nothing was exported: {exc}", messages.ERROR)
            return None
        response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="mingus-user-{person.pk}.json"'
        # Decrypted personal data: no cache along the way may keep a copy.
        patch_cache_control(response, no_store=True, private=True, max_age=0)
        return response

    @admin.action(description="Erase the selected user (asks for confirmation)", permissions=["erase_user_data"])
    def erase_user_data_action(self, request, queryset):
        person = self._one_person(request, queryset)
        if person is None:
            return None
        if person.pk == request.user.pk:
            self.message_user(request, "You cannot erase your own account.", messages.ERROR)
            return None
        if request.POST.get("confirm_erase") == str(person.pk):
            report = erase_user(user_id=person.pk, actor=_actor(request), source=AuditSource.ADMIN)
            self.message_user(
                request,
                f"Erased user {report.user_id}: {sum(report.deleted.values())} rows deleted, "
                f"{sum(report.anonymised.values())} rows anonymised, audit entries pseudonymised.",
                messages.SUCCESS,
            )
            return None
        preview = [
            {"key": reference.key, "count": count, "policy": reference.policy}
            for reference, count in preview_erasure(user_id=person.pk)
            if count
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Erase a user's data",
            "opts": self.opts,
            "person": person,
            "preview": preview,
            "policy": sorted(ERASURE_POLICY.items()),
            "action_name": "erase_user_data_action",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, self.erase_confirmation_template, context)

    def _one_person(self, request, queryset):
        people = list(queryset[:2])
        if len(people) != 1:
            self.message_user(request, "Select exactly one user for a personal data request.", messages.WARNING)
            return None
        return people[0]


def _actor(request) -> str:
    return f"staff:{request.user.get_username()}"


@admin.register(UserProfile)
class UserProfileAdmin(BigTableAdmin):
    list_display = ("user", "state", "zip_code", "household_size", "annual_income", "employment_status")
    list_select_related = ("user",)
    search_fields = ("=user__email", "zip_code")
    raw_id_fields = ("user",)
