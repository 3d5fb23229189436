from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self):
        from . import notices

        notices.register()
        from schools import hub, region_copies

        from . import home, selectors
        from .documents import builders, cadence, pairing, region

        # A scorecard carries its pairing's region (the programme's, as a pairing does);
        # its evidence the helping school's.
        region_copies.register(region_copies.Copy("evaluation.ScoreEvidence"))
        hub.register(
            hub.Tab(
                "evaluation", _("Evaluation"), "evaluation:pairing_evaluation", 70,
                visible=lambda request, pairing: selectors.can_read_evaluation(
                    request.user, pairing
                ),
            )
        )  # fmt: skip
        home.register()
        # The kinds of the report archive built so far (evaluation/documents/).
        builders.register(pairing.PairingEvaluation())
        builders.register(region.RegionEvaluation())
        builders.register(cadence.MonthlySteering())
        builders.register(cadence.QuarterlySummary())
        builders.register(cadence.HalfYearlyCircular())
