"""API routes of the funding app, included by twinning/api_urls.py under ``api``."""

from rest_framework.routers import SimpleRouter

from . import aid_api, api

router = SimpleRouter()
router.include_format_suffixes = False
router.register("budgets", api.BudgetViewSet, basename="budget")
router.register("allocations", api.AllocationViewSet, basename="allocation")
router.register("tranches", api.TrancheViewSet, basename="tranche")
router.register("disbursements", api.DisbursementViewSet, basename="disbursement")
router.register("ledger", api.LedgerViewSet, basename="ledger-entry")
router.register("funding-totals", api.FundingTotalsViewSet, basename="funding-totals")
router.register("donations", api.DonationViewSet, basename="donation")
router.register("students", aid_api.StudentViewSet, basename="student")
router.register("aid-schemes", aid_api.AidSchemeViewSet, basename="aid-scheme")
router.register("aid-applications", aid_api.AidApplicationViewSet, basename="aid-application")
router.register("aid-objections", aid_api.AidObjectionViewSet, basename="aid-objection")
router.register("aid-notices", aid_api.AidNoticeViewSet, basename="aid-notice")
router.register(
    "student-access-log", aid_api.StudentAccessLogViewSet, basename="student-access-log"
)

urlpatterns = router.urls
