"""Insert many rows at once, below the ORM: an import writes several rows per contact.

PostgreSQL gets COPY and SQLite executemany; both take plain tuples, so no model instance
is built per row. Values must already be what the database stores (see db_now()).
"""

from django.db import connection
from django.utils import timezone


def db_now():
    """Return the current time as the database driver wants it in a plain insert."""
    return connection.ops.adapt_datetimefield_value(timezone.now())


def insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Insert `rows` (tuples in the order of `columns`) into `model`'s table."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def new_ids(model, count: int) -> list[int]:
    """Reserve `count` primary keys of `model` for rows inserted with insert()."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [pk for (pk,) in cursor.fetchall()]
        # SQLite runs one writer at a time and our transactions take the write lock at
        # BEGIN (IMMEDIATE), so nobody can take these ids before we insert them. The ids
        # of deleted rows (in sqlite_sequence) are never reused: old links carry them.
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT MAX(id) FROM {connection.ops.quote_name(table)}), 0),"
            " COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        (top,) = cursor.fetchone()
        return list(range(top + 1, top + 1 + count))


def select(
    model, columns: list[str], where: str, values, condition: str = "", leading=None
) -> set[tuple]:
    """Return `columns` of `model`'s rows whose `where` expression is one of `values`.

    `condition` is added as is (a partial index's own condition, so that it serves);
    `leading` = (column, values) adds a condition on the first column of a composite
    index, so that the index serves the lookup instead of a scan of the table.
    """
    conditions = [(where, list(values))]
    if leading:
        conditions.insert(0, (leading[0], list(leading[1])))
    if not all(vals for _c, vals in conditions):
        return set()
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        # One array parameter: PostgreSQL plans it at once, where a list of thousands
        # of IN values costs more to parse and plan than to look up.
        clauses = " AND ".join(f"{c} = ANY(%s)" for c, _v in conditions)
        params = [vals for _c, vals in conditions]
    else:
        clauses = " AND ".join(f"{c} IN ({', '.join(['%s'] * len(v))})" for c, v in conditions)
        params = [value for _c, vals in conditions for value in vals]
    if condition:
        clauses += f" AND {condition}"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE {clauses}", params)
        return set(map(tuple, cursor.fetchall()))
