"""Every write to the teacher registry."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from twinning import access, calendar
from twinning.access import resolve_scope
from twinning.models import User

from ..models import Honour, Teacher

TEACHER_FIELDS = (
    "name", "gender", "subjects", "title", "first_employed_year", "staff_number", "phone",
    "is_active",
)  # fmt: skip
EARLIEST_YEAR = 1950


def _validate_year(year: int | None, field: str) -> None:
    if year is not None and not EARLIEST_YEAR <= year <= calendar.today().year:
        raise ValidationError(
            {field: _("Enter a year from %(first)s to this year.") % {"first": EARLIEST_YEAR}}
        )


def _save(teacher: Teacher, actor: User | None) -> None:
    teacher.region_id = teacher.school.region_id
    _validate_year(teacher.first_employed_year, "first_employed_year")
    try:
        teacher.full_clean(exclude=["region"])
    except ValidationError as error:
        raise _name_the_staff_number(error) from None
    if actor is not None:
        teacher._history_user = actor
    teacher.save()


def _name_the_staff_number(error: ValidationError) -> ValidationError:
    """The staff number's uniqueness is a constraint on (school, staff number), which
    Django reports for the record as a whole; the user should see it on the field."""
    if not hasattr(error, "error_dict"):
        return error
    errors = dict(error.error_dict)
    whole = errors.pop(NON_FIELD_ERRORS, [])
    taken = [e for e in whole if e.code == "unique"]
    if taken:
        errors["staff_number"] = errors.get("staff_number", []) + taken
    rest = [e for e in whole if e.code != "unique"]
    if rest:
        errors[NON_FIELD_ERRORS] = rest
    return ValidationError(errors)


@transaction.atomic
def teacher_create(
    *, actor: User | None, school, honours=None, user: User | None = None, **fields
) -> Teacher:
    """Add a teacher to ``school``'s registry (its coordinators, its region's bureau),
    with the account they sign in with, if they have one."""
    if actor is not None:
        access.require(access.can_manage_teachers_of(resolve_scope(actor), school))
    teacher = Teacher(
        school=school, user=user, **{k: v for k, v in fields.items() if k in TEACHER_FIELDS}
    )
    _save(teacher, actor)
    if honours is not None:
        _set_honours(teacher, honours)
    return teacher


@transaction.atomic
def teacher_update(*, actor: User, teacher: Teacher, honours=None, **fields) -> Teacher:
    """Change a teacher's record; a teacher stays at their school (a move is a new
    record at the new school, so that each school's registry keeps its history)."""
    access.require(access.can_manage_teachers_of(resolve_scope(actor), teacher.school))
    for name, value in fields.items():
        if name in TEACHER_FIELDS:
            setattr(teacher, name, value)
    _save(teacher, actor)
    if honours is not None:
        _set_honours(teacher, honours)
    return teacher


def _set_honours(teacher: Teacher, honours) -> None:
    """Replace the teacher's honours with ``honours`` (dicts of kind, level, year)."""
    seen = set()
    rows = []
    for item in honours:
        key = (item["kind"], item.get("level", ""))
        if key in seen:
            raise ValidationError({"honours": _("An honour is listed twice.")})
        seen.add(key)
        _validate_year(item.get("year"), "honours")
        rows.append(Honour(teacher=teacher, kind=key[0], level=key[1], year=item.get("year")))
    teacher.honours.all().delete()
    Honour.objects.bulk_create(rows)
    # A prefetched list would now be stale.
    getattr(teacher, "_prefetched_objects_cache", {}).pop("honours", None)


@transaction.atomic
def teacher_link_user(*, actor: User, teacher: Teacher, user: User | None) -> Teacher:
    """Link the account a teacher signs in with (or none): administrators, who manage the
    accounts. The account must not be another teacher's."""
    access.require(resolve_scope(actor).is_admin)
    if user is not None and Teacher.objects.filter(user=user).exclude(pk=teacher.pk).exists():
        raise ValidationError({"user": _("This account belongs to another teacher.")})
    teacher.user = user
    teacher._history_user = actor
    teacher.save(update_fields=["user"])
    return teacher
