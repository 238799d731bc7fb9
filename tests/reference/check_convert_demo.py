# SPDX-License-Identifier: GPL-3.0-or-later
"""Outside check of `flatslice convert` on the demo model (run by `./dev reference`; not part of ctest).

1. Converts the demo GGUF with our CLI into a temporary directory.
2. Loads it with `transformers.AutoModelForCausalLM.from_pretrained(dir)` and `AutoTokenizer.from_pretrained(dir)`.
3. Loads the same GGUF with transformers' own GGUF loader (`from_pretrained(folder, gguf_file=...)`, which
   dequantizes with the `gguf` package and reverses llama.cpp's q/k permutation itself).
4. Requires every tensor to agree to max abs diff <= 1e-6, the config to agree, and both tokenizers to encode
   a sample text identically. Prints the worst difference and writes a JSON record to tests/data/convert-check.json.
"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = pathlib.Path(__file__).resolve().parents[2]
GGUF = pathlib.Path(os.environ.get("FLATSLICE_DEMO_MODEL",
                                   pathlib.Path.home() / ".cache/flatslice/SmolLM2-135M-Instruct.Q4_1.gguf"))
CLI = os.environ.get("FLATSLICE_CLI", str(ROOT / "build/bin/flatslice"))
SAMPLE = ("The tower is 324 metres (1,063 ft) tall, about the same height as an 81-storey building.\n"
          "def f(x):\n    return x**2  # café, naïve, 東京, 🙂\n<|im_start|>user\nHi!<|im_end|>")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "hf"
        subprocess.run([CLI, "convert", str(GGUF), "-o", str(out)], check=True)
        ours = AutoModelForCausalLM.from_pretrained(str(out), dtype=torch.float32)
        ref = AutoModelForCausalLM.from_pretrained(str(GGUF.parent), gguf_file=GGUF.name, dtype=torch.float32)
        a, b = ours.state_dict(), ref.state_dict()
        assert set(a) == set(b), f"tensor names differ: {sorted(set(a) ^ set(b))[:10]}"
        worst, worst_name = 0.0, ""
        for name in a:
            assert a[name].shape == b[name].shape, f"{name}: {tuple(a[name].shape)} vs {tuple(b[name].shape)}"
            d = (a[name].float() - b[name].float()).abs().max().item()
            if d > worst:
                worst, worst_name = d, name
        for key in ("num_hidden_layers", "hidden_size", "intermediate_size", "num_attention_heads",
                    "num_key_value_heads", "vocab_size", "rms_norm_eps", "tie_word_embeddings"):
            assert getattr(ours.config, key) == getattr(ref.config, key), key

        tok_ours = AutoTokenizer.from_pretrained(str(out))
        tok_ref = AutoTokenizer.from_pretrained(str(GGUF.parent), gguf_file=GGUF.name)
        ids_ours = tok_ours(SAMPLE)["input_ids"]
        ids_ref = tok_ref(SAMPLE)["input_ids"]
        digits_ours = tok_ours("year 2024")["input_ids"]
        record = {
            "gguf": GGUF.name,
            "tensors": len(a),
            "max_abs_diff": worst,
            "worst_tensor": worst_name,
            "layers": ours.config.num_hidden_layers,
            "hidden": ours.config.hidden_size,
            "heads": ours.config.num_attention_heads,
            "kv_heads": ours.config.num_key_value_heads,
            "tokens_ours": len(ids_ours),
            "tokens_transformers_gguf": len(ids_ref),
            "tokenizers_agree": ids_ours == ids_ref,
            "digits_ours": tok_ours.convert_ids_to_tokens(digits_ours),
            "digits_transformers_gguf": tok_ref.convert_ids_to_tokens(tok_ref("year 2024")["input_ids"]),
            "decode_roundtrip": tok_ours.decode(ids_ours) == SAMPLE,
        }
        print(json.dumps(record, indent=1, ensure_ascii=False))
        (ROOT / "tests" / "data" / "convert-check.json").write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
        if worst > 1e-6:
            sys.exit(f"FAIL: {worst_name} differs by {worst}")
        if not record["decode_roundtrip"]:
            sys.exit("FAIL: our tokenizer.json does not decode what it encodes")
        print("OK: converted tensors equal transformers' GGUF loader to", worst)


if __name__ == "__main__":
    main()
