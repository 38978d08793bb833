from django.urls import path

from . import views

app_name = "takedown"
urlpatterns = [
    # Public pages.
    path("blocked/", views.blocked, name="blocked"),
    path("blocked/appeal/", views.appeal_form, name="appeal_form"),
    path("ntd/<str:token>/", views.respond, name="respond"),
    # Hotline analysts and supervisors.
    path("takedown/", views.case_list, name="cases"),
    path("takedown/items/<int:pk>/", views.item_page, name="item"),
    path("takedown/items/<int:pk>/act/", views.take_action, name="act"),
    path("takedown/items/<int:pk>/trace/", views.retrace, name="retrace"),
    path("takedown/items/<int:pk>/override/", views.override, name="override"),
    path("takedown/items/<int:pk>/check/", views.check, name="check"),
    path("takedown/items/<int:pk>/resolve/", views.resolve, name="resolve"),
    path("takedown/items/<int:pk>/referral.json", views.referral_export, name="referral_export"),
    path("takedown/supervision/", views.supervision, name="supervision"),
    path("takedown/appeals/<int:pk>/", views.appeal_detail, name="appeal"),
    path("takedown/providers/", views.providers, name="providers"),
    path(
        "takedown/providers/rules/<int:pk>/delete/",
        views.provider_rule_delete,
        name="provider_rule_delete",
    ),
    # Statistics (coordinators and hotline staff).
    path("takedown/stats/", views.statistics, name="stats"),
    path("takedown/stats.csv", views.statistics_csv, name="stats_csv"),
    path("takedown/stats.json", views.statistics_json, name="stats_json"),
]
