from django.urls import include, path

from medtek.urls import urlpatterns as medtek_urlpatterns

urlpatterns = [
    path("example/", include("tests.example.urls")),
    path("api/v1/", include("tests.example.api")),
    *medtek_urlpatterns,
]
