#!/usr/bin/env bash
# The GPU run of issue 27, one stage per call of a lent GPU machine (docs/guides/emotion-training.md
# says how to get the data there first). Run from the repository root:
#   bash configs/emotion_gpu_run.sh check      # the CUDA tests and the loop bench (about 1 minute)
#   bash configs/emotion_gpu_run.sh accurate   # train, calibrate, evaluate, package `accurate`
#   bash configs/emotion_gpu_run.sh live       # distil `live` from runs/accurate/best.pt, package it
# Each stage resumes a run it finds half done (runs/NAME/last.pt); training stops itself, last.pt
# saved, before TRAIN_SECONDS (420) so the call ends inside its 10 minutes; call the stage again. Results go to $OUT (default: out/), cut into
# pieces under 15 MB: rejoin with `cat NAME.onnx.part-* > NAME.onnx`.
# For a dry run of the script itself on the CPU: DEVICE=cpu EPOCHS=1 DATA=small.npz (a few faces).
set -euo pipefail
stage="${1:?stage: check, accurate or live}"
out="${OUT:-out}"
mkdir -p "$out" runs
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
toonmoji() { python3 -m toonmoji "$@"; }
data="${DATA:-.fer/fer2013.npz}"
device="${DEVICE:-cuda}"
epochs=(); [ -n "${EPOCHS:-}" ] && epochs=(--epochs "$EPOCHS")
if [ ! -f "$data" ]; then  # the two halves carried over in two calls
    toonmoji emotion data .fer/fer2013.1of2.npz .fer/fer2013.2of2.npz --out "$data"
fi

train() {  # NAME: train configs/emotion_NAME.toml in runs/NAME, resuming a run cut off earlier
    local name="$1" resume=() call_log
    [ -f "runs/$name/last.pt" ] && resume=(--resume)
    call_log="$(mktemp)"
    # --time-limit ends the call, last.pt saved, before the device call's 10 minutes run out
    toonmoji emotion train "$data" --config "configs/emotion_$name.toml" --out "runs/$name" --device "$device" \
        --save-every 20 --time-limit "${TRAIN_SECONDS:-420}" "${epochs[@]}" "${resume[@]}" 2>&1 | tee "$call_log"
    cat "$call_log" >> "$out/$name-train.log"
    grep -q "^best model:" "$call_log" \
        || { echo "$name: training stopped before its end; call this stage again to resume" >&2; exit 3; }
}

ship() {  # NAME: its float16 ONNX (refused if it loses > 0.3 points) into $OUT, in pieces
    local name="$1"
    toonmoji emotion package "runs/$name/best.pt" "$name" --half --csv "$data" --data-dir "runs/$name/package" --force \
        2>&1 | tee -a "$out/$name-train.log"
    cp "runs/$name/confusion_PublicTest.png" "$out/$name-confusion.png"
    split -b 15000000 "runs/$name/package/emotion_${name}_fer.onnx" "$out/$name.onnx.part-"
}

case "$stage" in
    check)
        nvidia-smi -L
        python3 -m pytest -q -x tests/test_emotion_fed.py -k cuda 2>&1 | tee "$out/check.log"
        python3 bench/emotion_train_bench.py --device cuda --config configs/emotion_accurate.toml --faces 8192 \
            --epochs 2 --rounds 2 --threads 8 --data "$data" 2>&1 | tee -a "$out/check.log"
        ;;
    accurate)
        train accurate
        ship accurate
        ;;
    live)
        [ -f runs/accurate/best.pt ] || { echo "runs/accurate/best.pt is missing: run the accurate stage first" >&2; exit 1; }
        train live
        ship live
        ;;
    *) echo "unknown stage $stage (check, accurate or live)" >&2; exit 2 ;;
esac
