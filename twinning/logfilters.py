"""Filters of the log (settings.LOGGING)."""

import logging


class RefusalWithoutTraceback(logging.Filter):
    """A request refused with 403 is an answer, not a fault: logged once as a warning,
    with its path, and without the traceback Django attaches to it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
