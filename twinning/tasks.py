"""Background work of the core: long imports."""

from celery import shared_task

from . import imports


@shared_task(acks_late=True)
def import_run(batch_id: int) -> None:
    """Check or import a long spreadsheet (twinning.imports.import_run); safe to run twice."""
    imports.import_run(batch_id)
