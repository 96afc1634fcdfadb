#!/usr/bin/env bash
# Rebuilds the demo models from nothing: corpus, training, export. About 75 CPU-minutes for the base model on the
# 2-core machine this was made on (with OpenBLAS; see README.md), a few for the others.
set -euo pipefail
cd "$(dirname "$0")"
PY=/usr/bin/python3
$PY corpus.py
$PY train.py base
$PY train.py weak
$PY train.py ts-tune --threads 1 &
$PY train.py py-tune --threads 1
wait
$PY train.py weak-ts
./export-models.sh
