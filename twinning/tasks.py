"""Background work of the core: long imports, and the notification channels' deliveries
and reminders (twinning/notify). Tasks take ids and call the services; safe to run twice."""

from celery import shared_task

from . import imports


@shared_task(acks_late=True)
def import_run(batch_id: int) -> None:
    """Check or import a long spreadsheet (twinning.imports.import_run); safe to run twice."""
    imports.import_run(batch_id)


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_email(self, delivery_id: int) -> bool:
    """Send one email (a notification's or a digest); the mail server refusing it is tried
    again with backoff until the service gives up (EMAIL_MAX_ATTEMPTS)."""
    from .notify import email

    try:
        return email.deliver(delivery_id)
    except email.NotSent as error:
        raise self.retry(exc=error, countdown=60 * 2 ** min(self.request.retries, 6)) from None


@shared_task(acks_late=True)
def flush_robot(robot_id: int) -> int:
    """Send what the robot's queue has due, within the platform's rate limit. What must wait
    (the minute is full, a retry's time has not come) is sent by the sweep below."""
    from .notify import chat

    return chat.flush(robot_id).sent


@shared_task(acks_late=True)
def flush_due_robots() -> int:
    """Every minute: a task per active robot with a message due (retries, the rest of a
    full minute, a task lost with its worker)."""
    from .notify import chat

    robot_ids = chat.due_robot_ids()
    for robot_id in robot_ids:
        flush_robot.delay(robot_id)
    return len(robot_ids)


@shared_task(acks_late=True)
def run_reminder(key: str) -> int:
    """One reminder of the catalogue (twinning/notify/reminders.py), by its key."""
    from .notify import reminders

    return reminders.run(key).sent


@shared_task(acks_late=True)
def send_digests() -> int:
    """The daily digest emails of those who chose them."""
    from .notify import email

    return email.digests_send()
