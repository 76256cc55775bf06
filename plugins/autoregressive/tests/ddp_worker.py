"""Run under torchrun by test_distributed.py: fit a tiny rnn with DDP on the CPU (gloo) and
let rank 0 write what every rank ended with."""

import hashlib
import json
import sys
from pathlib import Path

import torch.distributed as dist

import forecastgen

AIRLINE = Path(__file__).resolve().parents[3] / "examples" / "data" / "airline.csv"


def main(output: str) -> None:
    model = forecastgen.create("rnn", hidden_size=8, num_layers=1, max_epochs=3, batch_size=8,
                               device="cpu", seed=0)
    model.fit(forecastgen.read_series(AIRLINE))
    digest = hashlib.sha256()
    for name, tensor in sorted(model.network_.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().numpy().tobytes())
    everyone = [None] * dist.get_world_size()
    dist.all_gather_object(everyone, {"rank": dist.get_rank(), "weights": digest.hexdigest(),
                                      "backend": dist.get_backend(),
                                      "world_size": model.history_.world_size,
                                      "epochs": len(model.history_.train_loss)})
    if dist.get_rank() == 0:
        Path(output).write_text(json.dumps(everyone))
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
