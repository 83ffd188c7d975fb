#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs the gateway on its
# embedded default — SQLite, examples/demo.yaml and the mock upstream beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
scripts/build.sh --target tollgate tollgate-mock

export UPSTREAM_KEY="${UPSTREAM_KEY:-mock-upstream-key}"
config=examples/demo.yaml
build/bin/tollgate config check "$config"

build/bin/tollgate-mock --port 9099 --require-key "$UPSTREAM_KEY" --quiet &
mock_pid=$!
trap 'kill $mock_pid 2>/dev/null || true' EXIT

# A demo key, created once and kept in .demo-key for later runs.
if [ -s .demo-key ] && grep -q "$(cut -c1-11 .demo-key)" <(build/bin/tollgate keys list --config "$config" | grep active); then
  key=$(cat .demo-key)
else
  key=$(build/bin/tollgate keys create --config "$config" --name demo 2>/dev/null)
  echo "$key" > .demo-key
fi
# Demo credits for the default account (billing is on in the demo configuration); the
# idempotency key makes a second run credit nothing more.
build/bin/tollgate credits topup --config "$config" --account default --usd 10 \
  --idempotency-key demo-credits >/dev/null

cat <<EOT

  Tollgate is starting on http://127.0.0.1:8080 (mock upstream on :9099).
  Your demo API key: $key

  Try it:
    curl -s http://127.0.0.1:8080/v1/chat/completions \\
      -H "Authorization: Bearer $key" -H "Content-Type: application/json" \\
      -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello, Tollgate!"}]}'

  Other APIs on the same key: POST /v1/messages (Anthropic), /v1/responses,
  /v1beta/models/gemini-2.5-flash:generateContent (Gemini) — any model, any API.
  Streaming: add "stream":true.  Usage log: build/bin/tollgate usage --config $config
  Balance ($10 of demo credits): build/bin/tollgate credits balance --config $config --account default
  Stop with Ctrl-C.

EOT
build/bin/tollgate serve --config "$config"
