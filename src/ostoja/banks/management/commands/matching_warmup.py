"""Compile the hash-matching kernels into numba's cache (run after install or migrate)."""

from django.core.management.base import BaseCommand

from ostoja.matching import warmup


class Command(BaseCommand):
    help = (
        "Compile the PDQ index kernels (or load them from numba's cache) so that the first "
        "match answer of every web process is fast. `make run` runs it after migrating."
    )

    def handle(self, *args, **options):
        seconds = warmup.warm_up()
        hits, misses = warmup.cache_stats()
        self.stdout.write(
            self.style.SUCCESS(
                f"Matching kernels ready in {seconds:.1f} s ({misses} compiled, {hits} loaded "
                "from the cache)."
            )
        )
