from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from mingus.db import MoneyField, PythonCheckedConstraint, UserOwnedModel, choices_check, range_check, uuid7


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email or not email.strip():
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email.strip()), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        # Logins are case- and whitespace-insensitive, like the unique index.
        return self.get(email__iexact=(username or "").strip())


class LegacyStatus(models.TextChoices):
    PLACEHOLDER = "placeholder", "Placeholder for a deleted legacy account"
    EMAIL_CONFLICT = "email_conflict", "Email clashed with another account"


def email_trimmed_not_empty(value) -> bool:
    """users_email_trimmed_not_empty in Python: not empty, and no space at either end.

    PostgreSQL's trim() removes spaces only (not tabs or newlines), and a CHECK
    lets NULL through.
    """
    return value is None or (value != "" and value == value.strip(" "))


class User(AbstractBaseUser, PermissionsMixin):
    """An account: customers and staff alike. Email is the login."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    email = models.EmailField(max_length=255)
    # Long enough for carried-over werkzeug scrypt hashes (about 180 characters).
    password = models.CharField("password", max_length=255)
    first_name = models.CharField(max_length=100, null=True, blank=True)
    last_name = models.CharField(max_length=100, null=True, blank=True)
    phone = models.CharField(max_length=32, null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Can log into this admin site.")
    is_app_admin = models.BooleanField(
        default=False,
        help_text="Administrator of the customer-facing app (legacy is_admin). Grants no access to this admin site.",
    )
    email_verified = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(null=True, blank=True)
    # Set by the legacy import only; see "Email variants and orphans" in README.md.
    legacy_email = models.CharField(
        max_length=255,
        null=True,
        blank=True,
        help_text="The email exactly as the legacy app stored it, when it differs from the login email.",
    )
    legacy_status = models.CharField(max_length=20, null=True, blank=True, choices=LegacyStatus.choices)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        db_table = "users"
        constraints = [
            models.UniqueConstraint(Lower("email"), name="users_email_ci_unique"),
            PythonCheckedConstraint(
                condition=~models.Q(email="") & models.Q(email=models.functions.Trim("email")),
                name="users_email_trimmed_not_empty",
                python_check=("email", email_trimmed_not_empty),
            ),
            choices_check("legacy_status", LegacyStatus, name="users_legacy_status_valid"),
        ]
        indexes = [models.Index(fields=["created_at"], name="users_created_at_idx")]
        # Checked by the personal-data export and erasure; no staff group holds them.
        permissions = [
            ("export_user_data", "Can export all of a user's data"),
            ("erase_user_data", "Can erase a user's data"),
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs):
        self.updated_at = timezone.now()
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name


class UserProfile(UserOwnedModel):
    date_of_birth = models.DateField(null=True, blank=True)
    zip_code = models.CharField(max_length=10, null=True, blank=True)
    state = models.CharField(max_length=2, null=True, blank=True)
    household_size = models.IntegerField(null=True, blank=True)
    annual_income = MoneyField(null=True, blank=True)
    employment_status = models.CharField(max_length=50, null=True, blank=True)
    demographics = models.JSONField(null=True, blank=True)
    preferences = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "user_profiles"
        constraints = [
            range_check("household_size", low=0, name="user_profiles_household_size_non_negative"),
            range_check("annual_income", low=0, name="user_profiles_annual_income_non_negative"),
        ]
        indexes = [models.Index(fields=["user", "created_at"], name="user_profiles_user_idx")]

    def __str__(self) -> str:
        return f"Profile of {self.user_id}"
