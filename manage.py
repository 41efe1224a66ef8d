#!/usr/bin/env python
"""Django's manage.py; the installed ``medtek`` command does the same."""

from medtek.__main__ import main

if __name__ == "__main__":
    main()
