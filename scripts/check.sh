#!/bin/sh
# Runs every test stage; placeholder grown with the project.
set -eu
O=${1:-build}
"$O/tests/unit"
