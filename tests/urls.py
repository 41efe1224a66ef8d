from django.urls import include, path

from medtek.urls import (  # noqa: F401  (the root URL configuration names them)
    handler403,
    handler404,
    handler500,
)
from medtek.urls import urlpatterns as medtek_urlpatterns

urlpatterns = [
    path("example/", include("tests.example.urls")),
    path("api/v1/", include("tests.example.api")),
    *medtek_urlpatterns,
]
