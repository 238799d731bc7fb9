#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The results table of docs/results.md: dense vs SliceGPT, FlattenGPT and ShortGPT on one model, one protocol.

usage: results.py --cli FLATSLICE --model MODEL --calib FILE --eval FILE --out DIR
                  [--samples 64] [--seqlen 512] [--max-tokens 16384] [--threads N] [--only NAME,...]

Runs everything through the flatslice CLI (stdlib only, no reference venv): one analysis session of the
calibration text, then for each row a plan from that session (`flatslice plan`), `flatslice compress` with the
same calibration windows and a perplexity evaluation of the exported model (first --max-tokens tokens of --eval,
windows of 512), and `flatslice bench` (prefill tokens/s over 512 tokens, best of 3; decode over 64 steps).
Writes DIR/results.json and DIR/results.md; each row's export stays in DIR/<name>. Rows already in
DIR/results.json are not run again (delete the file to start over).
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

ROWS = [
    ("dense", []),
    ("slicegpt-10", ["--slice", "0.10"]),
    ("slicegpt-20", ["--slice", "0.20"]),
    ("slicegpt-25", ["--slice", "0.25"]),
    ("slicegpt-30", ["--slice", "0.30"]),
    ("flattengpt-2", ["FLATTEN", 2]),
    ("flattengpt-4", ["FLATTEN", 4]),
    ("flattengpt-6", ["FLATTEN", 6]),
    # The paper's selection alone (options.flattenSelection = flattengpt), without the output-error check.
    ("flattengpt-paper-2", ["FLATTEN", 2, "PAPER"]),
    ("flattengpt-paper-4", ["FLATTEN", 4, "PAPER"]),
    ("flattengpt-paper-6", ["FLATTEN", 6, "PAPER"]),
    ("shortgpt-2", ["--drop-count", "2"]),
    ("shortgpt-4", ["--drop-count", "4"]),
    ("shortgpt-6", ["--drop-count", "6"]),
    # Variants beyond the reference layout: one basis, no shortcut matrices, head sliced (docs/methods.md).
    ("slicegpt-25-single-basis", ["--slice", "0.25", "SINGLE"]),
    ("slicegpt-30-single-basis", ["--slice", "0.30", "SINGLE"]),
]


def run(cmd):
    print("+", " ".join(str(c) for c in cmd), flush=True)
    done = subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"failed ({done.returncode}): {' '.join(str(c) for c in cmd)}")
    return done.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--calib", required=True)
    ap.add_argument("--eval", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--samples", type=int, default=64)
    ap.add_argument("--seqlen", type=int, default=512)
    ap.add_argument("--max-tokens", type=int, default=16384)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--only", default="")
    ap.add_argument("--rebench", action="store_true",
                    help="only re-measure speed for the rows already done (on a quiet machine)")
    a = ap.parse_args()
    out = pathlib.Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    threads = ["--threads", str(a.threads)]
    session = out / "session.flatslice.h5"
    if not session.exists():
        run([a.cli, "analyze", a.model, "--calib", a.calib, "--samples", a.samples, "--seqlen", a.seqlen,
             "-o", session, *threads])
    layers = json.loads(run([a.cli, "inspect", a.model, "--json"]))["layers"]
    results_path = out / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    wanted = set(filter(None, a.only.split(",")))
    if a.rebench:
        for name, row in results.items():
            target = a.model if name == "dense" else out / name
            bench = json.loads(run([a.cli, "bench", target, "--json", *threads]))
            row["prefill_tokens_per_second"] = bench["prefill_tokens_per_s"]
            row["decode_tokens_per_second"] = bench["decode_tokens_per_s"]
        results_path.write_text(json.dumps(results, indent=2) + "\n")
    for name, plan_args in ROWS:
        if a.rebench:
            break
        if name in results or (wanted and name not in wanted):
            continue
        row = {"name": name}
        started = time.time()
        if name == "dense":
            target = a.model
            row["plan"] = None
        else:
            single = "SINGLE" in plan_args
            paper = "PAPER" in plan_args
            plan_args = [x for x in plan_args if x not in ("SINGLE", "PAPER")]
            if plan_args and plan_args[0] == "FLATTEN":  # N pairs = N blocks of L removed by flattening
                plan_args = ["--flatten-ratio", repr(plan_args[1] / layers)]
            plan = out / f"{name}.plan.json"
            run([a.cli, "plan", session, "-o", plan, "--force", *plan_args])
            if single or paper:
                edited = json.loads(plan.read_text())
                if single:
                    edited["slice"]["shortcuts"] = False
                if paper:
                    edited.setdefault("options", {})["flattenSelection"] = "flattengpt"
                plan.write_text(json.dumps(edited, indent=2) + "\n")
            row["plan"] = json.loads(plan.read_text())
            target = out / name
            run([a.cli, "compress", a.model, "--plan", plan, "--calib", a.calib, "--samples", a.samples,
                 "--seqlen", a.seqlen, "-o", target, "--force", *threads])
            meta = json.loads((target / "flatslice.json").read_text())
            row["layers"] = meta["compression"]["layers_after"]
            row["parameters"] = meta["compression"]["parameters_after"]
            row["compress_seconds"] = meta["compression"]["seconds"]
        ev = json.loads(run([a.cli, "eval", target, "--data", a.eval, "--seqlen", "512", "--max-tokens",
                             a.max_tokens, "--json", *threads]))
        row["perplexity"] = ev["perplexity"]
        if name == "dense":
            info = json.loads(run([a.cli, "inspect", target, "--json"]))
            row["layers"] = info["layers"]
            row["parameters"] = info["parameters"]["total"]
        bench = json.loads(run([a.cli, "bench", target, "--json", *threads]))
        row["prefill_tokens_per_second"] = bench["prefill_tokens_per_s"]
        row["decode_tokens_per_second"] = bench["decode_tokens_per_s"]
        row["seconds"] = time.time() - started
        results[name] = row
        results_path.write_text(json.dumps(results, indent=2) + "\n")

    dense = results.get("dense")
    lines = ["| method | layers | parameters | removed | perplexity | prefill tok/s | speedup | decode tok/s |",
             "|---|---|---|---|---|---|---|---|"]
    for name, _ in ROWS:
        r = results.get(name)
        if not r:
            continue
        removed = 1 - r["parameters"] / dense["parameters"] if dense else float("nan")
        speed = r["prefill_tokens_per_second"] / dense["prefill_tokens_per_second"] if dense else float("nan")
        lines.append(f"| {name} | {r['layers']} | {r['parameters'] / 1e6:.2f} M | {100 * removed:.1f}% | "
                     f"{r['perplexity']:.3f} | {r['prefill_tokens_per_second']:.0f} | {speed:.2f}x | "
                     f"{r['decode_tokens_per_second']:.1f} |")
    (out / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
