from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from medtek.core.admin import restrict_admin_to_administrators
from medtek.inhouse.urls import public_urlpatterns as inhouse_public
from medtek.registry import views as registry_views
from medtek.views import audit, home

restrict_admin_to_administrators(admin.site)

handler403 = "medtek.views.errors.permission_denied"
handler404 = "medtek.views.errors.page_not_found"
handler500 = "medtek.views.errors.server_error"

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("organisation/", include("medtek.organisation.urls")),
    path("history/<str:label>/<str:pk>/", audit.object_history, name="object_history"),
    path("history/<str:label>/<str:pk>/pdf/", audit.object_history_pdf, name="object_history_pdf"),
    path("audit/", audit.audit_log, name="audit_log"),
    path("devices/", include("medtek.devices.urls")),
    path("inhouse/", include("medtek.inhouse.urls")),
    path("imports/", include("medtek.imports.urls")),
    path("registry/", include("medtek.registry.urls")),
    path("reports/", include("medtek.reports.urls")),
    path("diarium/", registry_views.public_diary, name="public_diary"),
    path("egentillverkning/", include((inhouse_public, "inhouse_public"))),
    path("api/v1/", include("medtek.organisation.api.urls")),
    path("api/v1/", include("medtek.devices.api.urls")),
    path("api/v1/", include("medtek.inhouse.api.urls")),
    path("api/v1/", include("medtek.registry.api.urls")),
    path("api/v1/", include("medtek.reports.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
