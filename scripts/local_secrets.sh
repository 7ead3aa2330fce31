#!/usr/bin/env bash
# Per-installation secrets of a local (make run / make test) installation: generated once,
# random, readable only by their owner, and reused on every later run. Never committed.
#   scripts/local_secrets.sh VAR_DIR   -> VAR_DIR/secret-key, VAR_DIR/audit-hmac-key
set -euo pipefail
VAR=${1:?usage: local_secrets.sh VAR_DIR}
mkdir -p "$VAR"
umask 077
for name in secret-key audit-hmac-key; do
  file="$VAR/$name"
  if [ ! -s "$file" ]; then
    # 64 random bytes, URL-safe base64 (86 characters)
    head -c 64 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=' > "$file.new"
    mv "$file.new" "$file"
  fi
  chmod 600 "$file"
done
