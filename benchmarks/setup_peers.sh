#!/usr/bin/env bash
# A separate environment holding the peers (adabmDCA, rbms) next to the installed seqebm, for benchmarks only.
set -euo pipefail
ENV=${1:-/tmp/seqebm-peers}
python3 -m venv --system-site-packages "$ENV"
"$ENV/bin/pip" install --quiet --no-deps adabmdca rbms
"$ENV/bin/pip" install --quiet tqdm h5py
echo "peers installed in $ENV; run: $ENV/bin/python benchmarks/bench_sampling.py"
