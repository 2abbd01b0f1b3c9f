#!/usr/bin/env bash
# Train, export, evaluate and check the ThinkScope demo model end to end (about 3 hours on 2 cores).
# Usage: tools/demo_model/reproduce.sh            (each training stage resumes from its run's ckpt.pt)
set -euo pipefail
cd "$(dirname "$0")"
export OMP_WAIT_POLICY=PASSIVE
# stage 1: the first data mix (tasks.py STAGE 1)
nice -n 19 python3 train.py --out runs/demo --stage 1 --steps 3600 --minutes 112 --seed 1234 --threads 2 --unused-loss-start 942
# stage 2: two-fact multiplication columns, more arithmetic, chains of forced self-checks; a new schedule
RUN=runs/demo2
nice -n 19 python3 train.py --out "$RUN" --init runs/demo/ckpt.pt --stage 2 --lr 1.2e-3 --warm 100 --minutes 70 --seed 4321 --threads 2
python3 calibrate_unused.py --ckpt "$RUN/final.pt" --out "$RUN/final_cal.pt"
python3 export_gguf.py --ckpt "$RUN/final_cal.pt" --out ../../models/thinkscope-demo.gguf
python3 evaluate.py --ckpt "$RUN/final_cal.pt" --n 100 --out "$RUN/eval"
python3 parity.py --ckpt "$RUN/final_cal.pt" --gguf ../../models/thinkscope-demo.gguf --out ../../Tests/Fixtures/demo-parity.json
python3 plots.py --run runs/demo "$RUN" --out ../../docs/model-card
python3 routing_by_token.py --ckpt "$RUN/final_cal.pt" --out ../../docs/model-card
