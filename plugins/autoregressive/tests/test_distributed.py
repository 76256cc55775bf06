"""Distributed data parallel through torchrun: two CPU processes (gloo) train one model."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

WORKER = Path(__file__).with_name("ddp_worker.py")


@pytest.mark.slow
def test_torchrun_two_ranks_end_with_identical_weights(tmp_path):
    output = tmp_path / "ranks.json"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nnodes=1",
               "--nproc_per_node=2", str(WORKER), str(output)]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    ranks = json.loads(output.read_text())
    assert [r["rank"] for r in ranks] == [0, 1]
    assert {r["backend"] for r in ranks} == {"gloo"}
    assert {r["world_size"] for r in ranks} == {2}
    assert ranks[0]["weights"] == ranks[1]["weights"]
    assert ranks[0]["epochs"] == ranks[1]["epochs"] >= 1
