"""Bring contacts home: read exports from where they live, clean them, merge them in."""
