from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("new/", views.report_create, name="report_create"),
    path("<int:pk>/", views.report_detail, name="report_detail"),
    path("<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("<int:pk>/approve/", views.report_approve, name="report_approve"),
    path("<int:pk>/return/", views.report_return, name="report_return"),
    path("<int:pk>/send/", views.report_send, name="report_send"),
    path(
        "<int:pk>/manufacturer-copy/",
        views.report_manufacturer_copy,
        name="report_manufacturer_copy",
    ),
    path("<int:pk>/reply/", views.report_reply, name="report_reply"),
    path("<int:pk>/supplement/", views.report_supplement, name="report_supplement"),
    path("<int:pk>/close/", views.report_close, name="report_close"),
]
