from django.urls import path

from . import views

app_name = "scheduler"
urlpatterns = [
    path("scheduler/", views.job_list, name="list"),
    path("scheduler/<slug:name>/", views.job_detail, name="detail"),
]
