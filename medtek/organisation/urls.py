from django.urls import path

from . import views

app_name = "organisation"

urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("care-providers/", views.care_provider_list, name="care_provider_list"),
    path("care-providers/new/", views.care_provider_create, name="care_provider_create"),
    path("care-providers/<int:pk>/", views.care_provider_detail, name="care_provider_detail"),
    path("care-providers/<int:pk>/edit/", views.care_provider_edit, name="care_provider_edit"),
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/roles/new/", views.grant_create, name="grant_create"),
    path("roles/<int:pk>/revoke/", views.grant_revoke, name="grant_revoke"),
]
