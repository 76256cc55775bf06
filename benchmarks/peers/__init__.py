"""Other libraries side by side with forecastgen (optional dependencies, never in CI)."""
