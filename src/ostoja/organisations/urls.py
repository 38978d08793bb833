from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("new/", views.organisation_create, name="create"),
    path("register/search/", views.teryt_search, name="teryt_search"),
    path("<slug:slug>/", views.organisation_detail, name="detail"),
    path("<slug:slug>/edit/", views.organisation_edit, name="edit"),
    path("<slug:slug>/deactivate/", views.organisation_deactivate, name="deactivate"),
    path("<slug:slug>/reactivate/", views.organisation_reactivate, name="reactivate"),
    path("<slug:slug>/tokens/", views.token_list, name="tokens"),
    path("<slug:slug>/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
