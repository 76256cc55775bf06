"""Run the examples of the documentation's pages and keep the figures they make.

Every figure a page shows (an image link into docs/figures/) is written by that page's own
examples: this script runs each page's ``bash`` and ``python`` code blocks, in order, in a
fresh folder that holds nothing but a copy of examples/data (as a new user's clone would),
and copies the figures the page shows from there into docs/figures/. tests/test_docs.py
runs it into a temporary folder, so an example that breaks, or stops making its figure,
fails the tests.

    python docs/make_figures.py                          # every page with examples
    python docs/make_figures.py docs/models/ets.md       # some pages
    python docs/make_figures.py --into /tmp/figures      # leave docs/figures as it is
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
FIGURES = DOCS / "figures"
PAGES_WITH_EXAMPLES = sorted((DOCS / "models").glob("*.md")) + [DOCS / "synthesis.md", DOCS / "api.md",
                                                                DOCS / "choosing.md", DOCS / "calibration.md",
                                                                DOCS / "covariates.md"]
CODE_BLOCK = re.compile(r"^```(bash|python)\n(.*?)^```", re.S | re.M)
FIGURE = re.compile(r"!\[[^\]]*\]\(([^)\s]+\.png)\)")


def shown_figures(page: Path) -> list[str]:
    """The file names of the figures in docs/figures that ``page`` shows."""
    return [Path(link).name for link in FIGURE.findall(page.read_text())
            if (page.parent / link).resolve().parent == FIGURES]


def code_blocks(page: Path) -> list[tuple[str, str]]:
    return CODE_BLOCK.findall(page.read_text())


def run_page(page: Path, into: Path) -> tuple[str, float, list[str]]:
    """Run ``page``'s examples in a fresh folder; copy the figures it shows into ``into``."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="forecastgen-docs-") as folder:
        shutil.copytree(ROOT / "examples" / "data", Path(folder) / "examples" / "data")
        # the interpreter's folder first, so `forecastgen` and `python` are this environment's
        environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
                       "NO_MKDOCS_2_WARNING": "1"}
        for number, (language, code) in enumerate(code_blocks(page), 1):
            command = ["bash", "-e", "-c", code] if language == "bash" else [sys.executable, "-c", code]
            done = subprocess.run(command, cwd=folder, env=environment, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"{page.relative_to(ROOT)}: {language} block {number} exited "
                                   f"{done.returncode}:\n{code}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
        missing = [name for name in shown_figures(page) if not (Path(folder) / name).is_file()]
        if missing:
            raise RuntimeError(f"{page.relative_to(ROOT)} shows {', '.join(missing)}, but its examples "
                               "did not write them (a figure must be made by its page's examples)")
        for name in shown_figures(page):
            shutil.copyfile(Path(folder) / name, into / name)
    return str(page.relative_to(ROOT)), time.perf_counter() - started, shown_figures(page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", type=Path, help="pages to run (default: all with examples)")
    parser.add_argument("--into", type=Path, default=FIGURES, help="where figures go (default: docs/figures)")
    parser.add_argument("--jobs", type=int, default=2, help="pages run side by side")
    args = parser.parse_args(argv)
    pages = [page.resolve() for page in args.pages] or PAGES_WITH_EXAMPLES
    args.into.mkdir(parents=True, exist_ok=True)
    failures = []
    with ProcessPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(run_page, page, args.into) for page in pages]
        print(f"{'page':<32} {'seconds':>8}  figures")
        for future in futures:
            try:
                name, seconds, figures = future.result()
                print(f"{name:<32} {seconds:8.1f}  {', '.join(figures) or '-'}", flush=True)
            except RuntimeError as error:
                failures.append(str(error))
    for failure in failures:
        print(f"\nFAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
