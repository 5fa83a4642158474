#!/usr/bin/env bash
# GPU check: on a host with an NVIDIA GPU, its driver, the CUDA 13 runtime and cuDNN 9 libraries (what ONNX Runtime
# 1.31.0's CUDA provider links) and the .NET SDK, builds the GPU worker (src/SelfImprove.Cli.Gpu), then
#   1. measures MiniLM embedding throughput on CUDA (selfimprove embedding-speed): sentences/s, warm;
#   2. runs one BANKING77 training job on the GPU through the training queue: Azurite, `selfimprove serve`, an
#      improvement run whose manifest says training.compute { target: worker, gpu: true }, and
#      `selfimprove train-worker --once`, which takes that one job, trains it on the GPU and exits; prints its wall time.
# Usage: bench/gpu-check.sh [BANKING77 folder (train.csv, test.csv, categories.json)]   (default /work/shared/datasets/banking77)
# Environment: DEVICE (CUDA device id, default 0), SENTENCES (probe size, default 50000), BUDGET_SECONDS (default 300).
# Exit codes: 0 both measured; 1 a step failed (its message says which); 2 a prerequisite is missing.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="$(realpath -m "${1:-/work/shared/datasets/banking77}")"
device="${DEVICE:-0}"
sentences="${SENTENCES:-50000}"
budget="${BUDGET_SECONDS:-300}"
work="$(mktemp -d -t selfimprove-gpu-check.XXXXXX)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

missing() { echo "gpu-check: $1" >&2; exit 2; }
step() { echo; echo "== $* ($((budget - SECONDS)) s of the ${budget} s budget left)"; }
left() { local l=$((budget - SECONDS)); [[ $l -gt 0 ]] || { echo "gpu-check: over the ${budget} s budget" >&2; exit 1; }; echo "$l"; }

step "prerequisites"
command -v nvidia-smi >/dev/null || missing "nvidia-smi not found: this host has no NVIDIA driver. Run on a host with an NVIDIA GPU."
nvidia-smi -L | grep -q "^GPU ${device}:" || missing "CUDA device ${device} not listed by nvidia-smi -L ($(nvidia-smi -L | tr '\n' ';')). Set DEVICE to one it lists."
nvidia-smi --query-gpu=index,name,driver_version,memory.total --format=csv,noheader -i "$device"
command -v dotnet >/dev/null || missing "the .NET SDK (dotnet) is not on PATH: install the SDK named in global.json."
has_lib() {
  ldconfig -p 2>/dev/null | grep -q "$1" && return 0
  local dir; IFS=: read -ra dirs <<<"${LD_LIBRARY_PATH:-}"
  for dir in "${dirs[@]}"; do [[ -n "$dir" ]] && compgen -G "$dir/$1*" >/dev/null && return 0; done
  return 1
}
for lib in libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libcudnn.so.9; do
  has_lib "$lib" || missing "$lib not found (ldconfig -p, LD_LIBRARY_PATH): install the CUDA 13 runtime and cuDNN 9 for CUDA 13 (ONNX Runtime 1.31.0's CUDA provider links them), or use the worker image (src/SelfImprove.Cli.Gpu/Dockerfile)."
done
[[ -f "$data/train.csv" && -f "$data/test.csv" && -f "$data/categories.json" ]] \
  || missing "BANKING77 not found in '$data': pass the folder with train.csv, test.csv and categories.json as the first argument."
command -v python3 >/dev/null || missing "python3 not found: it writes the BANKING77 agent manifest."

step "building the GPU worker (src/SelfImprove.Cli.Gpu, Release)"
timeout "$(left)" dotnet publish "$repo/src/SelfImprove.Cli.Gpu/SelfImprove.Cli.Gpu.csproj" -c Release -o "$work/bin" -v q -nologo
cli="$work/bin/selfimprove"

step "1. embedding throughput on CUDA device $device"
timeout "$(left)" "$cli" embedding-speed --data "$data/train.csv" --sentences "$sentences" --device "$device" | tee "$work/probe.txt"
rate="$(sed -n 's/^sentences_per_second=//p' "$work/probe.txt")"

step "2. one BANKING77 training job on the GPU through the training queue"
"$cli" train-worker --help >/dev/null 2>&1 || { echo "gpu-check: this build has no 'selfimprove train-worker' command." >&2; exit 1; }
# The agent: the first serving version trained on 2 examples per intent, the run's job on the rest of train.csv
# (about 9,900 examples, embedded cold), validated on 10 per intent and evaluated on test.csv (3,080).
mkdir -p "$work/agents"
python3 - "$data" "$work/agents" "$device" <<'PY'
import csv, json, random, sys
data, out, device = sys.argv[1], sys.argv[2], int(sys.argv[3])
intents = json.load(open(f"{data}/categories.json"))
rows = list(csv.DictReader(open(f"{data}/train.csv", newline="", encoding="utf-8")))
random.Random(1).shuffle(rows)
by = {}
for r in rows: by.setdefault(r["category"], []).append(r)
validation = [r for i in intents for r in by[i][:10]]
pool = [r for i in intents for r in by[i][10:12]]
production = [r for i in intents for r in by[i][12:]]
random.Random(2).shuffle(production)
def write(name, rs):
    with open(f"{out}/{name}", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f); w.writerow(["text", "label"]); w.writerows([[r["text"], r["category"]] for r in rs])
