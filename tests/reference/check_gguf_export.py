#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reads a GGUF written by flatslice's GgufExporter with the `gguf` package and checks it as llama.cpp would see it.

usage: check_gguf_export.py FILE [--source SRC.gguf] [--tokens N]

Checks (exit 1 on any failure):
  - general.architecture is "llama", the llama.* hyperparameters llama.cpp needs are present and consistent, the
    tokenizer.* keys are present (and equal to the source's with --source);
  - every tensor llama.cpp's llama loader expects is there with the shape the metadata implies, 1-D tensors are F32,
    tensor data is aligned to general.alignment;
  - with --source: every tensor present in both with the same shape is dequantized (gguf.quants.dequantize) and
    compared; both files hold llama.cpp's q/k layout, so an F32 export of a dense model must equal the source's
    dequantized values exactly, and F16/BF16/Q8_0 exports must be within that type's rounding.
Then, if `llama_cpp` (llama-cpp-python) is importable, a short perplexity of the first --tokens tokens of a fixed
text with llama.cpp itself (and of the source, with --source); otherwise it says that this was skipped. Independently
of llama.cpp, with --source, transformers (which reads GGUF through the same gguf package and undoes the q/k
permutation itself) computes the same perplexity on both files.
Run with /root/.cache/flatslice/reference-venv/bin/python.
"""
import argparse
import json
import math
import sys

import numpy as np
from gguf import GGUFReader, GGMLQuantizationType
from gguf.quants import dequantize

TEXT = ("The tower is 324 metres tall, about the same height as an 81-storey building, and the tallest structure in "
        "Paris. Its base is square, measuring 125 metres on each side. During its construction, the Eiffel Tower "
        "surpassed the Washington Monument to become the tallest man-made structure in the world, a title it held "
        "for 41 years until the Chrysler Building in New York City was finished in 1930.")

failures = []


def check(ok, message):
    print(("ok    " if ok else "FAIL  ") + message)
    if not ok:
        failures.append(message)


def field(reader, key):
    f = reader.fields.get(key)
    return None if f is None else f.contents()


def tensors(reader):
    return {t.name: t for t in reader.tensors}


def torch_shape(t):
    return tuple(int(d) for d in reversed(t.shape.tolist()))  # gguf stores ne (row length first)


def values(t):
    return np.asarray(dequantize(t.data, t.tensor_type), dtype=np.float32).reshape(torch_shape(t))


def check_structure(reader):
    check(field(reader, "general.architecture") == "llama", f"general.architecture = {field(reader, 'general.architecture')!r}")
    meta = {}
    for key in ["context_length", "embedding_length", "block_count", "feed_forward_length", "attention.head_count",
                "attention.head_count_kv", "attention.layer_norm_rms_epsilon", "rope.freq_base",
                "rope.dimension_count", "vocab_size"]:
        meta[key] = field(reader, "llama." + key)
        check(meta[key] is not None, f"llama.{key} = {meta[key]}")
    for key in ["tokenizer.ggml.model", "tokenizer.ggml.tokens"]:
        check(field(reader, key) is not None, f"{key} present")
    alignment = field(reader, "general.alignment") or 32
    n_layers, d, ffn = meta["block_count"], meta["embedding_length"], meta["feed_forward_length"]
    heads, kv_heads = meta["attention.head_count"], meta["attention.head_count_kv"]
    head_dim = field(reader, "llama.attention.key_length") or d // heads
    vocab = meta["vocab_size"]
    check(meta["rope.dimension_count"] == head_dim, f"rope.dimension_count {meta['rope.dimension_count']} = head_dim {head_dim}")
    check(len(field(reader, "tokenizer.ggml.tokens")) == vocab, f"{vocab} tokens in the vocabulary")
    expected = {"token_embd.weight": (vocab, d), "output_norm.weight": (d,)}
    for i in range(n_layers):
        p = f"blk.{i}."
        expected.update({p + "attn_norm.weight": (d,), p + "attn_q.weight": (heads * head_dim, d),
                         p + "attn_k.weight": (kv_heads * head_dim, d), p + "attn_v.weight": (kv_heads * head_dim, d),
                         p + "attn_output.weight": (d, heads * head_dim), p + "ffn_norm.weight": (d,),
                         p + "ffn_gate.weight": (ffn, d), p + "ffn_up.weight": (ffn, d), p + "ffn_down.weight": (d, ffn)})
    have = tensors(reader)
    if "output.weight" in have:
        expected["output.weight"] = (vocab, d)
    bad_shapes = [n for n, s in expected.items() if n not in have or torch_shape(have[n]) != s]
    check(not bad_shapes, f"{len(expected)} llama tensors with the shapes the metadata implies"
          + (f" (wrong or missing: {bad_shapes[:5]})" if bad_shapes else ""))
    extra = sorted(set(have) - set(expected))
    check(not [n for n in extra if not n.endswith(".bias")], f"no unexpected tensors {extra[:5] if extra else ''}")
    not_f32 = [n for n, t in have.items() if len(t.shape) == 1 and t.tensor_type != GGMLQuantizationType.F32]
    check(not not_f32, "1-D tensors are F32" + (f" (not: {not_f32[:5]})" if not_f32 else ""))
    misaligned = [t.name for t in reader.tensors if t.data_offset % alignment]
    check(not misaligned, f"tensor data aligned to {alignment}")
    types = {}
    for t in reader.tensors:
        types[t.tensor_type.name] = types.get(t.tensor_type.name, 0) + 1
    print(f"      tied head: {'output.weight' not in have}; tensor types: {types}")
    provenance = field(reader, "flatslice.provenance")
    if provenance is not None:
        p = json.loads(provenance)
        print(f"      flatslice.provenance: {json.dumps(p.get('export', {}))}")


# Half a quantization step of a Q8_0 block (plus its f16 scale's rounding), relative to the block's max |x|.
STEP = {"F32": 0.0, "F16": 2.0 ** -11, "BF16": 2.0 ** -8, "Q8_0": 0.5 / 127 + 2.0 ** -10}


def layer_map(reader):
    """Export layer -> source block for a compressed export (from flatslice.provenance): kept blocks map to their
    original index, flattened groups to None (new weights, nothing to compare). None when nothing was removed."""
    provenance = field(reader, "flatslice.provenance")
    plan = json.loads(provenance).get("plan", {}) if provenance else {}
    flatten, drop = plan.get("flatten") or [], set(plan.get("drop") or [])
    if not flatten and not drop:
        return None
    merged = {b for g in flatten for b in g[1:]}
    starts = {g[0] for g in flatten}
    layers = int(field(reader, "llama.block_count"))
    kept = [b for b in range(layers + len(drop) + len(merged)) if b not in drop and b not in merged]
    return {i: (None if b in starts else b) for i, b in enumerate(kept)}


def compare_with_source(reader, source):
    src = tensors(source)
    mapping = layer_map(reader)
    if mapping is not None:
        print(f"      compressed export: layers compared with source blocks "
              f"{ {i: b for i, b in mapping.items() if b is not None and i != b} } (renumbered), flattened skipped")
    for key in ["tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.ggml.model", "tokenizer.ggml.pre"]:
        if field(source, key) is not None:
            check(field(reader, key) == field(source, key), f"{key} equals the source's")
    worst = {}
    compared = 0
    for t in reader.tensors:
        name = t.name
        if mapping is not None and name.startswith("blk."):
            index = int(name.split(".")[1])
            if mapping.get(index) is None:
                continue
            name = f"blk.{mapping[index]}." + name.split(".", 2)[2]
        s = src.get(name)
        if s is None or torch_shape(s) != torch_shape(t):
            continue
        a, b = values(s), values(t)
        compared += 1
        kind = t.tensor_type.name
        if kind == "F32":
            bad = not np.array_equal(a, b)
            err = float(np.max(np.abs(a - b))) if a.size else 0.0
        else:
            rows = a.reshape(-1, 32) if kind == "Q8_0" else a.reshape(-1, 1)
            scale = np.max(np.abs(rows), axis=1, keepdims=True)
            err = float(np.max(np.abs(a.reshape(rows.shape) - b.reshape(rows.shape)) / np.maximum(scale, 1e-30)))
            bad = err > STEP.get(kind, 1.0) * 1.01
        prev = worst.get(kind, (0.0, 0))
        worst[kind] = (max(prev[0], err), prev[1] + 1)
        if bad:
            check(False, f"{t.name} ({kind}) differs from the source: {err:.3g}")
    for kind, (err, n) in sorted(worst.items()):
        what = "max |diff|" if kind == "F32" else "max |diff| / block max|x|"
        check(True, f"{n} {kind} tensors match the source's dequantized values ({what} {err:.3g}, bound {STEP.get(kind, 0):.3g})")
    check(compared > 0, f"{compared} tensors compared with the source")


def llama_cpp_perplexity(path, n_tokens):
    import llama_cpp

    llm = llama_cpp.Llama(model_path=path, n_ctx=max(64, n_tokens), logits_all=True, verbose=False)
    ids = llm.tokenize(TEXT.encode(), add_bos=False)[:n_tokens]
    llm.eval(ids)
    logits = np.asarray(llm.scores[: len(ids)], dtype=np.float64)
    logp = logits - np.log(np.sum(np.exp(logits - logits.max(1, keepdims=True)), 1, keepdims=True)) - logits.max(1, keepdims=True)
    nll = -np.mean([logp[i, ids[i + 1]] for i in range(len(ids) - 1)])
    return math.exp(nll), len(ids)


def transformers_perplexity(path, n_tokens):
    import os

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, name = os.path.split(os.path.abspath(path))
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32).eval()
    ids = tokenizer(TEXT, add_special_tokens=False)["input_ids"][:n_tokens]
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0].double()
    logp = torch.log_softmax(logits[:-1], -1)
    nll = -logp.gather(1, torch.tensor(ids[1:]).unsqueeze(1)).mean().item()
    return math.exp(nll), len(ids)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--source")
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--cli", help="flatslice binary: for a compressed export, compare transformers' perplexity with "
                                  "`flatslice eval` of the same file on the same text")
    a = ap.parse_args()
    reader = GGUFReader(a.file)
    print(f"file  {a.file}: GGUF v{field(reader, 'GGUF.version')}, {len(reader.tensors)} tensors, "
          f"name {field(reader, 'general.name')!r}, file_type {field(reader, 'general.file_type')}")
    check_structure(reader)
    if a.source:
        compare_with_source(reader, GGUFReader(a.source))

    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        print("skip  llama_cpp (llama-cpp-python) is not importable: perplexity with llama.cpp skipped")
    else:
        ppl, n = llama_cpp_perplexity(a.file, a.tokens)
        print(f"      llama.cpp perplexity {ppl:.4f} on {n} tokens")
        if a.source:
            ref, _ = llama_cpp_perplexity(a.source, a.tokens)
            print(f"      llama.cpp perplexity of the source {ref:.4f}")
    if a.source:
        try:
            ppl, n = transformers_perplexity(a.file, a.tokens)
            ref, _ = transformers_perplexity(a.source, a.tokens)
        except Exception as e:  # an optional cross-check: say why it did not run
            print(f"skip  transformers GGUF cross-check: {type(e).__name__}: {e}")
        else:
            print(f"      transformers perplexity {ppl:.4f} (source {ref:.4f}) on {n} tokens")
            if layer_map(reader) is None:
                check(abs(ppl / ref - 1) < 0.05, "transformers reads the export with perplexity within 5% of the source's")
            elif a.cli:
                import subprocess
                import tempfile
                with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
                    f.write(TEXT)
                out = subprocess.run([a.cli, "eval", a.file, "--data", f.name, "--seqlen", str(n), "--max-tokens",
                                      str(n), "--json"], capture_output=True, text=True, check=True).stdout
                ours = json.loads(out)["perplexity"]
                print(f"      flatslice eval of the export on the same text: {ours:.4f}")
                check(abs(ppl / ours - 1) < 0.005, "transformers and flatslice agree on the compressed export (0.5%)")
            else:
                print("      compressed export: pass --cli to compare with flatslice's perplexity on the same text")

    print("FAILED: " + "; ".join(failures) if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
