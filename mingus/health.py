"""Liveness: the process is up and answering. Deliberately touches no database or broker.

A liveness probe that checked PostgreSQL would restart every web instance at
the first database blip; readiness (dependencies) is a separate concern.
"""

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def live(request) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain")
