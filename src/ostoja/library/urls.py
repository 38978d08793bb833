from django.urls import path

from . import views

app_name = "library"
urlpatterns = [
    path("library/", views.index, name="index"),
    path("library/add/", views.add, name="add"),
    path("library/m/<int:pk>/", views.material, name="material"),
    path("library/m/<int:pk>/edit/", views.edit, name="edit"),
    path("library/m/<int:pk>/download/", views.download, name="download"),
    path("library/m/<int:pk>/order/", views.order, name="order"),
    path("library/m/<int:pk>/stock/", views.stock, name="stock"),
    path("library/orders/", views.orders, name="orders"),
    path("library/orders/<int:pk>/", views.order_action, name="order_action"),
    path("library/journal/", views.journal, name="journal"),
    path("library/journal/subscription/<slug:slug>/", views.subscription, name="subscription"),
    path(
        "library/journal/issues/<int:pk>/distribution.csv",
        views.distribution_csv,
        name="distribution",
    ),
]
