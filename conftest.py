"""Every test runs torch and BLAS on one thread, as the CLI does for series work: the same numbers
on any machine, and no threads waiting for each other when CI shares its cores."""

from forecastgen.engine.threads import use_threads

use_threads(1)
