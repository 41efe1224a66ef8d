from rest_framework.routers import SimpleRouter

from .views import DeviceModelViewSet, DeviceViewSet, InspectionViewSet

router = SimpleRouter()
router.register("devices", DeviceViewSet, basename="device")
router.register("device-models", DeviceModelViewSet, basename="device-model")
router.register("inspections", InspectionViewSet, basename="inspection")

urlpatterns = router.urls
