#!/bin/bash
# Carry the data that scripts/sweep/dump.py wrote (.sweep/) and the wheels the GPU image lacks
# (.whl/: datasets, dill, multiprocess, pydantic and its deps, transformers==5.24.0).
# device: install carried wheels, then run sweep groups in parallel
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl > $OUT/pip.log 2>&1 || { cat $OUT/pip.log; exit 1; }
export PYTHONPATH=/tmp/site HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false OMP_NUM_THREADS=2 PYTHONUNBUFFERED=1
python3 -c "import torch, transformers, datasets, pyarrow, pydantic; print(torch.__version__, transformers.__version__, datasets.__version__, pyarrow.__version__, pydantic.__version__, torch.cuda.is_available())" || exit 1
nvidia-smi --query-gpu=name,memory.used --format=csv
python3 scripts/sweep/sweep.py prepare || exit 1
ls -la /tmp/minilm
i=0
for group in "$@"; do
  i=$((i+1))
  python3 scripts/sweep/sweep.py $group > $OUT/g$i.log 2>&1 &
done
wait
grep -h RESULT $OUT/g*.log | sed 's/^RESULT //' > $OUT/all.jsonl
grep -h -B2 -A12 Traceback $OUT/g*.log | head -60
wc -l $OUT/all.jsonl
