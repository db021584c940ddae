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
    values = list(values)
    if not values or (leading and not leading[1]):
        return set()
    if connection.vendor == "postgresql":
        sql, params = _select_postgresql(model, columns, where, values, leading)
    else:
        sql, params = _select_sqlite(model, columns, where, values, leading)
    if condition:
        sql += f" AND {condition}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return set(map(tuple, cursor.fetchall()))


def _select_postgresql(model, columns, where, values, leading):
    table = connection.ops.quote_name(model._meta.db_table)
    kind = "bigint[]" if all(isinstance(v, int) for v in values) else "text[]"
    sql = f"SELECT {', '.join(columns)} FROM {table} WHERE {where} = ANY(%s::{kind})"
    params = [values]
    if leading:
        sql += f" AND {leading[0]} = ANY(%s::text[])"
        params.append(list(leading[1]))
    return sql, params


def _select_sqlite(model, columns, where, values, leading):
    table = connection.ops.quote_name(model._meta.db_table)
    conditions = [*([leading] if leading else []), (where, values)]
    clauses = " AND ".join(f"{c} IN ({', '.join(['%s'] * len(list(v)))})" for c, v in conditions)
    params = [value for _c, vals in conditions for value in vals]
    return f"SELECT {', '.join(columns)} FROM {table} WHERE {clauses}", params


def prepare_lookups() -> None:
    """Tell PostgreSQL, for this transaction, that what an import reads is in memory.

    An import looks up thousands of values a chunk in tables it has just written: with
    the default cost of a random read (four times a sequential one, for spinning disks) the
    planner scans whole tables where a few thousand index probes take a tenth of the time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL random_page_cost = 1.1")


def refresh_statistics(*models) -> None:
    """Update the planner's statistics of tables an import is filling (PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
