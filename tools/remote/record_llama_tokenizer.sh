#!/usr/bin/env bash
# Records a real llama-server's tokenizer endpoints, as it answers them for the demo model, into
# Tests/RemoteTests/Recordings (llama-*.json): /props, /v1/models, /tokenize with pieces of text whose
# characters split across tokens, and /detokenize of one such token alone.
#
#   llama-server -m Sources/EmbeddedModel/thinkscope-demo.gguf --port 18080 -np 1 &
#   tools/remote/record_llama_tokenizer.sh http://127.0.0.1:18080
set -euo pipefail
url="${1:?the llama-server URL}"
out="$(dirname "$0")/../../Tests/RemoteTests/Recordings"
curl -sf "$url/props" > "$out/llama-props.json"
curl -sf "$url/v1/models" > "$out/llama-models.json"
curl -sf "$url/tokenize" -d '{"content":"ok 🧠𝄞 <think>","add_special":false,"parse_special":true,"with_pieces":true}' > "$out/llama-tokenize-pieces.json"
# 11162 is " " plus the first two bytes of 🧠: alone it is not UTF-8.
curl -sf "$url/detokenize" -d '{"tokens":[11162]}' > "$out/llama-detokenize-partial.json"
