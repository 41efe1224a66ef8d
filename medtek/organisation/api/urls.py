from rest_framework.routers import SimpleRouter

from .views import CareProviderViewSet, PersonViewSet, UnitViewSet

router = SimpleRouter()
router.register("units", UnitViewSet, basename="unit")
router.register("care-providers", CareProviderViewSet, basename="care-provider")
router.register("people", PersonViewSet, basename="person")

urlpatterns = router.urls
