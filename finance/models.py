from django.db import models
from django.utils import timezone

from mingus import crypto
from mingus.db import MoneyField, UserOwnedModel, choices_check, not_empty_check, range_check


class SubscriptionTier(models.TextChoices):
    FREE = "free", "Free"
    BUDGET = "budget", "Budget"
    MID_TIER = "mid_tier", "Mid-tier"
    PROFESSIONAL = "professional", "Professional"


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    TRIALING = "trialing", "Trialing"
    PAST_DUE = "past_due", "Past due"
    CANCELED = "canceled", "Canceled"
    INCOMPLETE = "incomplete", "Incomplete"
    UNPAID = "unpaid", "Unpaid"


class Subscription(UserOwnedModel):
    tier = models.CharField(max_length=32, choices=SubscriptionTier.choices)
    status = models.CharField(max_length=32, choices=SubscriptionStatus.choices)
    price = MoneyField(null=True, blank=True)
    billing_cycle = models.CharField(max_length=16, null=True, blank=True)
    stripe_customer_id = models.CharField(max_length=64, null=True, blank=True)
    stripe_subscription_id = models.CharField(max_length=64, null=True, blank=True)
    current_period_start = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    billing_info = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "subscriptions"
        constraints = [
            choices_check("tier", SubscriptionTier, name="subscriptions_tier_valid"),
            choices_check("status", SubscriptionStatus, name="subscriptions_status_valid"),
            range_check("price", low=0, name="subscriptions_price_non_negative"),
        ]
        indexes = [models.Index(fields=["user", "created_at"], name="subscriptions_user_created_idx")]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} ({self.status})"


class EncryptedFinancialProfile(UserOwnedModel):
    """A user's financial profile, stored only as a Fernet token under the project keyring.

    Read it with :meth:`decrypt` (which raises on a token no key opens), write
    it with :meth:`encrypt`. Nothing decrypts implicitly on load.
    """

    encrypted_data = models.TextField(help_text="Fernet token; never shown in admin.")
    # Provenance, not a key in use: the token was re-encrypted under FIELD_ENCRYPTION_KEYS.
    legacy_key_version = models.BigIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="The legacy row's key_version: which LEGACY_FERNET_KEYS key had encrypted it "
        "(1 oldest) before the import. Empty for profiles created since.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "encrypted_financial_profiles"
        constraints = [
            not_empty_check("encrypted_data", name="encrypted_financial_profiles_data_not_empty"),
        ]
        indexes = [models.Index(fields=["user", "created_at"], name="financial_profiles_user_idx")]
        permissions = [("reveal_financial_data", "Can reveal decrypted financial data")]

    def __str__(self) -> str:
        return f"Financial profile of {self.user_id}"

    def encrypt(self, value) -> None:
        self.encrypted_data = crypto.encrypt_json(value)

    def decrypt(self):
        return crypto.decrypt_json(self.encrypted_data)


class UserIncomeDueDate(UserOwnedModel):
    income_type = models.CharField(max_length=50, null=True, blank=True)
    amount = MoneyField()
    frequency = models.CharField(max_length=20, null=True, blank=True)
    next_due_date = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "user_income_due_dates"
        indexes = [models.Index(fields=["user", "next_due_date"], name="income_due_user_date_idx")]

    def __str__(self) -> str:
        return f"{self.income_type or 'income'} {self.amount}"


class UserExpenseDueDate(UserOwnedModel):
    expense_type = models.CharField(max_length=50, null=True, blank=True)
    category = models.CharField(max_length=50, null=True, blank=True)
    amount = MoneyField()
    frequency = models.CharField(max_length=20, null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "user_expense_due_dates"
        indexes = [models.Index(fields=["user", "due_date"], name="expense_due_user_date_idx")]

    def __str__(self) -> str:
        return f"{self.expense_type or 'expense'} {self.amount}"


class DailyCashflow(UserOwnedModel):
    date = models.DateField()
    opening_balance = MoneyField(null=True, blank=True)
    income = MoneyField(null=True, blank=True)
    expenses = MoneyField(null=True, blank=True)
    closing_balance = MoneyField(null=True, blank=True)
    balance_status = models.CharField(max_length=16, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "daily_cashflow"
        # The unique index (user, date) is also the per-user date-range index.
        constraints = [
            models.UniqueConstraint(fields=["user", "date"], name="daily_cashflow_one_row_per_user_day"),
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.closing_balance}"


class ImportantDate(UserOwnedModel):
    event_type = models.CharField(max_length=50, null=True, blank=True)
    event_date = models.DateField()
    title = models.CharField(max_length=200, null=True, blank=True)
    amount = MoneyField(null=True, blank=True)
    reminder_days = models.IntegerField(null=True, blank=True, default=7)
    notes = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "important_dates"
        constraints = [
            range_check("reminder_days", low=0, name="important_dates_reminder_days_non_negative"),
        ]
        indexes = [models.Index(fields=["user", "event_date"], name="important_dates_user_date_idx")]

    def __str__(self) -> str:
        return f"{self.event_date} {self.title or ''}".strip()


class UserGoal(UserOwnedModel):
    goal_type = models.CharField(max_length=50, null=True, blank=True)
    title = models.CharField(max_length=200, null=True, blank=True)
    target_amount = MoneyField(null=True, blank=True)
    current_amount = MoneyField(null=True, blank=True)
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "user_goals"
        indexes = [models.Index(fields=["user", "target_date"], name="user_goals_user_date_idx")]

    def __str__(self) -> str:
        return self.title or f"Goal {self.id}"
