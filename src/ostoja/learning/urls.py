from django.urls import path

from . import views

app_name = "learning"
urlpatterns = [
    path("learning/", views.index, name="index"),
    path("learning/practitioners/", views.practitioners, name="practitioners"),
    # training
    path("learning/editions/new/", views.edition_new, name="edition_new"),
    path("learning/editions/<int:pk>/", views.edition, name="edition"),
    path("learning/editions/<int:pk>/sessions.ics", views.edition_ics, name="edition_ics"),
    path("learning/editions/<int:pk>/enrol/", views.enrol, name="enrol"),
    path("learning/editions/<int:pk>/accept/", views.accept_offer, name="accept_offer"),
    path("learning/editions/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("learning/editions/<int:pk>/manage/", views.edition_manage, name="edition_manage"),
    path("learning/editions/<int:pk>/edit/", views.edition_edit, name="edition_edit"),
    path("learning/editions/<int:pk>/sessions/", views.session_add, name="session_add"),
    path("learning/sessions/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("learning/editions/<int:pk>/assessment/", views.assessment, name="assessment"),
    path("learning/editions/<int:pk>/close/", views.edition_close, name="edition_close"),
    path(
        "learning/editions/<int:pk>/certificate.pdf", views.certificate_pdf, name="certificate_pdf"
    ),
    # supervision
    path("learning/supervision/", views.supervision, name="supervision"),
    path("learning/supervision/new/", views.group_new, name="group_new"),
    path("learning/supervision/<int:pk>/", views.group, name="group"),
    path("learning/supervision/<int:pk>/book/", views.group_book, name="group_book"),
    path("learning/supervision/<int:pk>/cancel/", views.group_cancel, name="group_cancel"),
    path("learning/meetings/<int:pk>/", views.meeting, name="meeting"),
    # consultations
    path("learning/consultations/", views.consultations, name="consultations"),
    path("learning/consultations/ask/", views.consultation_new, name="consultation_new"),
    path("learning/consultations/<int:pk>/", views.consultation, name="consultation"),
    path(
        "learning/consultations/<int:pk>/book/", views.consultation_book, name="consultation_book"
    ),
    path(
        "learning/consultations/<int:pk>/reply/",
        views.consultation_reply,
        name="consultation_reply",
    ),
    path(
        "learning/consultations/<int:pk>/close/",
        views.consultation_close,
        name="consultation_close",
    ),
    path(
        "learning/consultations/<int:pk>/invitation.ics",
        views.consultation_ics,
        name="consultation_ics",
    ),
    path("learning/availability/", views.availability, name="availability"),
    path("learning/consultations/statistics/", views.statistics, name="statistics"),
]
