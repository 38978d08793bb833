from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("certificates/verify/", views.verify, name="verify"),
    path("certificates/mine/", views.mine, name="mine"),
    path("certificates/register/", views.register, name="register"),
    path("certificates/<str:code>/pdf/", views.pdf, name="pdf"),
    path("certificates/<str:code>/revoke/", views.revoke, name="revoke"),
]
