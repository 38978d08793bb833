from django.urls import path

from . import views, views_checkin, views_manage, views_setup

app_name = "events"
urlpatterns = [
    path("events/", views.event_list, name="list"),
    path("events/feed.ics", views.feed, name="feed"),
    path("events/ticket/<str:secret>/", views.ticket, name="ticket"),
    path("events/checkin/", views_checkin.index, name="checkin_index"),
    path("events/checkin/<int:list_id>/", views_checkin.page, name="checkin"),
    path("events/checkin/<int:list_id>/scan/", views_checkin.scan, name="checkin_scan"),
    path("events/checkin/<int:list_id>/counts/", views_checkin.live_counts, name="checkin_counts"),
    path("events/manage/", views_manage.manage_list, name="manage_list"),
    path("events/manage/new/", views_manage.create, name="create"),
    path("events/manage/<slug:slug>/", views_manage.manage, name="manage"),
    path("events/manage/<slug:slug>/edit/", views_setup.edit, name="edit"),
    path("events/manage/<slug:slug>/programme/", views_setup.programme, name="programme"),
    path(
        "events/manage/<slug:slug>/sessions/<int:session_id>/",
        views_setup.session_edit,
        name="session",
    ),
    path("events/manage/<slug:slug>/categories/", views_setup.categories, name="categories"),
    path(
        "events/manage/<slug:slug>/categories/<int:category_id>/",
        views_setup.category_edit,
        name="category",
    ),
    path("events/manage/<slug:slug>/questions/", views_setup.questions, name="questions"),
    path("events/manage/<slug:slug>/staff/", views_setup.staff, name="staff"),
    path("events/manage/<slug:slug>/participants/", views_manage.participants, name="participants"),
    path("events/manage/<slug:slug>/waiting/", views_manage.waiting, name="waiting"),
    path("events/manage/<slug:slug>/message/", views_manage.message, name="message"),
    path("events/manage/<slug:slug>/badges.pdf", views_manage.badges, name="badges"),
    path("events/manage/<slug:slug>/correct/", views_manage.correct, name="correct"),
    path("events/<slug:slug>/", views.detail, name="detail"),
]
