#!/usr/bin/env python
"""Command line of the Sala: ``python manage.py --help`` lists every command."""

from __future__ import annotations

import sys

from cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
