"""Cross-cutting pieces with no I/O: configuration, time zone and number formatting."""
