"""Check the neural models on a GPU: training under each precision, forecasts, and a
checkpoint written on the GPU and read back on the CPU. Prints a table.

    python -m tools.gpu_check
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import torch

import forecastgen
from forecastgen.engine.checkpoint import load_checkpoint, save_checkpoint
from forecastgen.metrics import mase

AIRLINE = Path(__file__).resolve().parents[1] / "examples" / "data" / "airline.csv"


def main() -> None:
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device here")
    data = forecastgen.read_series(AIRLINE)
    history, actual = data.drop_last(12), data.values("airline")[-12:]
    print(f"device: {torch.cuda.get_device_name(0)}, torch {torch.__version__}")
    header = ("model", "precision", "epochs", "fit s", "MASE", "finite", "cpu reload")
    print("{:12} {:9} {:>6} {:>6} {:>6} {:>6} {:>10}".format(*header))
    for name in ("rnn", "causal-conv"):
        for precision in ("auto", "fp16", "fp32"):
            model = forecastgen.create(name, device="cuda", precision=precision)
            start = time.perf_counter()
            model.fit(history)
            seconds = time.perf_counter() - start
            paths = model.predict(12, num_samples=200, seed=0).samples["airline"]
            score = mase(actual, np.median(paths, axis=0), history.values("airline"), 12)
            with tempfile.TemporaryDirectory() as folder:
                save_checkpoint(model, Path(folder) / "m")
                reloaded = load_checkpoint(Path(folder) / "m", device="cpu")
                again = reloaded.predict(12, num_samples=200, seed=0, data=history).samples["airline"]
            same = np.abs(np.median(again, axis=0) / np.median(paths, axis=0) - 1).max()
            print(f"{name:12} {model.history_.precision:9} {len(model.history_.train_loss):6d} "
                  f"{seconds:6.1f} {score:6.3f} {str(bool(np.isfinite(paths).all())):>6} "
                  f"{'median within ' + format(same, '.1%'):>10}")


if __name__ == "__main__":
    main()
