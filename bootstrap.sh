#!/usr/bin/env bash
# koubei set-up on a fresh machine (Python 3.11, nothing installed).
#   ./bootstrap.sh demo   install, then run the whole pipeline on the bundled demo
#   ./bootstrap.sh test   install, then run the whole test suite
set -euo pipefail
cd "$(dirname "$0")"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PYTHON=$candidate; break
    fi
  done
fi
[ -n "$PYTHON" ] || { echo "error: Python 3.11 is required (set PYTHON=/path/to/python3.11)" >&2; exit 2; }

if [ ! -x .venv/bin/python ]; then
  step "Creating the virtual environment .venv"
  "$PYTHON" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
export PIP_DISABLE_PIP_VERSION_CHECK=1

step "Installing PyTorch (CPU build, pinned: an unpinned torch pulls a multi-GB CUDA build)"
python -m pip install --progress-bar on "torch==2.13.0"
step "Installing koubei and its pinned dependencies"
python -m pip install --progress-bar on -e ".[dev]"

export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PREFECT_SERVER_ANALYTICS_ENABLED=false TOKENIZERS_PARALLELISM=false

case "${1:-}" in
  demo)
    step "Running the demo (demo site on 127.0.0.1, daily flow over 30 days of history, DuckDB in data/)"
    koubei demo --data-dir data
    ;;
  test)
    # The browser tests drive Debian's chromium through Playwright (never a downloaded browser build).
    if [ ! -x /usr/bin/chromium ]; then
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        step "Installing Debian's chromium for the dashboard's browser tests"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
      else
        echo "warning: /usr/bin/chromium is missing and cannot be installed here; the browser tests will fail" >&2
      fi
    fi
    step "Running the test suite"
    set +e
    python -m pytest "${@:2}"
    status=$?
    set -e
    if [ "$status" -eq 5 ]; then
      echo "error: pytest collected no tests; that is a failure, not a pass" >&2
      exit 1
    fi
    exit "$status"
    ;;
  *)
    echo "usage: ./bootstrap.sh demo|test" >&2
    exit 2
    ;;
esac
