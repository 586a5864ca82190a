"""Component trees. Pure functions of their arguments: no I/O, no callbacks."""
