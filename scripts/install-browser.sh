#!/usr/bin/env bash
# Debian's Chromium for the real-browser test (Playwright's own browser download cannot work
# offline).  Installs it when missing and we may; otherwise says loudly that it is missing.
set -u
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser test..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "WARNING: could not install chromium; the browser test will be skipped" >&2
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "WARNING: could not install chromium; the browser test will be skipped" >&2
else
  echo "WARNING: chromium is not installed and cannot be installed here; the browser test will be skipped" >&2
fi
exit 0
