"""Background work of the activities app. Tasks call services; safe to run twice."""

from celery import shared_task


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def remind_activities(self) -> int:
    """Daily: tomorrow's activities to their people, unlogged ones to the coordinators.
    A person gets each reminder once (a database constraint), however often it runs."""
    from . import reminders

    return reminders.send()
