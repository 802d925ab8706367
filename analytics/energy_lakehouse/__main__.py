"""``python -m energy_lakehouse``."""

from .cli import main

main()
