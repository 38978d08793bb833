"""Root URLconf. Human pages are under i18n_patterns: Polish at /, English at /en/."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from ostoja.core import devmail
from ostoja.core import views as core_views
from ostoja.core.api import api

handler400 = "ostoja.core.views.error_400"
handler403 = "ostoja.core.views.error_403"
handler404 = "ostoja.core.views.error_404"
handler500 = "ostoja.core.views.error_500"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("api/", api.urls),
    path("hsds/", include("ostoja.directory.hsds_urls")),
]

# Apps that add human pages append to this list (see docs/architecture.md).
app_patterns = [
    path("", core_views.home, name="home"),
    path("dashboard/", core_views.dashboard, name="dashboard"),
    path("dev/mail/", devmail.mailbox, name="dev_mail"),  # 404 unless DEBUG
    path("accounts/", include("allauth.urls")),
    path("organisations/", include("ostoja.organisations.urls")),
    path("audit/", include("ostoja.audit.urls")),
    path("", include("ostoja.people.urls")),
    # Each module mounts its human pages here (its own paths, e.g. /report/, /hotline/…).
    path("", include("ostoja.hotline.urls")),
    path("", include("ostoja.banks.urls")),
    path("", include("ostoja.directory.urls")),
    path("", include("ostoja.outbox.urls")),
    path("", include("ostoja.takedown.urls")),
    path("", include("ostoja.pact.urls")),
    path("", include("ostoja.scheduler.urls")),
    path("", include("ostoja.safeguarding.urls")),
    path("", include("ostoja.network.urls")),
    path("", include("ostoja.certificates.urls")),
    path("", include("ostoja.forum.urls")),
    path("", include("ostoja.newsletter.urls")),
    path("", include("ostoja.events.urls")),
    path("", include("ostoja.learning.urls")),
    path("", include("ostoja.library.urls")),
    path("", include("ostoja.positions.urls")),
]

urlpatterns += i18n_patterns(*app_patterns, prefix_default_language=False)
