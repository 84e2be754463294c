#!/bin/sh
# Backtests the dev-data series with the shipped pipelines and scores each on the last 70% of every key's steps.
# Usage: bench/baselines/run.sh DATA_DIR WORK_DIR   (e.g. ../shared/data /tmp/baselines); needs a Release build:
#   dotnet build src/StreamRnn.Tools -c Release
set -e
here=$(cd "$(dirname "$0")" && pwd)
streamrnn_tools="dotnet ${STREAMRNN_TOOLS_DLL:-$here/../../src/StreamRnn.Tools/bin/Release/net10.0/streamrnn-tools.dll}"
data=$1; work=$2
python3 "$here/prepare.py" "$data" "$work"
run() { # name season [options]
  name=$1; season=$2; shift 2
  $streamrnn_tools backtest --pipeline "$work/$name.json" --csv "$work/$name.csv" --out "$work/out/$name" --chart-keys 0 \
    ${season:+--season $season} "$@" > "$work/out/$name.txt"
  python3 "$here/last70.py" "$work/out/$name/predictions.csv" > "$work/out/$name.last70.json"
  echo "$name: $(python3 -c "import json,sys; d=json.load(open('$work/out/$name.last70.json')); print(d['best_baseline'], round(d['model_over_best'],4), round(d['model_over_persistence'],4))")"
}
mkdir -p "$work/out"
run nyc_taxi 48 --key-column key --time-column t
run machine_temperature 288 --key-column key --time-column t
run etth1_ot 24 --key-column key --time-column t
run aws_cloudwatch 288 --key-column key --time-column t
run exchange_rates "" --key-column key --time-column t
run sp500 "" --time-column t
run beijing_pm25 24 --key-column key --time-column t
