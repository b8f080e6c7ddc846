#!/usr/bin/env bash
# GPU checks in one go, under 8 minutes on one GPU; every figure lands in one folder.
#
#   bash benchmarks/gpu_check.sh [OUT_DIR]          (default: $OUT if set, else gpu_check)
#
# 1. the `cuda` tests (exact sampling, tempering, no host synchronisation in sweeps, a short eq training, CPU/GPU
#    agreement, NCCL data parallelism with 2 GPUs);
# 2. the sampling benchmark (Potts at 100 / 1,000 / 5,000 chains, a 20 x 250 PTT ladder, RBMs) on the GPU;
# 3. `seqebm fit PF00072 --regime eq` with every default on the GPU (budget 300 s): seconds per update and the time
#    to a verified equilibrium model, from its log and model file.
# Without CUDA it is a dry run: the cuda tests are collected and skip, steps 2-3 are skipped (CI runs this).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-${OUT:-gpu_check}}"
mkdir -p "$out"
python -m pytest -m cuda tests/test_cuda.py -q -rs -p no:cacheprovider | tee "$out/cuda_tests.txt"
if ! python -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)"; then
    echo "no CUDA device: dry run (cuda tests skipped; benchmark and PF00072 fit not run)" | tee "$out/summary.txt"
    exit 0
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt" || true
python benchmarks/bench_sampling.py --device cuda | tee "$out/bench_sampling.txt"
timeout 420 seqebm fit data/protein_PF00072_response_regulator/PF00072_train0.6.fasta.gz --regime eq --device cuda \
    --max-seconds 300 --out "$out/pf00072_eq" | tee "$out/pf00072_fit.txt" || echo "fit exited with $?" | tee -a "$out/pf00072_fit.txt"
python - "$out" <<'PY' | tee "$out/summary.txt"
import sys
from pathlib import Path

import pandas as pd

from seqebm.cli.fit import equilibrium_verdict
from seqebm.models.files import read_metadata
from seqebm.models.record import RunRecord

run = Path(sys.argv[1]) / "pf00072_eq"
log = pd.read_csv(run / "log.csv")
per_update = log["seconds"].diff().dropna()
print(f"PF00072 eq on CUDA: {len(log)} updates in {log['seconds'].iloc[-1]:.0f} s, median {per_update.median():.2f} s per update "
      f"(sweeps {int(log['sweeps'].iloc[-1])} at the end), last Pearson {log['pearson'].iloc[-1]:.3f}")
if (run / "model.npz").exists():
    record = RunRecord.from_metadata(read_metadata(run / "model.npz"))
    print(f"stopped: {record.state.stopped_because}; wall time {record.state.seconds:.0f} s; "
          f"lr changes {record.training.get('lr_changes')}")
    print(equilibrium_verdict(record))
else:
    print("no model file written")
PY
