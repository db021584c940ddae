"""Pages of the contact list that need no count of a million rows."""

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

# Below this many contacts an exact count is cheap enough on any server.
ESTIMATE_FROM = 200_000


class ContactPaginator(Paginator):
    """Count exactly, except the whole unfiltered list on PostgreSQL: there the planner's
    estimate of the table's rows (`reltuples`, kept by ANALYZE) stands in for a COUNT(*)
    that reads every row; the page says it is an estimate (`estimated`)."""

    estimated = False

    @cached_property
    def count(self) -> int:
        if estimate := self._estimate():
            self.estimated = True
            return estimate
        return super().count

    def _estimate(self) -> int:
        """Return the table's estimated rows, or 0 where an exact count is wanted."""
        query = getattr(self.object_list, "query", None)
        if query is None or query.where or query.distinct:
            return 0
        connection = connections[self.object_list.db]
        if connection.vendor != "postgresql":
            return 0
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [query.model._meta.db_table],
            )
            row = cursor.fetchone()
        return row[0] if row and row[0] >= ESTIMATE_FROM else 0
