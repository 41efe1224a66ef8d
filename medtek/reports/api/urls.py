from rest_framework.routers import SimpleRouter

from .views import AuthorityReportViewSet, AuthorityViewSet, ReportKindViewSet

router = SimpleRouter()
router.register("authorities", AuthorityViewSet, basename="authority")
router.register("report-kinds", ReportKindViewSet, basename="report-kind")
router.register("authority-reports", AuthorityReportViewSet, basename="authority-report")

urlpatterns = router.urls
