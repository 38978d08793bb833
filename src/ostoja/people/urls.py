from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("people/", views.people_list, name="list"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/deactivate/", views.deactivate, name="deactivate"),
    path("people/<int:pk>/reactivate/", views.reactivate, name="reactivate"),
    path("people/memberships/<int:pk>/role/", views.membership_role, name="membership_role"),
    path("people/memberships/<int:pk>/remove/", views.membership_remove, name="membership_remove"),
    path("people/invitations/", views.invitation_list, name="invitations"),
    path("people/invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("people/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("people/organisations/<slug:slug>/", views.organisation_people, name="organisation"),
    path("people/organisations/<slug:slug>/invite/", views.invite, name="invite"),
    path("people/organisations/<slug:slug>/policy/", views.policy, name="policy"),
    path("invitations/<str:token>/", views.accept, name="accept"),
]
