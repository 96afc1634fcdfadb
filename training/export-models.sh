#!/usr/bin/env bash
# Exports the trained checkpoints (training/out/*.pt) into the GGUFs the demo ships (models/demo/), each with its
# training record (<name>.json: recipe, loss log, reference log-probabilities for the parity test).
# Checkpoint → demo model name: base → general, ts-tune → ts-expert, py-tune → py-expert, weak → weak, weak-ts → weak-ts.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
OUT=${1:-models/demo}
mkdir -p "$OUT" training/out/export
for pair in base:general ts-tune:ts-expert py-tune:py-expert weak:weak weak-ts:weak-ts; do
  ckpt=${pair%%:*}
  name=${pair##*:}
  [ -f "training/out/$ckpt.pt" ] || { echo "skipping $name: training/out/$ckpt.pt not trained yet"; continue; }
  (cd training && $PY export.py "$ckpt" out/export "$name")
  npx tsx training/to-gguf.ts training/out/export "$name" "$OUT/$name.gguf"
  cp "training/out/export/$name.json" "$OUT/$name.json"
done
