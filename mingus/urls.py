from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from mingus import health

admin.site.site_header = "MINGUS Ops"
admin.site.site_title = "MINGUS Ops"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("health/live", health.live, name="health-live"),
]
