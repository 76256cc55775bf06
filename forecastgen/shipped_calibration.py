"""cqr's widenings of auto's default mixture on a series forecast alone (issue 38).

Written by ``python -m benchmarks.calibration_benchmark --alone --learn dev,m1 --min-series 30 --write-table``
on 2026-12-07: learned from auto's forecasts of the dev and m1 series alone, each one
horizon before its test window (the test windows unseen); scored in
benchmarks/results/calibration_alone.md. For each central interval of levels l and 1 - l
(``forecastgen.calibration.LOWER_LEVELS``), the interval is widened by this share of its
width on each side (``forecastgen.calibration.Correction``). Do not edit by hand.
"""

LOWER_LEVELS = (0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45)
POOLED = "pooled"  # every frequency's forecasts: for a frequency without its own row

WIDENINGS = {
    "pooled": (0.1573, 0.1127, 0.0815, 0.0694, 0.0742, 0.0782, 0.0804, 0.0760, 0.0746, 0.0821, 0.0959),
    "monthly": (0.0908, 0.0567, 0.0395, 0.0410, 0.0432, 0.0557, 0.0670, 0.0747, 0.0777, 0.0942, 0.0886),
    "quarterly": (0.2530, 0.2539, 0.2173, 0.1830, 0.1493, 0.1335, 0.1155, 0.1053, 0.0913, 0.0811, 0.0754),
    "yearly": (0.5520, 0.4401, 0.3802, 0.2742, 0.2819, 0.2589, 0.2462, 0.2244, 0.2401, 0.2427, 0.2320),
}
