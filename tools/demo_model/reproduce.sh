#!/usr/bin/env bash
# Train, export, evaluate and check the ThinkScope demo model end to end (about 1-1.5 hours on 2 cores).
# Usage: tools/demo_model/reproduce.sh            (resumes training if runs/demo/ckpt.pt exists)
set -euo pipefail
cd "$(dirname "$0")"
export OMP_WAIT_POLICY=PASSIVE
RUN=runs/demo
nice -n 19 python3 train.py --out "$RUN" --steps 3600 --minutes 112 --seed 1234 --threads 2 --unused-loss-start 942
python3 calibrate_unused.py --ckpt "$RUN/final.pt" --out "$RUN/final_cal.pt"
python3 export_gguf.py --ckpt "$RUN/final_cal.pt" --out ../../models/thinkscope-demo.gguf
python3 evaluate.py --ckpt "$RUN/final_cal.pt" --n 100 --out "$RUN/eval"
python3 parity.py --ckpt "$RUN/final_cal.pt" --gguf ../../models/thinkscope-demo.gguf --out ../../Tests/Fixtures/demo-parity.json
python3 plots.py --run "$RUN" --out ../../docs/model-card
python3 routing_by_token.py --ckpt "$RUN/final_cal.pt" --out ../../docs/model-card
