"""Sign-in protection against password guessing, built on django-axes.

django-axes counts failed sign-ins in the database (shared by every web
process) and refuses further attempts, even with the right password, once
``AXES_FAILURE_LIMIT`` failures came from one client address or for one
account within the cool-off period (settings ``LOGIN_FAILURE_LIMIT`` and
``LOGIN_COOLOFF_MINUTES``). This module holds the project's pieces of it: the
authentication backend, the admin sign-in form, how a client and an account
are identified, and the page a locked-out person sees. Every failure, refused or not, is audited by
:mod:`mingus.accounts.signals`.
"""

from __future__ import annotations

import ipaddress

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

LOCKOUT_TEMPLATE = "accounts/login_locked_out.html"
_MAX_USERNAME = 255


class LoginProtectionBackend(AxesStandaloneBackend):
    """Refuses sign-in for a locked-out client or account; authenticates no one itself.

    Must come first in ``AUTHENTICATION_BACKENDS``. Calls without a request
    (``authenticate()`` from code, a shell or a test) have no client to count
    and are passed on instead of failing, as django-axes would, with an error:
    every sign-in form of the project passes its request.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class StaffLoginForm(AdminAuthenticationForm):
    """The admin sign-in form: the right password of an account without admin access is a failure too.

    Django's form refuses it with the same message as a wrong password but
    sends no failure signal, so it would be neither counted nor audited.
    """

    def confirm_login_allowed(self, user) -> None:
        try:
            super().confirm_login_allowed(user)
        except ValidationError:
            user_login_failed.send(
                sender=__name__,
                credentials={"username": self.cleaned_data.get("username")},
                request=self.request,
                reason="no_admin_access",
            )
            raise


def attempted_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The account an attempt is for, as sign-in matches it (trimmed, case-insensitive).

    Normalising keeps ``Admin@x.com`` and ``admin@x.com `` from counting as two
    accounts, which would multiply the attempts allowed per account.
    """
    username = None
    if credentials:
        username = credentials.get("username", credentials.get("email"))
    if username is None and request is not None:
        username = request.POST.get("username")
    if username is None:
        return None
    return str(username).strip().lower()[:_MAX_USERNAME]


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client, as far as it can be trusted.

    Behind ``TRUSTED_PROXY_COUNT`` proxies (1 with ``BEHIND_TLS_PROXY``), the
    address is the one the outermost of them recorded in ``X-Forwarded-For``:
    entries further left are whatever the client chose to send. Without a
    proxy it is the connection's own address. ``None`` when it is not an IP
    address.
    """
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    address = request.META.get("REMOTE_ADDR")
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """The admin-styled page shown instead of the login form while sign-in is refused (HTTP 429)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        **admin.site.each_context(request),
        "title": "Sign-in temporarily blocked",
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": minutes,
    }
    return render(request, LOCKOUT_TEMPLATE, context, status=429)
