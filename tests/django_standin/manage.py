#!/usr/bin/env python
"""The stand-in's manage.py: run it through `scripts/django-standin manage …`, which picks the
stand-in's virtual environment and its run folder (database, logs)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "uplink.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
