from rest_framework.routers import SimpleRouter

from .views import CaseViewSet, DocumentViewSet

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="case")
router.register("documents", DocumentViewSet, basename="document")

urlpatterns = router.urls
