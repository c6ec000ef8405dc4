"""A view that reports the database scope a request ran in (used by tests/mingus/test_scope.py)."""

from django.contrib import admin
from django.http import JsonResponse
from django.urls import path

from mingus.scope import current_scope


def scope_view(request):
    return JsonResponse(current_scope())


def failing_view(request):
    from finance.models import ImportantDate

    ImportantDate.objects.filter(user=request.user).update(title="changed by a failing request")
    return JsonResponse({}, status=500)


urlpatterns = [
    path("scope/", scope_view),
    path("admin/scope/", scope_view),
    path("admin/", admin.site.urls),
    path("fail/", failing_view),
]
