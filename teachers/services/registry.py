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


def _check_honours(honours) -> None:
    """``honours`` (dicts of kind, level, year): each listed once, in a possible year."""
    seen = set()
    for item in honours:
        key = (item["kind"], item.get("level", ""))
        if key in seen:
            raise ValidationError({"honours": _("An honour is listed twice.")})
        seen.add(key)
        _validate_year(item.get("year"), "honours")


def _honour_rows(teacher: Teacher, honours) -> list[Honour]:
    """``honours`` as rows of ``teacher``, checked."""
    _check_honours(honours)
    return [
        Honour(teacher=teacher, kind=item["kind"], level=item.get("level", ""),
               year=item.get("year"))
        for item in honours
    ]  # fmt: skip


def _set_honours(teacher: Teacher, honours) -> None:
    """Replace the teacher's honours with ``honours`` (dicts of kind, level, year)."""
    rows = _honour_rows(teacher, honours)
    teacher.honours.all().delete()
    Honour.objects.bulk_create(rows)
    # A prefetched list would now be stale.
    getattr(teacher, "_prefetched_objects_cache", {}).pop("honours", None)


def teacher_check(teacher: Teacher, honours=None) -> None:
    """Everything :func:`teacher_create` and :func:`teacher_update` check of one teacher
    that needs no query (fields, years, honours listed once): for an import, which
    checks each row as it reads it and writes them together (:func:`teachers_import`).
    The staff number's uniqueness is the database's to enforce there."""
    _validate_year(teacher.first_employed_year, "first_employed_year")
    teacher.full_clean(exclude=["region", "school", "user"], validate_unique=False,
                       validate_constraints=False)  # fmt: skip
    if honours is not None:
        _check_honours(honours)


@transaction.atomic
def teachers_import(*, actor: User, creates: list, updates: list) -> None:
    """Write many teachers at once, for a spreadsheet import: ``creates`` new and
    ``updates`` changed :class:`Teacher` objects (with their school set), each carrying
    ``honour_list`` (dicts of kind, level, year; absent: honours unchanged).

    The rules of :func:`teacher_create` and :func:`teacher_update` hold (the actor keeps
    every school's registry, each teacher passes :func:`teacher_check`, a teacher stays
    at their school), with the history written as one bulk insert rather than a query a
    teacher: a province loads tens of thousands of teachers at once.
    """
    from simple_history.utils import bulk_create_with_history, bulk_update_with_history

    scope = resolve_scope(actor)
    for school in {t.school for t in creates} | {t.school for t in updates}:
        access.require(access.can_manage_teachers_of(scope, school))
    if any(teacher.pk is None for teacher in updates):
        raise ValueError("an update is of a saved teacher")
    for teacher in (*creates, *updates):
        teacher.region_id = teacher.school.region_id
        teacher_check(teacher, getattr(teacher, "honour_list", None))
    if creates:
        bulk_create_with_history(creates, Teacher, batch_size=1000, default_user=actor)
    if updates:
        bulk_update_with_history(
            updates, Teacher, [*TEACHER_FIELDS, "region"], batch_size=1000, default_user=actor
        )
    with_honours = [t for t in (*creates, *updates) if getattr(t, "honour_list", None) is not None]
    replaced = [t.pk for t in updates if getattr(t, "honour_list", None) is not None]
    Honour.objects.filter(teacher__in=replaced).delete()
    Honour.objects.bulk_create(
        [row for t in with_honours for row in _honour_rows(t, t.honour_list)], batch_size=2000
    )


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
