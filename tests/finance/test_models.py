import datetime
from decimal import Decimal

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings

from finance.models import DailyCashflow, EncryptedFinancialProfile, ImportantDate, Subscription, UserIncomeDueDate
from mingus.crypto import DecryptionError
from tests.constraints import rejected_by_database

DAY = datetime.date(2025, 1, 15)


def test_one_cashflow_row_per_user_per_date(user):
    DailyCashflow.objects.create(user=user, date=DAY, closing_balance=Decimal("10.00"))
    with rejected_by_database("daily_cashflow_one_row_per_user_day"):
        DailyCashflow.objects.create(user=user, date=DAY, closing_balance=Decimal("11.00"))


def test_two_users_may_have_cashflow_on_the_same_date(user, other_user):
    DailyCashflow.objects.create(user=user, date=DAY)
    DailyCashflow.objects.create(user=other_user, date=DAY)
    assert DailyCashflow.objects.filter(date=DAY).count() == 2


def test_money_is_stored_to_the_exact_cent(user):
    row = UserIncomeDueDate.objects.create(user=user, amount=Decimal("123456789012.34"))
    row.refresh_from_db()
    assert row.amount == Decimal("123456789012.34")


def test_money_beyond_fourteen_digits_is_rejected(user):
    from django.db import DataError, transaction

    with pytest.raises(DataError), transaction.atomic():
        UserIncomeDueDate.objects.create(user=user, amount=Decimal("1234567890123.45"))


@pytest.mark.parametrize("tier", ["enterprise", "Free", ""])
def test_unknown_subscription_tier_is_rejected(user, tier):
    with rejected_by_database("subscriptions_tier_valid"):
        Subscription.objects.create(user=user, tier=tier, status="active")


@pytest.mark.parametrize("status", ["cancelled", "ACTIVE"])
def test_unknown_subscription_status_is_rejected(user, status):
    with rejected_by_database("subscriptions_status_valid"):
        Subscription.objects.create(user=user, tier="free", status=status)


def test_negative_subscription_price_is_rejected(user):
    with rejected_by_database("subscriptions_price_non_negative"):
        Subscription.objects.create(user=user, tier="budget", status="active", price=Decimal("-1.00"))


def test_negative_reminder_days_are_rejected(user):
    with rejected_by_database("important_dates_reminder_days_non_negative"):
        ImportantDate.objects.create(user=user, event_date=DAY, reminder_days=-1)


def test_per_user_row_requires_a_user(db):
    with rejected_by_database("user_id"):
        DailyCashflow.objects.create(user_id=None, date=DAY)


def test_financial_profile_stores_only_a_token_that_decrypts(user):
    profile = EncryptedFinancialProfile(user=user)
    profile.encrypt({"net_worth": "1000.00", "debts": []})
    profile.save()
    profile.refresh_from_db()
    assert "net_worth" not in profile.encrypted_data
    assert profile.decrypt() == {"net_worth": "1000.00", "debts": []}


def test_financial_profile_under_an_unknown_key_raises(user):
    profile = EncryptedFinancialProfile(user=user)
    profile.encrypt({"net_worth": "1"})
    with override_settings(FIELD_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]), pytest.raises(DecryptionError):
        profile.decrypt()


def test_empty_financial_token_is_rejected(user):
    with rejected_by_database("encrypted_financial_profiles_data_not_empty"):
        EncryptedFinancialProfile.objects.create(user=user, encrypted_data="")
