from django.urls import path

from . import views

app_name = "positions"
urlpatterns = [
    path("positions/", views.index, name="index"),
    path("positions/new/", views.new, name="new"),
    path("positions/addressees/", views.addressees, name="addressees"),
    path("positions/d/<slug:slug>/", views.document, name="document"),
    path("positions/d/<slug:slug>/edit/", views.edit, name="edit"),
    path("positions/d/<slug:slug>/diff/<int:a>/<int:b>/", views.diff, name="diff"),
    path("positions/d/<slug:slug>/comment/", views.comment, name="comment"),
    path("positions/d/<slug:slug>/stage/", views.stage, name="stage"),
    path("positions/d/<slug:slug>/sign/", views.sign, name="sign"),
    path("positions/d/<slug:slug>/withdraw/", views.withdraw, name="withdraw"),
    path("positions/d/<slug:slug>/dispatches/", views.dispatches, name="dispatches"),
    path("positions/d/<slug:slug>/adoption/", views.adoption, name="adoption"),
    path("positions/p/<slug:slug>/", views.public, name="public"),
    path("positions/p/<slug:slug>/pdf/", views.position_pdf, name="pdf"),
    path("campaigns/calendar/", views.events, name="events"),
    path("campaigns/calendar.ics", views.ics, name="ics"),
    path("campaigns/calendar/new/", views.event_new, name="event_new"),
    path("campaigns/new/", views.campaign_new, name="campaign_new"),
    path("campaigns/<slug:slug>/", views.campaign, name="campaign"),
    path("campaigns/<slug:slug>/join/", views.campaign_join, name="campaign_join"),
]
