from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("", views.document_list, name="document_list"),
    path("inbox/", views.inbox, name="inbox"),
    path("submit/", views.document_submit, name="document_submit"),
    path("documents/<int:pk>/", views.document_detail, name="document_detail"),
    path("documents/<int:pk>/register/", views.document_register, name="document_register"),
    path("documents/<int:pk>/correct/", views.document_correct, name="document_correct"),
    path("documents/<int:pk>/files/<int:file_pk>/", views.document_file, name="document_file"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:pk>/status/", views.case_status, name="case_status"),
    path("cases/<int:pk>/documents/new/", views.document_draw_up, name="document_draw_up"),
]
