from django.urls import path

from . import views

app_name = "forum"
urlpatterns = [
    path("forum/", views.index, name="index"),
    path("forum/search/", views.search_page, name="search"),
    path("forum/notifications/", views.notifications, name="notifications"),
    path("forum/preferences/", views.preferences, name="preferences"),
    path("forum/moderation/", views.moderation, name="moderation"),
    path("forum/reports/<int:pk>/resolve/", views.resolve_report, name="resolve_report"),
    path("forum/c/<slug:slug>/", views.category, name="category"),
    path("forum/c/<slug:slug>/new/", views.new_thread, name="new_thread"),
    path("forum/c/<slug:slug>/follow/", views.subscribe_category, name="subscribe_category"),
    path("forum/t/<int:pk>/", views.thread, name="thread"),
    path("forum/t/<int:pk>/follow/", views.subscribe_thread, name="subscribe_thread"),
    path("forum/t/<int:pk>/moderate/", views.moderate_thread, name="moderate_thread"),
    path("forum/p/<int:pk>/", views.post_link, name="post"),
    path("forum/p/<int:pk>/edit/", views.edit_post, name="edit_post"),
    path("forum/p/<int:pk>/history/", views.post_history, name="post_history"),
    path("forum/p/<int:pk>/report/", views.report_post, name="report_post"),
    path("forum/p/<int:pk>/moderate/", views.moderate_post, name="moderate_post"),
    path("forum/files/<int:pk>/", views.attachment, name="attachment"),
    path("forum/manage/groups/", views.groups, name="groups"),
    path("forum/manage/groups/<int:pk>/", views.group, name="group"),
    path("forum/manage/categories/", views.categories, name="categories"),
    path("forum/manage/categories/<int:pk>/", views.edit_category, name="edit_category"),
]
