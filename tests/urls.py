from django.urls import include, path

from medtek.urls import handler404  # noqa: F401  (the root URL configuration names it)
from medtek.urls import urlpatterns as medtek_urlpatterns

urlpatterns = [
    path("example/", include("tests.example.urls")),
    path("api/v1/", include("tests.example.api")),
    *medtek_urlpatterns,
]
