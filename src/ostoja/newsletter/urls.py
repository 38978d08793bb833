from django.urls import path, re_path

from . import views

app_name = "newsletter"
TOKEN = r"(?P<token>[A-Za-z0-9_-]{16,64})"
urlpatterns = [
    path("newsletter/", views.index, name="index"),
    re_path(rf"^newsletter/confirm/{TOKEN}/$", views.confirm, name="confirm"),
    re_path(rf"^newsletter/u/{TOKEN}/$", views.unsubscribe, name="unsubscribe"),
    path("newsletter/members/<int:pk>/subscribe/", views.member_subscribe, name="member_subscribe"),
    path(
        "newsletter/members/<int:pk>/unsubscribe/",
        views.member_unsubscribe,
        name="member_unsubscribe",
    ),
    path("newsletter/archive/", views.archive, name="archive"),
    path("newsletter/archive/<int:pk>/", views.archive_issue, name="archive_issue"),
    path("newsletter/manage/", views.manage, name="manage"),
    path("newsletter/manage/lists/new/", views.list_new, name="list_new"),
    path("newsletter/manage/lists/<int:pk>/", views.list_detail, name="list_detail"),
    path("newsletter/manage/lists/<int:pk>/issues/new/", views.issue_new, name="issue_new"),
    path("newsletter/manage/issues/<int:pk>/", views.issue_edit, name="issue_edit"),
]
