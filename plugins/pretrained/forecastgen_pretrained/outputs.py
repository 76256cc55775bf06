"""What the patchcast network predicts and reads besides the values: its quantile levels and
the classes of seasonal period it embeds. No torch here: zero-shot inference runs without it."""

QUANTILES = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.975, 0.99)
SEASON_CLASSES = (1, 4, 5, 7, 12, 24, 52)  # any other period shares one more class


def season_class(season: int) -> int:
    return SEASON_CLASSES.index(season) if season in SEASON_CLASSES else len(SEASON_CLASSES)
