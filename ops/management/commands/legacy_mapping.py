from django.core.management.base import BaseCommand

from ops.legacy.mapping import render_mapping_markdown


class Command(BaseCommand):
    help = "Print the legacy-to-unified table mapping as Markdown (the README embeds it)."

    def handle(self, *args, **options):
        self.stdout.write(render_mapping_markdown(), ending="")
