import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ostoja.config.settings.dev")
application = get_wsgi_application()


def _warm_up_matching() -> None:
    # Load the matching kernels while the worker waits for its first request (issue 11,
    # item 17): its first match answer then does not pay for them.
    from django.conf import settings

    if getattr(settings, "OSTOJA_MATCHING_WARMUP", True):
        from ostoja.matching.warmup import warm_up_in_background

        warm_up_in_background()


_warm_up_matching()
