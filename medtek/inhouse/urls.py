from django.urls import path

from . import checklist_views, views

app_name = "inhouse"

urlpatterns = [
    path("", views.file_list, name="file_list"),
    path("new/", views.file_create, name="file_create"),
    path("<int:pk>/", views.file_detail, name="file_detail"),
    path("<int:pk>/edit/", views.file_edit, name="file_edit"),
    path("<int:pk>/checklist/", checklist_views.checklist, name="checklist"),
    path(
        "<int:pk>/checklist/<int:item_pk>/",
        checklist_views.checklist_item,
        name="checklist_item",
    ),
]
