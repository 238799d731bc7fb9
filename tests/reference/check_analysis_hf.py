# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks `flatslice analyze` against Hugging Face transformers hooks on the demo model (outside reference).

Runs `flatslice analyze MODEL --calib FILE --samples N --seqlen L --json` (or reads a saved --json output with
--json-file), re-tokenizes the calibration file with transformers' own tokenizer from the same GGUF, takes exactly the
windows flatslice reports (offsets in the JSON; the sha256 of their token ids must match), runs each window through
`AutoModelForCausalLM.from_pretrained(dir_of_gguf, gguf_file=name)` in float32 with hooks on every decoder layer, and
recomputes per block:
  - cos(in, out): mean over all calibration tokens of the cosine between the hidden state entering the layer and
    the one leaving it (ShortGPT / FlattenGPT's criterion; float64 on the hooked float32 tensors);
  - the attention-input second-moment trace tr(X^T X) / n of the residual entering the layer (the input of its
    input_layernorm, SliceGPT's PCA signal), and the same for the MLP input (the input of post_attention_layernorm).
Every value must agree with flatslice's within 1e-3 relative. Prints a table and exits 1 on any mismatch.
The h5py check: when --session is given (or the run writes one), the session is opened with h5py and its per-block
eigenvalue sums must equal the JSON traces.

usage: check_analysis_hf.py [--samples 4] [--seqlen 128] [--calib FILE] [--json-file OUT.json] [--session S.h5]
environment: FLATSLICE_CLI (default build/app/flatslice), FLATSLICE_DEMO_MODEL (default the cached GGUF)
Run with the reference venv: /root/.cache/flatslice/reference-venv/bin/python tests/reference/check_analysis_hf.py
"""
import argparse
import hashlib
import json
import os
import pathlib
import struct
import subprocess
import sys
import tempfile

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = pathlib.Path(__file__).resolve().parents[2]
CALIB = ROOT.parent / "shared" / "data" / "wikitext-2" / "valid.txt"
GGUF = pathlib.Path(os.environ.get("FLATSLICE_DEMO_MODEL",
                                   pathlib.Path.home() / ".cache/flatslice/SmolLM2-135M-Instruct.Q4_1.gguf"))
CLI = os.environ.get("FLATSLICE_CLI", str(ROOT / "build/app/flatslice"))
TOLERANCE = 1e-3
THREADS = 2


def run_flatslice(args, session):
    command = [CLI, "analyze", str(GGUF), "--calib", str(args.calib), "--samples", str(args.samples),
               "--seqlen", str(args.seqlen), "--seed", str(args.seed), "--threads", str(THREADS), "--json"]
    if session:
        command += ["-o", str(session)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def ids_sha256(windows):
    data = b"".join(struct.pack("<%di" % len(w), *w) for w in windows)
    return hashlib.sha256(data).hexdigest()


@torch.inference_mode()
def hf_statistics(model, windows):
    layers = model.model.layers
    n_layers = len(layers)
    cos_sum = [0.0] * n_layers
    attn_trace = [0.0] * n_layers
    mlp_trace = [0.0] * n_layers
    seen = {}

    def pre_hook(index):
        def hook(module, args, kwargs):
            x = args[0] if args else kwargs["hidden_states"]
            seen[("in", index)] = x.detach().double()
        return hook

    def post_hook(index):
        def hook(module, args, kwargs, output):
            y = output[0] if isinstance(output, tuple) else output
            seen[("out", index)] = y.detach().double()
        return hook

    def mlp_norm_hook(index):
        def hook(module, args):
            seen[("mid", index)] = args[0].detach().double()
        return hook

    handles = []
    for i, layer in enumerate(layers):
        handles.append(layer.register_forward_pre_hook(pre_hook(i), with_kwargs=True))
        handles.append(layer.register_forward_hook(post_hook(i), with_kwargs=True))
        handles.append(layer.post_attention_layernorm.register_forward_pre_hook(mlp_norm_hook(i)))
    tokens = 0
    for w in windows:
        model(torch.tensor(w).unsqueeze(0), use_cache=False)
        for i in range(n_layers):
            x = seen[("in", i)].reshape(-1, seen[("in", i)].shape[-1])
            y = seen[("out", i)].reshape(-1, x.shape[-1])
            m = seen[("mid", i)].reshape(-1, x.shape[-1])
            cos_sum[i] += torch.nn.functional.cosine_similarity(x, y, dim=-1).sum().item()
            attn_trace[i] += (x * x).sum().item()
            mlp_trace[i] += (m * m).sum().item()
        tokens += len(w)
    for h in handles:
        h.remove()
    return ([c / tokens for c in cos_sum], [t / tokens for t in attn_trace], [t / tokens for t in mlp_trace])


def relative(a, b):
    return abs(a - b) / max(abs(b), 1e-30)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--seqlen", type=int, default=128)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--calib", type=pathlib.Path, default=CALIB)
    parser.add_argument("--json-file", type=pathlib.Path, help="a saved `flatslice analyze --json` output")
    parser.add_argument("--session", type=pathlib.Path, help="session written by that run (checked with h5py)")
    args = parser.parse_args()
    torch.set_num_threads(THREADS)

    with tempfile.TemporaryDirectory() as scratch:
        session = args.session
        if args.json_file:
            ours = json.loads(args.json_file.read_text())
        else:
            session = session or pathlib.Path(scratch) / "check.flatslice.h5"
            ours = run_flatslice(args, session)
        calib = pathlib.Path(ours["protocol"]["corpus"])
        text = calib.read_text(encoding="utf-8")
        tok = AutoTokenizer.from_pretrained(str(GGUF.parent), gguf_file=GGUF.name)
        ids = tok(text)["input_ids"]
        if len(ids) != ours["protocol"]["corpus_tokens"]:
            sys.exit(f"token count differs: transformers {len(ids)}, flatslice {ours['protocol']['corpus_tokens']}")
        seqlen = ours["protocol"]["seqlen"]
        windows = [ids[o:o + seqlen] for o in ours["windows"]["offsets"]]
        if ids_sha256(windows) != ours["windows"]["ids_sha256"]:
            sys.exit("the windows' token ids differ between transformers and flatslice")

        model = AutoModelForCausalLM.from_pretrained(str(GGUF.parent), gguf_file=GGUF.name,
                                                     dtype=torch.float32).eval()
        cos, attn, mlp = hf_statistics(model, windows)

        worst = {"cos": 0.0, "attn_trace": 0.0, "mlp_trace": 0.0}
        print(f"{len(windows)} windows x {seqlen} tokens of {calib.name}, offsets {ours['windows']['offsets'][:8]}...")
        print("block   cos flatslice    cos HF      rel   attn tr flatslice   attn tr HF      rel   mlp tr rel")
        for i, block in enumerate(ours["blocks"]):
            rc = relative(block["cos_in_out"], cos[i])
            ra = relative(block["attn_input_trace"], attn[i])
            rm = relative(block["mlp_input_trace"], mlp[i])
            worst["cos"] = max(worst["cos"], rc)
            worst["attn_trace"] = max(worst["attn_trace"], ra)
            worst["mlp_trace"] = max(worst["mlp_trace"], rm)
            print(f"{i:5d}  {block['cos_in_out']:12.6f} {cos[i]:10.6f}  {rc:7.1e}  {block['attn_input_trace']:17.4f} "
                  f"{attn[i]:12.4f}  {ra:7.1e}  {rm:7.1e}")
        print("worst relative difference:", {k: f"{v:.2e}" for k, v in worst.items()})

        if session and session.exists():
            import h5py
            with h5py.File(session, "r") as f:
                for i, block in enumerate(ours["blocks"]):
                    g = f["blocks"][f"{i:03d}"]
                    s = float(g["attn_eigenvalues"][()].sum())
                    worst["h5_attn_trace"] = max(worst.get("h5_attn_trace", 0.0),
                                                 relative(s, block["attn_input_trace"]))
            print(f"session {session.name} read with h5py: eigenvalue sums match the JSON traces to "
                  f"{worst['h5_attn_trace']:.1e}")

        failed = [k for k, v in worst.items() if v > TOLERANCE]
        if failed:
            sys.exit(f"FAIL: {failed} beyond {TOLERANCE} relative")
        print(f"OK: flatslice agrees with transformers within {TOLERANCE} relative")


if __name__ == "__main__":
    main()
