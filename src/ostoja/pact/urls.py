from django.urls import path

from . import views

app_name = "pact"
urlpatterns = [
    path("pact/", views.overview, name="overview"),
    path("pact/catalogue/", views.catalogue, name="catalogue"),
    path("pact/catalogue/edit/", views.catalogue_edit, name="catalogue_edit"),
    path("pact/catalogue/edit/new/", views.measure_new, name="measure_new"),
    path("pact/catalogue/edit/<str:code>/", views.measure_edit, name="measure_edit"),
    path("pact/open-data.csv", views.open_data_csv, name="open_data"),
    path("pact/s/<slug:slug>/", views.signatory_page, name="signatory"),
    path("pact/s/<slug:slug>/lanzarote.csv", views.lanzarote_export, name="lanzarote"),
    path("pact/workspace/", views.workspace, name="workspace"),
    path("pact/sign/", views.sign, name="sign"),
    path("pact/manage/<slug:slug>/", views.manage, name="manage"),
    path("pact/s/<slug:slug>/declaration.pdf", views.declaration, name="declaration"),
    path("pact/s/<slug:slug>/resolution.pdf", views.resolution_file, name="resolution_file"),
    path("pact/s/<slug:slug>/assessment/<int:year>/", views.assessment, name="assessment"),
    path("pact/s/<slug:slug>/assessment/<int:year>/<str:code>/", views.answer, name="answer"),
    path("pact/s/<slug:slug>/plan/", views.plan, name="plan"),
    path("pact/s/<slug:slug>/plan/<int:pk>/", views.plan_item, name="plan_item"),
    path("pact/s/<slug:slug>/units/", views.units, name="units"),
    path("pact/s/<slug:slug>/review/", views.review, name="review"),
]
