from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("<slug:slug>/", views.organisation_detail, name="detail"),
    path("<slug:slug>/tokens/", views.token_list, name="tokens"),
    path("<slug:slug>/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
