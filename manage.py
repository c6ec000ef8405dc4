#!/usr/bin/env python
"""Django's command-line utility for MINGUS Ops."""

import gc
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mingus.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    finally:
        # The process ends here. The interpreter's last garbage collection would walk every object
        # Django loaded (0.15 to 0.25 s a command) only to free memory the OS takes back anyway;
        # objects are still freed as their references go, and atexit handlers still run.
        gc.freeze()


if __name__ == "__main__":
    main()
