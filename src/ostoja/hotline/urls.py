from django.urls import path

from . import views

app_name = "hotline"
urlpatterns = [
    # Public (anonymous) pages.
    path("report/", views.report_form, name="report"),
    path("report/received/", views.report_received, name="received"),
    path("report/status/", views.report_status, name="status"),
    # Analysts and supervisors.
    path("hotline/", views.queue, name="queue"),
    path("hotline/next/", views.next_item, name="next"),
    path("hotline/stats/", views.stats, name="stats"),
    path("hotline/items/<int:pk>/", views.item_detail, name="item"),
    path("hotline/items/<int:pk>/claim/", views.item_claim, name="claim"),
    path("hotline/items/<int:pk>/release/", views.item_release, name="release"),
    path("hotline/items/<int:pk>/assess/", views.item_assess, name="assess"),
    path("hotline/items/<int:pk>/reveal/", views.item_reveal, name="reveal"),
    path("hotline/<slug:slug>/rules/", views.rules, name="rules"),
    path("hotline/<slug:slug>/settings/", views.hotline_settings, name="settings"),
]
