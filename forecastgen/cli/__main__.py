"""``python -m forecastgen.cli`` (as torchrun runs it): the ``forecastgen`` command."""

from forecastgen.cli import main

main()
