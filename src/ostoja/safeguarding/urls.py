from django.urls import path

from . import views

app_name = "safeguarding"

_person = "safeguarding/<slug:slug>/people/<int:pk>/"
urlpatterns = [
    path("safeguarding/", views.index, name="index"),
    path("safeguarding/<slug:slug>/", views.register, name="register"),
    path("safeguarding/<slug:slug>/people/new/", views.person_add, name="person_add"),
    path(_person, views.person_detail, name="person"),
    path(_person + "edit/", views.person_edit, name="person_edit"),
    path(_person + "delete/", views.person_delete, name="person_delete"),
    path(_person + "engagements/new/", views.engagement_add, name="engagement_add"),
    path(
        _person + "engagements/<int:engagement_pk>/end/",
        views.engagement_end,
        name="engagement_end",
    ),
    path(_person + "checks/<slug:kind>/new/", views.check_add, name="check_add"),
    path(_person + "checks/<int:check_pk>/attachment/", views.attachment, name="attachment"),
    path(_person + "residence/", views.residence, name="residence"),
    path(_person + "residence/<int:period_pk>/remove/", views.period_remove, name="period_remove"),
    path(_person + "admit/", views.admit, name="admit"),
    path(_person + "share/", views.share_create, name="share_create"),
    path(_person + "share/<int:share_pk>/withdraw/", views.share_withdraw, name="share_withdraw"),
    path("safeguarding/<slug:slug>/share/", views.share_redeem, name="share_redeem"),
    path("safeguarding/<slug:slug>/policy/", views.policy, name="policy"),
    path("safeguarding/<slug:slug>/access-log/", views.access_log, name="access_log"),
    path("safeguarding/<slug:slug>/export.csv", views.export_csv, name="export_csv"),
    path("safeguarding/<slug:slug>/export.pdf", views.export_pdf, name="export_pdf"),
]
