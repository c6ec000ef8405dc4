"""Admin building blocks that keep changelists fast on tables with millions of rows."""

from __future__ import annotations

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

# Below this many rows an exact COUNT(*) is cheap and nicer to read.
EXACT_COUNT_LIMIT = 100_000


class EstimatedCountPaginator(Paginator):
    """A paginator that never runs a full ``COUNT(*)`` over a big table.

    Unfiltered: PostgreSQL's planner estimate (``pg_class.reltuples``), exact
    only when the table is small. Filtered or searched: the count stops at
    ``EXACT_COUNT_LIMIT`` (pages beyond it are reached by narrowing the filter).
    """

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not hasattr(queryset, "query"):
            return super().count
        if not queryset.query.where:
            estimate = _estimated_rows(queryset)
            if estimate is not None and estimate >= EXACT_COUNT_LIMIT:
                return estimate
        return queryset[: EXACT_COUNT_LIMIT + 1].count()


def _estimated_rows(queryset) -> int | None:
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [queryset.model._meta.db_table],
        )
        row = cursor.fetchone()
    # -1 means "never analysed"; fall back to counting (bounded).
    return row[0] if row and row[0] >= 0 else None


class BigTableAdmin(admin.ModelAdmin):
    """Base admin for every model of the unified schema."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50


class ReadOnlyAdmin(BigTableAdmin):
    """Admin for records nobody edits by hand (logs, metrics, imported history)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
