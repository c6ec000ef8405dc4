"""The legacy application cache (cache.db), kept in tables of its own.

Its values are the old Flask app's serialisations, which Django's cache
backend cannot read; mapping them into Django's cache table would only make
unreadable entries. Live entries are kept byte for byte until they expire.
"""

from django.db import models

from mingus.db import UUIDModel, range_check


class CacheEntry(UUIDModel):
    key = models.TextField(unique=True)
    value = models.BinaryField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "cache_entries"
        verbose_name_plural = "cache entries"
        indexes = [models.Index(fields=["expires_at"], name="cache_entries_expires_idx")]

    def __str__(self) -> str:
        return self.key


class QueryCache(UUIDModel):
    query_hash = models.TextField()
    result = models.JSONField(null=True, blank=True)
    hit_count = models.IntegerField(null=True, blank=True, default=0)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "query_cache"
        verbose_name_plural = "query cache"
        constraints = [range_check("hit_count", low=0, name="query_cache_hit_count_non_negative")]
        indexes = [
            models.Index(fields=["query_hash"], name="query_cache_hash_idx"),
            models.Index(fields=["expires_at"], name="query_cache_expires_idx"),
        ]

    def __str__(self) -> str:
        return self.query_hash


class ApiCache(UUIDModel):
    endpoint = models.TextField()
    params_hash = models.TextField(null=True, blank=True)
    response = models.TextField(null=True, blank=True)
    status_code = models.IntegerField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "api_cache"
        verbose_name_plural = "API cache"
        indexes = [
            models.Index(fields=["endpoint", "params_hash"], name="api_cache_lookup_idx"),
            models.Index(fields=["expires_at"], name="api_cache_expires_idx"),
        ]

    def __str__(self) -> str:
        return self.endpoint
