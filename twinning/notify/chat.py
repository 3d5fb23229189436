"""Work-chat group robots: 企业微信 group robots and 钉钉 custom robots.

A robot belongs to a region (registered by its bureau) or a school (by its coordinator).
A notification whose recipient chose the work chat becomes one message to each robot of
their region or school, with the @mentions of everyone it concerns who allowed them.

Both platforms take at most 20 messages a minute from a robot. A robot's queue is sent
by one worker at a time (a lease on the robot row, not a long transaction): it sends
what the minute has room for and folds the overflow into one summary message, so nothing
is dropped. A failed send is logged with the platform's answer and tried again with
backoff; after ``ROBOT_PAUSE_AFTER_FAILURES`` failures in a row the robot is paused, its
queue kept, and its owners and the administrators are told. Tokens and secrets never
leave this module: answers and errors are logged with them blanked out.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from twinning.access import can_manage_robot, resolve_scope
from twinning.models import REGION_ROLES, ChatRobot, Delivery, Role, RoleAssignment, User

logger = logging.getLogger(__name__)

Platform = ChatRobot.Platform
LEASE = dt.timedelta(minutes=2)
WINDOW = dt.timedelta(minutes=1)


# --- the two platforms -------------------------------------------------------------------


def endpoint(platform: str) -> str:
    if platform == Platform.WECOM:
        return settings.WECOM_WEBHOOK_URL
    return settings.DINGTALK_WEBHOOK_URL


def token_of(platform: str, webhook: str) -> str:
    """The key (企业微信) or access token (钉钉) of a webhook address as the platform shows
    it; a ValidationError at ``webhook`` for anything else."""
    base = urllib.parse.urlsplit(endpoint(platform))
    url = urllib.parse.urlsplit(webhook.strip())
    if url.scheme != "https" and base.scheme == "https":
        raise ValidationError({"webhook": _("The address must start with https://.")})
    if (url.scheme, url.netloc, url.path) != (base.scheme, base.netloc, base.path):
        raise ValidationError({"webhook": _("This is not a %(platform)s webhook address: it "
                                            "starts with %(base)s")
                               % {"platform": Platform(platform).label,
                                  "base": endpoint(platform)}})  # fmt: skip
    name = "key" if platform == Platform.WECOM else "access_token"
    token = urllib.parse.parse_qs(url.query).get(name, [""])[0].strip()
    if not token or len(token) > 200 or not token.replace("-", "").isalnum():
        raise ValidationError({"webhook": _("The address has no valid %(name)s.") % {"name": name}})
    return token


def _signed_url(robot: ChatRobot) -> str:
    if robot.platform == Platform.WECOM:
        return f"{endpoint(robot.platform)}?{urllib.parse.urlencode({'key': robot.token})}"
    # 钉钉's signature: HMAC-SHA256 keyed by the secret over "timestamp\nsecret", base64.
    timestamp = str(round(time.time() * 1000))
    digest = hmac.new(robot.secret.encode(), f"{timestamp}\n{robot.secret}".encode(),
                      hashlib.sha256).digest()  # fmt: skip
    query = {"access_token": robot.token, "timestamp": timestamp,
             "sign": base64.b64encode(digest).decode()}  # fmt: skip
    return f"{endpoint(robot.platform)}?{urllib.parse.urlencode(query)}"


def body_of(robot: ChatRobot, text: str, mentions: list[str]) -> dict:
    if robot.platform == Platform.WECOM:
        return {"msgtype": "text", "text": {"content": text, "mentioned_mobile_list": mentions}}
    # 钉钉 shows a mention only when the text carries "@phone" too.
    if mentions:
        text = text + "\n" + " ".join(f"@{phone}" for phone in mentions)
    return {"msgtype": "text", "text": {"content": text},
            "at": {"atMobiles": mentions, "isAtAll": False}}  # fmt: skip


@dataclass(frozen=True)
class Answer:
    ok: bool
    text: str


def _scrub(text: str, robot: ChatRobot) -> str:
    for secret in (robot.token, robot.secret):
        if secret:
            text = text.replace(secret, "***").replace(urllib.parse.quote(secret), "***")
    return text[:1000]


def post(robot: ChatRobot, text: str, mentions: list[str]) -> Answer:
    """Send one message now; the platform's answer, never raising for its failures."""
    data = json.dumps(body_of(robot, text, mentions), ensure_ascii=False).encode()
    request = urllib.request.Request(
        _signed_url(robot), data=data, method="POST",
        headers={"Content-Type": "application/json; charset=utf-8"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=settings.CHAT_TIMEOUT_SECONDS) as response:
            raw = response.read(4096).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        try:  # the error page may be cut short or slow too
            raw = error.read(500).decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            raw = ""
        return Answer(False, _scrub(f"HTTP {error.code}: {raw}", robot))
    # http.client's errors for an answer that is not HTTP (a broken proxy) or cut short
    # are not OSErrors.
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", error)
        return Answer(False, _scrub(_("No answer: %(reason)s") % {"reason": reason}, robot))
    try:
        answer = json.loads(raw)
        code = int(answer.get("errcode", -1))
    except (ValueError, AttributeError, TypeError):
        return Answer(False, _scrub(_("Not the platform's answer: %(raw)s") % {"raw": raw[:200]},
                                    robot))  # fmt: skip
    return Answer(code == 0, _scrub(f"{code} {answer.get('errmsg', '')}".strip(), robot))


# --- messages ----------------------------------------------------------------------------


def _cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` bytes of UTF-8, cut at a character with an ellipsis."""
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", "ignore") + "…"


def link(url: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{url}" if url.startswith("/") else url


def compose(title: str, body: str, url: str, *, mentions: int = 0) -> str:
    """The message a group reads: the title, the body cut to fit, the link back; within
    the platforms' limit (CHAT_MESSAGE_BYTES) with room for the @mentions 钉钉 appends."""
    head = _("[Twinning] %(title)s") % {"title": title}
    tail = f"\n{link(url)}" if url else ""
    room = settings.CHAT_MESSAGE_BYTES - len(head.encode()) - len(tail.encode()) - 13 * mentions
    text = head
    if body and room > 8:
        text += "\n" + _cut(body.strip(), room - 1)
    return _cut(text, settings.CHAT_MESSAGE_BYTES - len(tail.encode()) - 13 * mentions) + tail


def robots_for(people: list[User]) -> dict[ChatRobot, list[User]]:
    """The robots of each person's regions and schools, with the people each one reaches
    (two queries)."""
    regions: dict[int, set[int]] = {}
    schools: dict[int, set[int]] = {}
    for user_id, role, region_id, school_id in RoleAssignment.objects.filter(
        user_id__in=[u.pk for u in people]
    ).values_list("user_id", "role", "region_id", "school_id"):
        if role in REGION_ROLES:
            regions.setdefault(region_id, set()).add(user_id)
        else:
            schools.setdefault(school_id, set()).add(user_id)
    if not regions and not schools:
        return {}
    by_id = {u.pk: u for u in people}
    found: dict[ChatRobot, list[User]] = {}
    for robot in ChatRobot.objects.filter(Q(region_id__in=regions) | Q(school_id__in=schools)):
        ids = regions.get(robot.region_id, set()) | schools.get(robot.school_id, set())
        found[robot] = [by_id[pk] for pk in sorted(ids)]
    return found


def queue(*, kind: str, key: str, people: list[User], message, url: str) -> list[Delivery]:
    """One message of the event to each robot of these people (once per robot, kind and
    key), in the platform's language; sent after the commit."""
    from twinning import tasks

    queued = []
    for robot, members in robots_for(people).items():
        mentions = sorted({u.phone for u in members if u.chat_mention and u.phone})
        with translation.override(settings.LANGUAGE_CODE):
            title, body = message(members[0])
            text = compose(title, body, url, mentions=len(mentions))
        try:
            with transaction.atomic():
                delivery = Delivery.objects.create(
                    channel="chat", robot=robot, kind=kind, key=key, subject=str(title)[:200],
                    text=text, url=url, mentions=mentions,
                )  # fmt: skip
        except IntegrityError:
            continue  # the group was told before
        queued.append(delivery)
        transaction.on_commit(lambda pk=robot.pk: tasks.flush_robot.delay(pk))
    return queued


# --- sending a robot's queue -------------------------------------------------------------


def _take_lease(robot_id: int, now) -> bool:
    return bool(
        ChatRobot.objects.filter(pk=robot_id, status=ChatRobot.Status.ACTIVE)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + LEASE)
    )


def _due(robot: ChatRobot, now):
    return (
        robot.deliveries.filter(status=Delivery.Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("created_at", "id")
    )


@dataclass
class Flushed:
    sent: int = 0
    # When the robot's queue should be looked at again (None: nothing waits).
    again_at: dt.datetime | None = None


def flush(robot_id: int) -> Flushed:
    """Send what is due of the robot's queue within the rate limit. Safe to call at any time
    from any number of workers: one holds the lease, the others return at once asking to
    be called again soon (the holder may have read the queue before their message)."""
    now = timezone.now()
    if not _take_lease(robot_id, now):
        robot = ChatRobot.objects.filter(pk=robot_id).first()
        paused = robot is None or robot.status == ChatRobot.Status.PAUSED
        return Flushed(again_at=None if paused else now + dt.timedelta(seconds=5))
    robot = ChatRobot.objects.get(pk=robot_id)
    result = Flushed()
    try:
        while True:
            now = timezone.now()
            window = robot.deliveries.filter(sent_at__gt=now - WINDOW)
            room = settings.CHAT_RATE_PER_MINUTE - window.count()
            due = list(_due(robot, now)[: max(room, 0) + 1])
            if not due:
                result.again_at = _next_retry(robot)
                break
            if room <= 0:
                oldest = window.order_by("sent_at").values_list("sent_at", flat=True).first()
                result.again_at = (oldest or now) + WINDOW
                break
            if len(due) > room:  # the minute cannot take them all: fold the rest into one
                due = due[: room - 1] + [_fold(robot, now, room)]
            for delivery in due:
                if not _send(robot, delivery):
                    result.again_at = (
                        None if robot.status == ChatRobot.Status.PAUSED else _next_retry(robot)
                    )
                    return result
                result.sent += 1
    finally:
        ChatRobot.objects.filter(pk=robot_id).update(lease_until=None)
    return result


def _next_retry(robot: ChatRobot):
    return (
        robot.deliveries.filter(status=Delivery.Status.QUEUED, next_attempt_at__isnull=False)
        .order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first()
    )  # fmt: skip


def _fold(robot: ChatRobot, now, room: int) -> Delivery:
    """One summary of everything queued and due beyond what the minute has room for but
    one: the folded messages are marked as sent in it, never dropped."""
    rest = list(_due(robot, now)[max(room - 1, 0) :])
    mentions = sorted({phone for d in rest for phone in d.mentions})
    with translation.override(settings.LANGUAGE_CODE):
        title = _("%(count)s more notifications") % {"count": len(rest)}
        lines = [f"{n}. {d.subject}" for n, d in enumerate(rest, 1)]
        body = "\n".join(lines)
        text = compose(title, body, reverse("notifications"), mentions=len(mentions))
    summary = Delivery.objects.create(
        channel="chat", robot=robot, kind="summary", key=f"summary:{rest[0].pk}-{rest[-1].pk}",
        subject=title, text=text, url=reverse("notifications"), mentions=mentions,
    )  # fmt: skip
    Delivery.objects.filter(pk__in=[d.pk for d in rest]).update(
        status=Delivery.Status.FOLDED, folded_into=summary
    )
    return summary


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(settings.CHAT_RETRY_SECONDS * 2 ** (attempts - 1), 3600))


def _send(robot: ChatRobot, delivery: Delivery) -> bool:
    answer = post(robot, delivery.text, delivery.mentions)
    now = timezone.now()
    delivery.attempts += 1
    delivery.answer = answer.text
    if answer.ok:
        delivery.status, delivery.sent_at, delivery.next_attempt_at = (
            Delivery.Status.SENT, now, None,
        )  # fmt: skip
        delivery.save(update_fields=["attempts", "answer", "status", "sent_at", "next_attempt_at"])
        if robot.failures:
            robot.failures = 0
            robot.save(update_fields=["failures"])
        return True
    delivery.next_attempt_at = now + _backoff(delivery.attempts)
    delivery.save(update_fields=["attempts", "answer", "next_attempt_at"])
    logger.warning("robot %s: delivery %s failed: %s", robot.pk, delivery.pk, answer.text)
    robot.failures += 1
    robot.save(update_fields=["failures"])
    if robot.failures >= settings.ROBOT_PAUSE_AFTER_FAILURES:
        _pause(robot, answer.text)
    return False


def _pause(robot: ChatRobot, reason: str) -> None:
    from django.utils.translation import gettext

    from .services import notify

    robot.status, robot.paused_at, robot.paused_reason = (
        ChatRobot.Status.PAUSED, timezone.now(), reason,
    )  # fmt: skip
    robot.save(update_fields=["status", "paused_at", "paused_reason"])

    def message(user):
        title = gettext("The work-chat robot “%(name)s” was paused") % {"name": robot.name}
        body = gettext("It failed %(count)s times in a row; its messages wait until it is "
                       "resumed. The platform's last answer: %(answer)s") % {
            "count": robot.failures, "answer": reason,
        }  # fmt: skip
        return title, body

    notify(kind="robot-paused", key=f"robot:{robot.pk}:{robot.paused_at:%Y%m%d%H%M%S}",
           recipients=owners(robot), message=message,
           url=reverse("robot_detail", args=[robot.pk]))  # fmt: skip


def owners(robot: ChatRobot) -> list[User]:
    """Who hears about a robot: whoever registered it, those who may manage it now (the
    school's coordinators, the region's bureau staff) and the administrators."""
    if robot.school_id:
        scope = Q(role_assignments__role=Role.COORDINATOR, role_assignments__school=robot.school_id)
    else:
        scope = Q(role_assignments__role=Role.BUREAU, role_assignments__region=robot.region_id)
    people = User.objects.filter(is_active=True).filter(
        scope | Q(is_superuser=True) | Q(pk=robot.created_by_id or 0)
    )
    return list(people.distinct())


# --- what people do with robots ------------------------------------------------------------


def may_manage(user: User, *, region=None, school=None) -> bool:
    """Whether ``user`` manages the robots of ``region`` or ``school``
    (:func:`twinning.access.can_manage_robot`)."""
    return can_manage_robot(resolve_scope(user), region=region, school=school)


def robot_register(
    *, actor: User, name: str, platform: str, webhook: str, secret: str = "", region=None,
    school=None,
) -> ChatRobot:  # fmt: skip
    """A group's robot, for a region or a school the actor manages robots of."""
    if (region is None) == (school is None):
        raise ValidationError(_("A robot belongs to one region or one school."))
    if not may_manage(actor, region=region, school=school):
        raise PermissionDenied(_("You may not register robots here."))
    if platform not in Platform.values:
        raise ValidationError({"platform": _("Unknown platform.")})
    token = token_of(platform, webhook)
    secret = secret.strip()
    if platform == Platform.DINGTALK and not (secret.startswith("SEC") and len(secret) > 10):
        raise ValidationError({"secret": _("钉钉's signing secret starts with SEC (the robot's "
                                           "security settings, 加签).")})  # fmt: skip
    if platform == Platform.WECOM:
        secret = ""
    return ChatRobot.objects.create(
        name=name.strip(), platform=platform, token=token, secret=secret, region=region,
        school=school, created_by=actor,
    )  # fmt: skip


def _check(actor: User, robot: ChatRobot) -> None:
    if not may_manage(actor, region=robot.region, school=robot.school):
        raise PermissionDenied(_("You may not manage this robot."))


def robot_test(*, actor: User, robot: ChatRobot) -> Answer:
    """Send a test message now and log it; the platform's answer."""
    _check(actor, robot)
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Test message from the twinning platform")
        body = _("%(name)s connected this group's robot. Notifications will arrive here.") % {
            "name": actor.display_name
        }
        text = compose(title, body, reverse("robot_detail", args=[robot.pk]))
    answer = post(robot, text, [])
    now = timezone.now()
    Delivery.objects.create(
        channel="chat", robot=robot, kind="test", key=f"test:{now:%Y%m%d%H%M%S.%f}",
        subject=title, text=text, attempts=1, answer=answer.text,
        status=Delivery.Status.SENT if answer.ok else Delivery.Status.FAILED,
        sent_at=now if answer.ok else None,
    )  # fmt: skip
    return answer


def robot_pause(*, actor: User, robot: ChatRobot) -> ChatRobot:
    _check(actor, robot)
    robot.status, robot.paused_at = ChatRobot.Status.PAUSED, timezone.now()
    robot.paused_reason = _("Paused by %(name)s.") % {"name": actor.display_name}
    robot.save(update_fields=["status", "paused_at", "paused_reason"])
    return robot


def robot_resume(*, actor: User, robot: ChatRobot) -> ChatRobot:
    """Active again, its failures forgotten; what waited in its queue is sent (folded by
    the rate limit), and the retries wait no longer."""
    from twinning import tasks

    _check(actor, robot)
    robot.status, robot.failures, robot.paused_at, robot.paused_reason = (
        ChatRobot.Status.ACTIVE, 0, None, "",
    )  # fmt: skip
    robot.save(update_fields=["status", "failures", "paused_at", "paused_reason"])
    robot.deliveries.filter(status=Delivery.Status.QUEUED).update(next_attempt_at=None)
    transaction.on_commit(lambda: tasks.flush_robot.delay(robot.pk))
    return robot


def robot_delete(*, actor: User, robot: ChatRobot) -> None:
    """The robot and its delivery log are deleted; nothing more is sent to its group."""
    _check(actor, robot)
    robot.delete()


def due_robot_ids() -> list[int]:
    """Active robots with a message due: the beat's sweep sends them (a lost task, a
    retry whose time came)."""
    now = timezone.now()
    return list(
        Delivery.objects.filter(robot__status=ChatRobot.Status.ACTIVE, status="queued")
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .values_list("robot_id", flat=True).distinct()
    )  # fmt: skip
