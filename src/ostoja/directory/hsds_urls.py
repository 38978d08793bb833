"""The HSDS API's URLconf, mounted at ``/hsds/`` outside the language prefixes (the API's
language is the ``lang`` parameter, not the path). Paths follow the HSDS OpenAPI file."""

from django.urls import path

from . import hsds_api as views

app_name = "hsds"
urlpatterns = [
    path("", views.root, name="root"),
    path("openapi.json", views.openapi, name="openapi"),
    path("profile", views.profile, name="profile"),
    path("services", views.services, name="services"),
    path("services/<str:pk>", views.service_detail, name="service"),
    path("organizations", views.organizations, name="organizations"),
    path("organizations/<str:pk>", views.organization_detail, name="organization"),
    path("service_at_locations", views.service_at_locations, name="service_at_locations"),
    path(
        "service_at_locations/<str:pk>",
        views.service_at_location_detail,
        name="service_at_location",
    ),
    path("taxonomies", views.taxonomies, name="taxonomies"),
    path("taxonomies/<str:pk>", views.taxonomy_detail, name="taxonomy"),
    path("taxonomy_terms", views.taxonomy_terms, name="taxonomy_terms"),
    path("taxonomy_terms/<str:pk>", views.taxonomy_term_detail, name="taxonomy_term"),
]
