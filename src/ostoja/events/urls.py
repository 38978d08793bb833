from django.urls import path

from . import views, views_checkin, views_manage

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
    path("events/manage/<slug:slug>/participants/", views_manage.participants, name="participants"),
    path("events/manage/<slug:slug>/waiting/", views_manage.waiting, name="waiting"),
    path("events/manage/<slug:slug>/message/", views_manage.message, name="message"),
    path("events/manage/<slug:slug>/badges.pdf", views_manage.badges, name="badges"),
    path("events/manage/<slug:slug>/correct/", views_manage.correct, name="correct"),
    path("events/<slug:slug>/", views.detail, name="detail"),
]
