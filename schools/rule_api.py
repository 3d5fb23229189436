"""The API of a programme's dated rules (its exchange targets, its mentorship
obligations): one shape for each, through the app's selectors and services. A change
counts from today (twinning/rulebook.py): changing a rule made before today answers its
successor, with a new id."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from twinning.filters import FilterSet, IdFilter

from . import selectors


def rule_filter(rule_model):
    """The list's filters: by programme, and in force or earlier."""

    class RuleFilter(FilterSet):
        programme = IdFilter(field_name="programme", label=_("programme"))
        current = filters.BooleanFilter(
            field_name="valid_until", lookup_expr="isnull", label=_("in force"),
            help_text=_("true: the rules in force; false: the earlier ones."),
        )  # fmt: skip

        class Meta:
            model = rule_model
            fields = ["programme", "current"]

    RuleFilter.__name__ = f"{rule_model.__name__}Filter"
    return RuleFilter


class ProgrammeRuleViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):  # fmt: skip
    """The own rules of the programmes the user reads, current and earlier. A subclass
    names its ``serializer_class``, ``change_serializer_class`` and:

    - ``get_rule(user, pk, write)``: the app's scoped selector of one rule;
    - ``add(actor, programme, data)``, ``change(actor, rule, data)``, ``remove(actor, rule)``:
      its services.
    """

    change_serializer_class = None
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        visible = selectors.programme_list_visible_to(self.request.user).values("pk")
        model = self.serializer_class.Meta.model
        return model.objects.filter(programme_id__in=visible).order_by(
            "programme_id", "-valid_from", "id"
        )

    def get_object(self):
        return self.get_rule(self.request.user, self.kwargs["pk"], write=False)

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        programme = selectors.programme_get_for_user(
            request.user, data.pop("programme").pk, write=True
        )
        rule = self.add(request.user, programme, data)
        return Response(self.get_serializer(rule).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk):
        rule = self.get_rule(request.user, pk, write=True)
        change = self.change_serializer_class(data=request.data)
        change.is_valid(raise_exception=True)
        now = self.change(request.user, rule, dict(change.validated_data))
        return Response(self.get_serializer(now).data)

    def destroy(self, request, pk):
        rule = self.get_rule(request.user, pk, write=True)
        self.remove(request.user, rule)
        return Response(status=status.HTTP_204_NO_CONTENT)
