"""Bring contacts home: read exports from where they live, clean them, merge them in."""

MAX_LISTED = 1000  # of each kind of row (errors, problems, conflicts…) a report lists
