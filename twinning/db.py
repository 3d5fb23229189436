"""Database helpers shared by every app."""

from django.db import models
from django.db.models import QuerySet
from django.db.models.lookups import In
from django.http import Http404

# The ranges of Django's integer columns on PostgreSQL, the narrowest of the databases
# this runs on. Ids are positive.
BIGINT_MAX = 2**63 - 1
_INTEGER_RANGES = {
    "SmallIntegerField": (-(2**15), 2**15 - 1),
    "PositiveSmallIntegerField": (0, 2**15 - 1),
    "IntegerField": (-(2**31), 2**31 - 1),
    "PositiveIntegerField": (0, 2**31 - 1),
    "BigIntegerField": (-(2**63), BIGINT_MAX),
    "PositiveBigIntegerField": (0, BIGINT_MAX),
    "SmallAutoField": (1, 2**15 - 1),
    "AutoField": (1, 2**31 - 1),
    "BigAutoField": (1, BIGINT_MAX),
}


def integer_range(field: models.Field) -> tuple[int, int] | None:
    """The values ``field`` (or the key a relation points at) can hold, or ``None`` when
    it is not an integer column."""
    if field.is_relation and field.target_field is not None:
        field = field.target_field
    return _INTEGER_RANGES.get(field.get_internal_type())


@models.Field.register_lookup
@models.ForeignKey.register_lookup
class AnyOf(In):
    """``field__any_of=ids``: ``IN``, sent to PostgreSQL as one array parameter.

    A scope of a province is a hundred-odd region ids; as ``IN (%s, %s, …)`` every id
    is a parameter to compile, bind and parse, on every scoped query (about half a
    millisecond each at that size). ``= ANY(%s)`` with the list is one parameter and
    the same index scan. Other databases get the plain ``IN``.
    """

    lookup_name = "any_of"

    def get_prep_lookup(self):
        # Ids from a scope are ints already: checking that is a fraction of the cost of
        # preparing each through the field (``In`` does, a hundred-odd calls a query).
        rhs = self.rhs
        if (
            isinstance(rhs, (set, frozenset, list, tuple))
            and integer_range(self.lhs.output_field) is not None
            and all(type(value) is int for value in rhs)
        ):
            return list(rhs)
        return super().get_prep_lookup()

    def as_postgresql(self, compiler, connection):
        if not self.rhs_is_direct_value():  # a subquery stays a subquery
            return self.as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [v for v in self.rhs if v is not None]
        return f"{lhs} = ANY(%s)", (*lhs_params, values)


def get_or_404(queryset: QuerySet, pk):
    """The object with ``pk`` in ``queryset`` (a scoped selector's), else 404: also for a
    ``pk`` that is not an id at all, which a URL or a form may carry."""
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- figures per window ------------------------------------------------------------------
# The yearly evaluation counts each pairing's records within its own pairing year. The
# lower apps answer for many windows at once: ``windows`` is any queryset whose rows carry
# ``pairing_id``, ``period_start`` and ``period_end`` (the evaluation's scorecards; the
# lower app need not know what they are), and each figure is a correlated subquery on the
# counted table's (pairing, date) index: one query for all the windows, not one per row.


def scalar(queryset: QuerySet, expression) -> models.Subquery:
    """``expression`` (an aggregate such as ``Count("id")``, written as a plain function so
    that Django adds no GROUP BY) over ``queryset``, as a subquery of one value."""
    return models.Subquery(
        queryset.order_by().annotate(_value=expression).values("_value")[:1],
        output_field=expression.output_field,
    )


def count_of(queryset: QuerySet) -> models.Func:
    return models.functions.Coalesce(
        scalar(queryset, models.Func(models.F("pk"), function="COUNT",
                                     output_field=models.IntegerField())),
        0,
    )  # fmt: skip


def sum_of(queryset: QuerySet, field: str, output_field) -> models.Func:
    return models.functions.Coalesce(
        scalar(queryset, models.Func(models.F(field), function="SUM", output_field=output_field)),
        models.Value(0, output_field=output_field),
    )  # fmt: skip


def per_window(windows: QuerySet, **figures) -> dict[int, dict]:
    """``{row id: {name: value}}``: each figure (an expression over ``OuterRef``\\s of the
    window's row) for every row of ``windows``, in one query."""
    return {row.pop("pk"): row for row in windows.order_by().values("pk").annotate(**figures)}


def update_rows(objects: list, fields: list[str]) -> int:
    """Write ``fields`` of ``objects`` (saved instances of one model) back to their rows.

    On PostgreSQL this is one ``UPDATE … FROM unnest(…)`` however many rows there are,
    each column one array parameter. Django's ``bulk_update`` writes a ``CASE WHEN id = …
    THEN …`` for every row and field and sends a query per batch: for the 14,000 computed
    indicator scores of a province's scorecards that is twenty-odd seconds of Python
    building expressions, and a number of queries that grows with the rows. Other
    databases get ``bulk_update``. Returns the number of rows written."""
    from django.db import connections, router

    if not objects:
        return 0
    model = type(objects[0])
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        return model.objects.bulk_update(objects, fields, batch_size=2000)
    pk = model._meta.pk
    columns = [pk, *(model._meta.get_field(name) for name in fields)]
    arrays = [
        [column.get_db_prep_save(getattr(obj, column.attname), connection) for obj in objects]
        for column in columns
    ]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = [quote(column.column) for column in columns]
    casts = ", ".join(f"%s::{column.db_type(connection)}[]" for column in columns)
    assignments = ", ".join(f"{name} = v.{name}" for name in names[1:])
    sql = (
        f"UPDATE {table} SET {assignments} FROM unnest({casts}) AS v({', '.join(names)}) "
        f"WHERE {table}.{names[0]} = v.{names[0]}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
        return cursor.rowcount
