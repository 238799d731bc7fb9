#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Loads a flatslice Hugging Face export with transformers and checks its perplexity.

usage: check_hf_export.py DIR [--data FILE] [--tolerance 0.005] [--remote-code]

A flattened or dropped model must load as a plain checkpoint (no auto_map, no remote code); a sliced one
(--remote-code) must carry auto_map and load with trust_remote_code=True through its bundled modeling_flatslice.py.

Compares (1) the perplexity of the self-check ids recorded in DIR/flatslice.json and (2), when flatslice.json has an
"evaluation" block, the perplexity on that text (or --data) with the same protocol: the file read as bytes and
decoded as UTF-8 (no newline translation), tokenized once, non-overlapping windows of `seqlen` tokens over the first
`max_tokens`, every token but a window's first predicted. Exit 0 when both are within the tolerance.
Run with /root/.cache/flatslice/reference-venv/bin/python.
"""
import argparse
import json
import math
import pathlib
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def window_nll(model, ids):
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0].float()
    logp = torch.log_softmax(logits[:-1], -1)
    target = torch.tensor(ids[1:])
    return -logp.gather(1, target.unsqueeze(1)).double().sum().item(), len(ids) - 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--data")
    ap.add_argument("--tolerance", type=float, default=0.005)
    ap.add_argument("--remote-code", action="store_true", help="the export is sliced: expect and use remote code")
    ap.add_argument("--perplexity", type=float,
                    help="flatslice's perplexity when flatslice.json has no evaluation (e.g. from `flatslice eval`)")
    ap.add_argument("--seqlen", type=int, default=512)
    ap.add_argument("--max-tokens", type=int, default=16384)
    a = ap.parse_args()
    out = pathlib.Path(a.dir)
    meta = json.loads((out / "flatslice.json").read_text())
    config = json.loads((out / "config.json").read_text())
    has_remote = "auto_map" in config
    if has_remote != a.remote_code:
        print(f"{out}: auto_map {'present' if has_remote else 'absent'}, expected the opposite", file=sys.stderr)
        return 1
    model = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32, trust_remote_code=a.remote_code)
    model.eval()
    report = {"layers": model.config.num_hidden_layers, "class": type(model).__name__,
              "parameters": sum(p.numel() for p in model.parameters()), "remote_code": has_remote}
    ok = True

    ids = meta["self_check"].get("ids")
    if ids:
        nll, n = window_nll(model, ids)
        got = math.exp(nll / n)
        want = meta["self_check"]["perplexity_reloaded"]
        report["self_check"] = {"transformers": got, "flatslice": want, "relative": abs(got / want - 1)}
        ok &= abs(got / want - 1) <= a.tolerance

    ev = meta.get("evaluation")
    if not ev and a.perplexity and a.data:
        ev = {"data": a.data, "seqlen": a.seqlen, "max_tokens": a.max_tokens, "perplexity": a.perplexity}
    if ev:
        path = a.data or ev["data"]
        text = pathlib.Path(path).read_bytes().decode("utf-8")
        tok = AutoTokenizer.from_pretrained(out, trust_remote_code=a.remote_code)
        tokens = tok(text)["input_ids"]
        if ev.get("max_tokens"):
            tokens = tokens[: ev["max_tokens"]]
        seqlen = ev["seqlen"]
        total, count = 0.0, 0
        for start in range(0, len(tokens) - seqlen + 1, seqlen):
            nll, n = window_nll(model, tokens[start:start + seqlen])
            total += nll
            count += n
        got = math.exp(total / count)
        want = ev["perplexity"]
        report["evaluation"] = {"data": path, "transformers": got, "flatslice": want,
                                "relative": abs(got / want - 1), "predicted": count}
        ok &= abs(got / want - 1) <= a.tolerance
    report["ok"] = bool(ok)
    print(json.dumps(report, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
