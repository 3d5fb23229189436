"""Every write of the teachers app: the registry, mentorships and their records."""

from .mentorships import (
    mentorship_accept,
    mentorship_complete,
    mentorship_create,
    mentorship_terminate,
    mentorship_update,
)
from .programme_rules import (
    OBLIGATION_CHANGE_FIELDS,
    mentorship_policy_set,
    obligation_add,
    obligation_change,
    obligation_remove,
    obligations_adopt_defaults,
)
from .records import (
    record_attachment_add,
    record_attachment_remove,
    record_comment,
    record_file,
    record_sign_off,
    record_update,
)
from .registry import (
    EARLIEST_YEAR,
    TEACHER_FIELDS,
    teacher_check,
    teacher_create,
    teacher_link_user,
    teacher_update,
    teachers_import,
)
from .reminders import mentorship_reminders_send

__all__ = [
    "EARLIEST_YEAR", "TEACHER_FIELDS", "mentorship_accept", "mentorship_complete",
    "mentorship_create", "mentorship_reminders_send", "mentorship_terminate",
    "mentorship_update",
    "record_attachment_add", "record_attachment_remove", "record_comment", "record_file",
    "record_sign_off", "record_update", "teacher_check", "teacher_create", "teacher_link_user",
    "teacher_update", "teachers_import",
    "OBLIGATION_CHANGE_FIELDS", "mentorship_policy_set", "obligation_add",
    "obligation_change", "obligation_remove", "obligations_adopt_defaults",
]  # fmt: skip
