from django.urls import path

from . import views

app_name = "banks"
urlpatterns = [
    path("banks/", views.bank_list, name="list"),
    path("banks/new/", views.bank_create, name="create"),
    path("banks/public-key/", views.public_key, name="public_key"),
    path("banks/from-item/<int:item_id>/", views.add_from_item, name="add_from_item"),
    path("banks/<slug:slug>/", views.bank_detail, name="detail"),
    path("banks/<slug:slug>/enabled/", views.bank_set_enabled, name="set_enabled"),
    path("banks/<slug:slug>/entries/new/", views.entry_add, name="add_entry"),
    path("banks/<slug:slug>/entries/<int:pk>/remove/", views.entry_remove, name="remove_entry"),
    path("banks/<slug:slug>/import/", views.import_upload, name="import"),
    path("banks/<slug:slug>/import/<int:pk>/", views.import_detail, name="import_detail"),
    path("banks/<slug:slug>/import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("banks/<slug:slug>/import/<int:pk>/discard/", views.import_discard, name="import_discard"),
    path("banks/<slug:slug>/export/", views.export, name="export"),
]
