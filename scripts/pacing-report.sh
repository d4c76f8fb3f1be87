#!/bin/sh
# Regenerates the measured section of docs/pacing.md: the pacing grid
# (5/20/100 agents × 15/30/60 % answer rate × 5 seeds, 30 days each) and the
# stress cases, every policy on the same leads. Takes tens of minutes on 2 cores.
set -eu
cd "$(dirname "$0")/.."
go test ./pacing/sim -run '^TestReport$' -count=1 -timeout 3h -v -report "$PWD/docs/pacing.md"
