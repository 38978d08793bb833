from django.urls import path

from . import views

app_name = "network"

urlpatterns = [
    # Public: the partnership, its charter, coverage, and applying (no account needed).
    path("partnership/", views.partnership, name="partnership"),
    path("partnership/charter/", views.charter, name="charter"),
    path("partnership/charter/<int:number>/", views.charter, name="charter_version"),
    path("partnership/coverage/", views.coverage_page, name="coverage"),
    path("partnership/apply/", views.apply, name="apply"),
    path("partnership/apply/sent/", views.apply_sent, name="apply_sent"),
    path("partnership/apply/confirm/<str:token>/", views.confirm, name="confirm"),
    path(
        "partnership/application/<str:token>/",
        views.application_status,
        name="application_status",
    ),
    # Members.
    path("network/", views.index, name="index"),
    path("network/charter/<int:number>/accept/", views.charter_accept, name="charter_accept"),
    # Coordinators.
    path("network/applications/", views.applications, name="applications"),
    path("network/applications/<int:pk>/", views.application, name="application"),
    path("network/applications/<int:pk>/ask/", views.application_ask, name="application_ask"),
    path("network/applications/<int:pk>/admit/", views.application_admit, name="application_admit"),
    path(
        "network/applications/<int:pk>/refuse/",
        views.application_refuse,
        name="application_refuse",
    ),
    path("network/partners/", views.partners, name="partners"),
    path("network/partners/<int:pk>/", views.partner, name="partner"),
    path("network/charter/", views.charter_manage, name="charter_manage"),
    path("network/charter/<int:number>/", views.charter_status, name="charter_status"),
    path("network/coverage-target/", views.coverage_target, name="coverage_target"),
]
