#!/usr/bin/env bash
# Creates (once) the Python virtualenv the test harness uses and installs
# tools/python/requirements.txt into it. Prints the venv's python path on stdout.
# Location: $SLUICE_VENV, default ~/.cache/sluice/venv (re-used across checkouts).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${SLUICE_VENV:-$HOME/.cache/sluice/venv}
req=$root/tools/python/requirements.txt
stamp=$venv/.requirements.sha256
if [[ ! -x $venv/bin/python ]]; then
  # Debian's python3 needs python3-venv (scripts/install-deps.sh installs it).
  /usr/bin/python3 -m venv "$venv" >&2 2>/dev/null || python3 -m venv "$venv" >&2
fi
want=$(sha256sum "$req" | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req" >&2
  echo "$want" >"$stamp"
fi
echo "$venv/bin/python"
