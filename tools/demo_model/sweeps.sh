#!/usr/bin/env bash
# The engine measurements of the model card (stage 3): per-family sweeps of one GGUF on the held-out task files
# written by make_taskfile.py. Usage: tools/demo_model/sweeps.sh MODEL.gguf NAME   (results in runs/sweeps/NAME-*)
set -euo pipefail
cd "$(dirname "$0")"
M=$1; N=$2
[ -d runs/tasks/train ] || python3 make_taskfile.py --templates train --n 30 --seed 777 --out runs/tasks/train
[ -d runs/tasks/heldout ] || python3 make_taskfile.py --templates heldout --n 30 --seed 778 --out runs/tasks/heldout
T="nice -n 19 python3 sweep_table.py --model $M"
# trained templates: unlimited, caps, no-think, s1's class- and token-conditional prompts
$T --tasks runs/tasks/train --modes cap,no-think,prompt-class,prompt-token --budgets 128,256,512,inf --out runs/sweeps/$N-train
# held-out templates: unlimited and no-think
$T --tasks runs/tasks/heldout --modes cap,no-think --budgets inf --out runs/sweeps/$N-heldout
# s1 budget forcing on the arithmetic families
$T --tasks runs/tasks/train --families add,sub,mul,word --modes exact --budgets 256,384,512 --out runs/sweeps/$N-exact
