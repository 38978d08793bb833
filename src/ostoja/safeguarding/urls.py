from django.urls import path

from . import intervention_views as iv
from . import standards_views as sv
from . import training_views as tv
from . import views

app_name = "safeguarding"

_person = "safeguarding/<slug:slug>/people/<int:pk>/"
_std = "safeguarding/<slug:slug>/standards/"
urlpatterns = [
    # Child-protection standards (art. 22b–22c).
    path("safeguarding-templates/", sv.template_list, name="template_list"),
    path("safeguarding-templates/new/", sv.template_edit, name="template_new"),
    path("safeguarding-templates/<int:pk>/", sv.template_edit, name="template_edit"),
    path(_std, sv.overview, name="standards"),
    path(_std + "start/", sv.start, name="standards_start"),
    path(_std + "draft/", sv.edit, name="standards_edit"),
    path(_std + "adopt/", sv.adopt, name="standards_adopt"),
    path(_std + "review/", sv.review, name="standards_review"),
    path(_std + "paper/", sv.paper_acknowledgement, name="standards_paper"),
    path(_std + "acknowledge/", sv.acknowledge, name="standards_acknowledge"),
    path(_std + "procedures/", sv.procedure_templates, name="procedures"),
    path(_std + "questionnaires/open/", sv.questionnaire_open, name="questionnaire_open"),
    path(
        _std + "questionnaires/<int:pk>/close/",
        sv.questionnaire_close,
        name="questionnaire_close",
    ),
    path(
        _std + "questionnaires/<int:pk>/",
        sv.questionnaire_results,
        name="questionnaire_results",
    ),
    path("standards/<slug:slug>/", sv.public, name="standards_public"),
    path(
        "standards/<slug:slug>/children/",
        sv.public,
        {"version": "children"},
        name="standards_public_children",
    ),
    path(
        "standards/<slug:slug>/parents/",
        sv.public,
        {"version": "parents"},
        name="standards_public_parents",
    ),
    path("standards/<slug:slug>/standards.pdf", sv.public_pdf, name="standards_pdf"),
    path("q/<str:token>/", sv.questionnaire_public, name="questionnaire"),
    # Intervention records (officers only).
    path("safeguarding/<slug:slug>/interventions/", iv.intervention_list, name="interventions"),
    path(
        "safeguarding/<slug:slug>/interventions/new/",
        iv.intervention_new,
        name="intervention_new",
    ),
    path(
        "safeguarding/<slug:slug>/interventions/<int:pk>/",
        iv.intervention_detail,
        name="intervention",
    ),
    path(
        "safeguarding/<slug:slug>/interventions/<int:pk>/steps/",
        iv.intervention_step,
        name="intervention_step",
    ),
    path(
        "safeguarding/<slug:slug>/interventions/<int:pk>/close/",
        iv.intervention_close,
        name="intervention_close",
    ),
    # Training records.
    path("safeguarding/<slug:slug>/training/", tv.trainings, name="trainings"),
    path(
        "safeguarding/<slug:slug>/training/<int:pk>/delete/",
        tv.training_delete,
        name="training_delete",
    ),
    # Vetting register (art. 21).
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
