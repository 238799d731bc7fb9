# SPDX-License-Identifier: GPL-3.0-or-later
"""Reference perplexity and speed of the demo model from Hugging Face transformers (outside references).

Writes tests/data/demo-eval.json with, for ../shared/data/wikitext-2-raw/wiki.test.raw tokenized once:
  - perplexity with seqlen 512 over the first 16,384 tokens (the issue's protocol) and over the first 2,048
    tokens (what the slow ctest re-checks quickly), computed twice:
      * "gguf":      model and tokenizer read by transformers itself from the GGUF (gguf_file=...), independent
                     of our converter;
      * "converted": model and tokenizer from `flatslice convert` output (needs FLATSLICE_CLI);
  - the same perplexities on exactly the ids the `tokenizers` library gives with our converted tokenizer.json
    ("tokenizers_ids": isolates the model math from tokenization; transformers' GGUF tokenizer ignores the
    "smollm" pre-tokenizer and splits numeric characters like "½" differently);
Speed is measured separately, on a quiet machine, by `./dev bench` (bench_hf.py beside `flatslice bench`).
Protocol: windows of seqlen non-overlapping, loss over every token of a window but the first (SliceGPT/FlattenGPT).
"""
import hashlib
import json
import os
import pathlib
import subprocess
import tempfile

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "wikitext-2-raw" / "wiki.test.raw"
GGUF = pathlib.Path(os.environ.get("FLATSLICE_DEMO_MODEL",
                                   pathlib.Path.home() / ".cache/flatslice/SmolLM2-135M-Instruct.Q4_1.gguf"))
CLI = os.environ.get("FLATSLICE_CLI", str(ROOT / "build/bin/flatslice"))
THREADS = 2


@torch.inference_mode()
def perplexity(model, ids, seqlen, max_tokens):
    ids = ids[:max_tokens]
    windows = len(ids) // seqlen
    nll, count = 0.0, 0
    for w in range(windows):
        x = torch.tensor(ids[w * seqlen:(w + 1) * seqlen]).unsqueeze(0)
        logits = model(x).logits.float()
        loss = torch.nn.functional.cross_entropy(logits[0, :-1], x[0, 1:], reduction="sum")
        nll += loss.item()
        count += seqlen - 1
    return {"perplexity": float(torch.exp(torch.tensor(nll / count))), "windows": windows, "predicted": count}


def main():
    torch.set_num_threads(THREADS)
    # Bytes, not read_text(): Python would turn the file's 2,891 CRLFs into LF and tokenize a different text.
    text = DATA.read_bytes().decode("utf-8")
    record = {"data": str(DATA.relative_to(ROOT.parent)), "data_sha256": hashlib.sha256(DATA.read_bytes()).hexdigest(),
              "model": GGUF.name, "transformers": transformers.__version__, "torch": torch.__version__}
    tok = AutoTokenizer.from_pretrained(str(GGUF.parent), gguf_file=GGUF.name)
    model = AutoModelForCausalLM.from_pretrained(str(GGUF.parent), gguf_file=GGUF.name, dtype=torch.float32).eval()
    ids = tok(text)["input_ids"]
    record["tokens_in_file"] = len(ids)
    record["first_ids"] = ids[:64]
    record["gguf"] = {"seqlen512_16384": perplexity(model, ids, 512, 16384),
                      "seqlen512_2048": perplexity(model, ids, 512, 2048)}
    print(json.dumps(record["gguf"]))
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "hf"
        subprocess.run([CLI, "convert", str(GGUF), "-o", str(out)], check=True)
        tok2 = AutoTokenizer.from_pretrained(str(out))
        model2 = AutoModelForCausalLM.from_pretrained(str(out), dtype=torch.float32).eval()
        ids2 = tok2(text)["input_ids"]
        record["converted_tokenization_equal"] = ids2 == ids
        record["converted"] = {"seqlen512_16384": perplexity(model2, ids2, 512, 16384),
                               "seqlen512_2048": perplexity(model2, ids2, 512, 2048)}
        # Same weights, and exactly the token ids our tokenizer produces (the `tokenizers` library on the
        # tokenizer.json we wrote, which follows llama.cpp's "smollm" pre-tokenizer): isolates the model math.
        from tokenizers import Tokenizer
        ids3 = Tokenizer.from_file(str(out / "tokenizer.json")).encode(text).ids
        record["tokenizers_ids"] = {"tokens_in_file": len(ids3), "first_ids": ids3[:64],
                                    "seqlen512_16384": perplexity(model2, ids3, 512, 16384),
                                    "seqlen512_2048": perplexity(model2, ids3, 512, 2048)}
    print(json.dumps(record["converted"]), json.dumps(record["tokenizers_ids"]["seqlen512_2048"]))
    (ROOT / "tests" / "data" / "demo-eval.json").write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
