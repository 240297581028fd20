#!/usr/bin/env bash
# Writes the seed corpus of SessionFileFuzz (Fuzz/corpus/SessionFileFuzz): small sessions saved
# by `save` from the golden data, each twice: option byte 0 (opened as is) and 1 (checksums
# recomputed after each mutation; see Fuzz/SessionFileFuzz.swift). Run after a change of the
# session file format; the output is checked in (small).
#
#   bash Fuzz/make_session_seeds.sh [path/to/kpiq]     # default: .build/debug/kpiq
set -euo pipefail
cd "$(dirname "$0")/.."
kpiq="${1:-.build/debug/kpiq}"
out=Fuzz/corpus/SessionFileFuzz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
rm -f "$out"/*
data="$PWD/Tests/Golden/data"
seed() {  # NAME STATEMENTS
    "$kpiq" --no-init -c "$2
save \"$work/$1.kpiq\"" >/dev/null
    for option in 0 1; do
        { printf "\\x0$option"; cat "$work/$1.kpiq"; } > "$out/$1-$option"
    done
}
seed empty ""
seed sessions "load \"$data/sessions.csv\" as sessions time ts"
seed kpis "as of 2024-03-31
load \"$data/sessions.csv\" as sessions time ts
load \"$data/contacts.csv\" as contacts time created_at
load \"$data/campaigns.csv\" as campaigns time start_date
use kpis
metric paid = count(sessions) where source = \"paid\" as count
target visitor_to_lead between 1% and 3% for source = \"paid\"
relate contacts.campaign -> campaigns.campaign
let monthly = show visitors, leads over month during 2024"
seed types "load \"$data/inference.csv\" as inference
load \"$data/deals_empty.csv\" as deals
load \"$data/all_null_text.csv\" as nulls
load \"$data/flights.csv\" as flights time start_date .. end_date"
ls -la "$out" >&2
