"""Read queries. Each takes a resolved territory (inside the caller's scope) and aggregates in SQL."""
