"""What both parity-fixture scripts share: a random-weight model from ThinkScope's generator, and
llama.cpp's logits for it through the oracle (/work/shared/oracle/llamacpp.py)."""
import base64, json, os, subprocess, sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ORACLE = os.path.join(ROOT, "..", "shared", "oracle", "llamacpp.py")
DEFAULT_THINKSCOPE = os.path.join(ROOT, ".build", "release", "thinkscope")
ORACLE_NAME = "llama-cpp-python 0.3.36"


def oracle(*args):
    return subprocess.run([sys.executable, ORACLE, *args], check=True, capture_output=True, text=True).stdout


def random_model(thinkscope, spec, path):
    """Writes ThinkScope's random-weight model for `spec` (a RandomModelSpec as a dict) to `path`."""
    subprocess.run([thinkscope, "random-model", "--spec", json.dumps(spec), "--out", path],
                   check=True, capture_output=True)


def case_model(thinkscope, base, extra, seed, tmp, name):
    """A fixture case's random-weight model: `base` shape with `extra` on top (architecture qwen3
    unless given), written to tmp/name.gguf. Returns (spec, path)."""
    spec = dict(base, **extra)
    spec.setdefault("architecture", "qwen3")
    spec["seed"] = seed
    path = os.path.join(tmp, name + ".gguf")
    random_model(thinkscope, spec, path)
    return spec, path


def b64(row):
    """A float32 row as the fixtures store it (little-endian, base64)."""
    return base64.b64encode(np.asarray(row).astype("<f4").tobytes()).decode()


def b64_bytes(b):
    """Raw bytes (quantized blocks, fp16 rows) as the fixtures store them (base64)."""
    return base64.b64encode(bytes(b)).decode()


def llama_logits(path, ids, vocab, tmp):
    """llama.cpp's logits of every position of `ids`, [len(ids), vocab] float32."""
    out = os.path.join(tmp, os.path.basename(path) + ".logits")
    oracle("logits", path, "--ids", ",".join(map(str, ids)), "--out", out)
    return np.fromfile(out, dtype="<f4").reshape(len(ids), vocab)


def reference(logits, positions):
    """The fixture fields the Swift tests read: rows at `positions` (float32, base64) and the arg-max
    of every position."""
    return dict(logits=[b64(logits[p]) for p in positions],
                argmax=[int(x) for x in logits.argmax(axis=1)])