write("pool.csv", pool); write("validation.csv", validation); write("production.csv", production)
write("evaluation.csv", list(csv.DictReader(open(f"{data}/test.csv", newline="", encoding="utf-8"))))
json.dump({"agentId": "banking77-gpu", "description": "GPU check: every intent may go to every route.",
           "actions": intents, "defaultAllowed": ["*"]}, open(f"{out}/constitution.json", "w"))
json.dump({
  "agentId": "banking77-gpu",
  "description": "BANKING77, trained on the GPU by a train-worker (bench/gpu-check.sh).",
  "goal": {"metric": "accuracy", "target": 0.5, "acceptableRange": {"min": 0.4, "max": 1.0}, "objective": "maximize"},
  "data": {"source": "files", "pool": {"path": "pool.csv"}, "validation": {"path": "validation.csv"},
           "evaluation": {"path": "evaluation.csv"}, "production": {"path": "production.csv"}},
  "labels": [{"name": i, "action": i} for i in intents],
  "monitoring": {"sampleSize": 500, "feedbackShare": 0.05},
  "trigger": {"cooldown": "00:00:00", "minimumEvidence": 1},
  "planner": {"kind": "offline", "selectionRule": "margin", "maxLabelRequests": 20000, "maxGeneratedSamples": 0},
  "training": {"compute": {"target": "worker", "gpu": True, "deviceId": device},
               "hyperParameters": {"l2": 0.001, "l1": 0, "maxIterations": 200, "warmStart": True}},
  "evaluation": {"metrics": ["accuracy", "macroF1"], "maxAttempts": 1},
  "alignment": {"constitution": "constitution.json", "maxDistance": 0.25},
  "approval": {"required": False},
  "deployment": {"candidateShare": 0.5, "minimumSamples": 5, "promotionRule": "meetTarget", "trialShare": 0.05,
                 "checkEvery": "00:00:01", "maxDuration": "00:00:05", "onTimeout": "promote"}
}, open(f"{out}/banking77-gpu.agent.json", "w"), indent=2)
PY
"$cli" validate --manifest "$work/agents/banking77-gpu.agent.json" >/dev/null

azurite="$repo/node_modules/.bin/azurite"
[[ -x "$azurite" ]] || (cd "$repo" && timeout "$(left)" npm ci --silent) || missing "Azurite not installed: run npm ci in $repo."
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
blob=$(port); queue=$(port); table=$(port); api=$(port)
"$azurite" --silent --skipApiVersionCheck --location "$work/azurite" --blobPort "$blob" --queuePort "$queue" --tablePort "$table" >"$work/azurite.log" 2>&1 &
pids+=($!)
export AzureWebJobsStorage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
export SELFIMPROVE_TRAINING_QUEUE="training-jobs"
"$cli" serve --backend azure-storage --agents "$work/agents" --store "$work/store" --urls "http://127.0.0.1:$api" --dev >"$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$api/readyz" >/dev/null 2>&1 && break; sleep 1; done
curl -fs "http://127.0.0.1:$api/readyz" >/dev/null || { echo "gpu-check: serve did not start; its log:" >&2; tail -20 "$work/serve.log" >&2; exit 1; }
"$cli" run --server "http://127.0.0.1:$api" --agent banking77-gpu --reason "gpu-check" | tee "$work/run.txt"

start=$(date +%s.%N)
# --once: the worker takes the queued job, trains it, and exits when the queue is empty. It prints
# "JOB <jobId> <state> [<version>|<reason>]" per job.
if ! timeout "$(left)" "$cli" train-worker --once --queue "$SELFIMPROVE_TRAINING_QUEUE" --agents "$work/agents" 2>&1 | tee "$work/worker.txt"; then
  echo "gpu-check: train-worker --once failed; serve's log:" >&2; tail -20 "$work/serve.log" >&2; exit 1
fi
wall=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)")
job="$(grep -m1 '^JOB ' "$work/worker.txt" || true)"
[[ -n "$job" ]] || { echo "gpu-check: the worker exited without taking a job (no JOB line); serve's log:" >&2; tail -20 "$work/serve.log" >&2; exit 1; }
if grep -qiE '^JOB [^ ]+ (failed|poisoned|abandoned)' <<<"$job"; then echo "gpu-check: the training job did not succeed: $job" >&2; exit 1; fi
grep -q "GPU build: embedding on CUDA device 0" "$work/worker.txt" \
  || { echo "gpu-check: the worker could not use CUDA (its 'GPU build:' line above says why): the job did not run on the GPU." >&2; exit 1; }

step "result"
echo "GPU: $(nvidia-smi --query-gpu=name --format=csv,noheader -i "$device")"
echo "embedding: ${rate} sentences/s (MiniLM, CUDA device ${device}, ${sentences} BANKING77 sentences)"
echo "training job: ${wall} s wall (train-worker --once: take the job, embed its examples cold, train, register): $job"
echo "total: ${SECONDS} s"
