"""Human pages of the directory: the public search under /help/ (English under /en/help/) and
the management area for providers and coordinators under /directory/manage/."""

from django.urls import path

from . import views

app_name = "directory"
urlpatterns = [
    path("help/", views.search_view, name="search"),
    path("help/<uuid:pk>/", views.service_view, name="service"),
    path("directory/manage/", views.manage, name="manage"),
    path("directory/manage/services/new/", views.service_create, name="service_create"),
    path("directory/manage/services/<uuid:pk>/edit/", views.service_edit, name="service_edit"),
    path(
        "directory/manage/services/<uuid:pk>/verify/", views.service_verify, name="service_verify"
    ),
    path("directory/manage/changes/<int:pk>/", views.change_detail, name="change_detail"),
    path("directory/manage/changes/<int:pk>/approve/", views.change_approve, name="change_approve"),
    path("directory/manage/changes/<int:pk>/reject/", views.change_reject, name="change_reject"),
    path("directory/manage/import/", views.import_view, name="import"),
    path("directory/manage/export/", views.export_view, name="export"),
]
