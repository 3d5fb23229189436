"""Forms of the notification pages: the centre's filter, the person's work-chat
mention, the robot registration and the region defaults' choice."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .access import resolve_scope
from .forms import PlainSelect
from .models import ChatRobot, Role, User
from .notify import kinds


class NotificationFilter(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of notification"), required=False, widget=PlainSelect)
    state = forms.ChoiceField(
        label=_("Show"), required=False, widget=PlainSelect,
        choices=[("", _("All")), ("unread", _("Unread")), ("read", _("Read"))],
    )  # fmt: skip

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        scope = resolve_scope(user)
        self.fields["kind"].choices = [("", _("Every kind"))] + [
            (k.key, k.label) for k in kinds.for_roles(scope.roles, everything=scope.is_admin)
        ]


class MentionForm(forms.ModelForm):
    """How a group robot may name the person: by their phone, if they allow it."""

    class Meta:
        model = User
        fields = ("phone", "chat_mention")
        labels = {"phone": _("Mobile phone")}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("chat_mention") and not (cleaned.get("phone") or "").strip():
            self.add_error("phone", _("Give your mobile phone number to be @mentioned."))
        return cleaned


def owner_choices(user: User) -> list[tuple[str, str]]:
    """Where the user may register a robot: their bureau regions (and below), their
    coordinated schools. Regions are few; schools a coordinator holds, fewer."""
    from django.apps import apps

    region_model = apps.get_model("schools", "Region")
    school_model = apps.get_model("schools", "School")
    scope = resolve_scope(user)
    regions = region_model.objects.all() if scope.is_admin else region_model.objects.filter(
        id__in=scope.bureau_region_ids)  # fmt: skip
    schools = school_model.objects.filter(id__in=scope.coordinator_school_ids)
    return [
        *((f"region:{r.pk}", str(r.name)) for r in regions.order_by("path")),
        *((f"school:{s.pk}", str(s.name)) for s in schools.order_by("name")),
    ]


class RobotForm(forms.Form):
    name = forms.CharField(
        label=_("Group name"), max_length=100,
        help_text=_("As the group is called in 企业微信 or 钉钉, e.g. 江城实验小学结对工作群."),
    )  # fmt: skip
    owner = forms.ChoiceField(label=_("For"), widget=PlainSelect)
    platform = forms.ChoiceField(
        label=_("Platform"), choices=ChatRobot.Platform.choices, widget=forms.RadioSelect
    )
    webhook = forms.CharField(
        label=_("Webhook address"), max_length=500,
        help_text=_("Copy it from the robot's settings in the group: it starts with "
                    "https://qyapi.weixin.qq.com/ (企业微信) or "
                    "https://oapi.dingtalk.com/ (钉钉)."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )  # fmt: skip
    secret = forms.CharField(
        label=_("Signing secret (钉钉 only)"), max_length=200, required=False,
        help_text=_("钉钉 robots sign their messages: copy the secret (加签, it starts with "
                    "SEC). It is stored and never shown again."),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )  # fmt: skip

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = owner_choices(user)

    def owner_object(self):
        from django.apps import apps

        kind, pk = self.cleaned_data["owner"].split(":")
        model = apps.get_model("schools", "Region" if kind == "region" else "School")
        return {kind: model.objects.get(pk=pk)}


class DefaultsChoice(forms.Form):
    """Which region's defaults, for which role, the page shows."""

    region = forms.ChoiceField(label=_("Region"), widget=PlainSelect)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, widget=PlainSelect)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [
            (key.split(":")[1], label)
            for key, label in owner_choices(user)
            if key.startswith("region:")
        ]
