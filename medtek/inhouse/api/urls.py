from rest_framework.routers import SimpleRouter

from .views import InhouseDeviceViewSet

router = SimpleRouter()
router.register("inhouse-devices", InhouseDeviceViewSet, basename="inhouse-device")

urlpatterns = router.urls
