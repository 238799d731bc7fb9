# SPDX-License-Identifier: GPL-3.0-or-later
"""transformers' speed on a model, measured exactly as `flatslice bench` measures ours (run by `./dev bench`).

Prefill: one forward pass over SEQLEN tokens (batch 1, logits for every position), best of 3 after a warm-up.
Decode: DECODE greedy steps with the KV cache after a SEQLEN-token prompt. f32, torch threads = THREADS.
Token ids: the same fixed pseudo-random sequence flatslice uses (speed does not depend on them).
Usage: bench_hf.py MODEL.gguf|HF_DIR [--seqlen 512] [--tokens 64] [--threads N]; prints one JSON line.
"""
import argparse
import json
import pathlib
import time

import torch
from transformers import AutoModelForCausalLM


def ids_like_flatslice(n, vocab):
    state, out = 0x9E3779B97F4A7C15, []
    for _ in range(n):
        state = (state * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        out.append((state >> 33) % vocab)
    return out


@torch.inference_mode()
def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--seqlen", type=int, default=512)
    p.add_argument("--tokens", type=int, default=64)
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    path = pathlib.Path(a.model)
    if path.suffix == ".gguf":
        model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name, dtype=torch.float32)
    else:
        model = AutoModelForCausalLM.from_pretrained(str(path), dtype=torch.float32)
    model.eval()
    x = torch.tensor(ids_like_flatslice(a.seqlen, model.config.vocab_size)).unsqueeze(0)
    model(x)
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        model(x)
        best = min(best, time.perf_counter() - t)
    out = model(x, use_cache=True)
    past, nxt = out.past_key_values, out.logits[:, -1:].argmax(-1)
    t = time.perf_counter()
    for _ in range(a.tokens):
        out = model(nxt, past_key_values=past, use_cache=True)
        past, nxt = out.past_key_values, out.logits[:, -1:].argmax(-1)
    decode = time.perf_counter() - t
    print(json.dumps({"prefill_tokens_per_s": a.seqlen / best, "decode_tokens_per_s": a.tokens / decode,
                      "seqlen": a.seqlen, "decode_tokens": a.tokens, "threads": a.threads, "dtype": "float32",
                      "attn_implementation": model.config._attn_implementation}))


if __name__ == "__main__":
    main()
