from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self):
        from schools import region_copies

        # A scorecard carries its pairing's region (the programme's, as a pairing does);
        # its evidence the helping school's.
        region_copies.register(region_copies.Copy("evaluation.ScoreEvidence"))
