from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from mingus.accounts.models import User, UserProfile
from mingus.admin_base import BigTableAdmin


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


@admin.register(UserProfile)
class UserProfileAdmin(BigTableAdmin):
    list_display = ("user", "state", "zip_code", "household_size", "annual_income", "employment_status")
    list_select_related = ("user",)
    search_fields = ("=user__email", "zip_code")
    raw_id_fields = ("user",)
