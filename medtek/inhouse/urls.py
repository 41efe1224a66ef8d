from django.urls import path

from . import checklist_views, public_views, views

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
    path("<int:pk>/notification/", views.notification_draft, name="notification_draft"),
    path("<int:pk>/documents/new/", views.document_add, name="document_add"),
    path(
        "<int:pk>/documents/<int:doc_pk>/version/",
        views.document_version,
        name="document_version",
    ),
    path("<int:pk>/documents/<int:doc_pk>/file/", views.document_file, name="document_file"),
    path("<int:pk>/releases/new/", views.release_add, name="release_add"),
    path("<int:pk>/reviews/new/", views.review_add, name="review_add"),
    path("<int:pk>/actions/new/", views.action_add, name="action_add"),
    path("<int:pk>/actions/done/", views.action_done, name="action_done"),
    path("<int:pk>/actions/verify/", views.action_verify, name="action_verify"),
    path("<int:pk>/sign/", views.signoff, name="signoff"),
    path("<int:pk>/status/", views.transition, name="transition"),
]

#: The public declarations, mounted without a login at ``/egentillverkning/`` (medtek/urls.py).
public_urlpatterns = [
    path("", public_views.public_declarations, name="declarations"),
    path("<int:pk>/", public_views.public_declaration, name="declaration"),
    path("<int:pk>/pdf/", public_views.public_declaration_pdf, name="declaration_pdf"),
]
