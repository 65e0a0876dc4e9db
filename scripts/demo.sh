#!/bin/sh
# The main job: an end-to-end run on the in-process emulator.
set -eu
O=${1:-build}
"$O/bin/swsev" --version
