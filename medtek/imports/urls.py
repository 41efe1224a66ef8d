from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.session_list, name="session_list"),
    path("new/<slug:kind>/", views.session_create, name="session_create"),
    path("<int:pk>/", views.session_detail, name="session_detail"),
    path("<int:pk>/mapping/", views.session_map, name="session_map"),
    path("<int:pk>/values/", views.session_values, name="session_values"),
    path("<int:pk>/profile/", views.session_save_profile, name="session_save_profile"),
    path("profiles/", views.profile_list, name="profile_list"),
    path("profiles/<int:pk>/", views.profile_detail, name="profile_detail"),
    path("profiles/<int:pk>/export/", views.profile_export, name="profile_export"),
    path("<int:pk>/validate/", views.session_validate, name="session_validate"),
    path("<int:pk>/commit/", views.session_commit, name="session_commit"),
    path("<int:pk>/run/", views.session_run, name="session_run"),
    path("<int:pk>/resume/", views.session_resume, name="session_resume"),
    path("<int:pk>/failed-rows/", views.session_failed_rows, name="session_failed_rows"),
]
