"""``python -m forecastgen``: the same as the ``forecastgen`` command."""

from forecastgen.cli import main

main()
