from django.urls import path

from . import views

app_name = "devices"

urlpatterns = [
    path("", views.device_list, name="device_list"),
    path("new/", views.device_create, name="device_create"),
    path("due/", views.due_overview, name="due_overview"),
    path("<int:pk>/", views.device_detail, name="device_detail"),
    path("<int:pk>/edit/", views.device_edit, name="device_edit"),
    path("<int:pk>/status/", views.device_status, name="device_status"),
    path("<int:pk>/plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:plan_pk>/inspections/new/", views.inspection_create, name="inspection_create"),
    path("models/", views.device_model_list, name="device_model_list"),
    path("models/new/", views.device_model_create, name="device_model_create"),
    path("models/<int:pk>/", views.device_model_detail, name="device_model_detail"),
    path("models/<int:pk>/edit/", views.device_model_edit, name="device_model_edit"),
    path("imports/<int:pk>/models/new/", views.import_models, name="import_models"),
]
