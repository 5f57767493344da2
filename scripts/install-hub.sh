#!/usr/bin/env bash
# configurable-http-proxy (npm), JupyterHub's proxy, for the one-host class test and benchmark
# (tests/test_hub.py, benchmarks/hub_load.py), into the venv: VENV/hub/node_modules/.bin/.
# Pinned: 5.2.0 is the newest whose dependencies accept Node.js 20.  Without npm it says so, and
# the hub test is skipped with a loud line.
set -u
venv=${1:-.venv}
if [ -x "$venv/hub/node_modules/.bin/configurable-http-proxy" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "WARNING: npm is missing; configurable-http-proxy cannot be installed and the hub test will be skipped" >&2
  exit 0
fi
echo "installing configurable-http-proxy for the hub test..."
mkdir -p "$venv/hub"
npm install --prefix "$venv/hub" --no-audit --no-fund --loglevel=error configurable-http-proxy@5.2.0 >/dev/null \
  || echo "WARNING: could not install configurable-http-proxy; the hub test will be skipped" >&2
exit 0
