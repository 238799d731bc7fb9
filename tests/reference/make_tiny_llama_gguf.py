# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes a tiny llama-family GGUF fixture and what Hugging Face `transformers` loads from it.

Outputs (committed, small):
  tests/data/tiny-llama/tiny-llama.gguf          2 blocks, hidden 64, 4 heads / 2 KV heads, byte-level BPE vocab
  tests/data/tiny-llama/expected.safetensors     the tensors transformers' own GGUF loader produces (HF names, f32)
  tests/data/tiny-llama/expected.json            config fields and token ids transformers reports

The GGUF is written the way llama.cpp's converter writes one: q_proj/k_proj rows permuted for GGML's RoPE
layout, weights in F32, F16, Q8_0 and Q4_0 so that un-permuting and dequantization are both exercised.
`expected.safetensors` comes from `AutoModelForCausalLM.from_pretrained(dir, gguf_file=...)`, which dequantizes
with the `gguf` package and reverses the permutation itself: an outside reference for our reader.

Run through `./dev reference` (or the reference venv's python).
"""
import json
import pathlib
import tempfile

import numpy as np
import torch
from gguf import GGUFWriter, GGMLQuantizationType, quants
from safetensors.torch import save_file
from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers
from transformers import AutoModelForCausalLM, AutoConfig, LlamaConfig, LlamaForCausalLM

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "tiny-llama"
CORPUS = ROOT.parent / "shared" / "data" / "wikitext-2" / "valid.txt"


ROPE_THETA = 10000.0  # LlamaConfig's default; transformers 5 keeps it in `rope_parameters`


def rope_theta(config):
    params = getattr(config, "rope_parameters", None) or {}
    return params.get("rope_theta", getattr(config, "rope_theta", None))


def permute(w, n_head):
    # llama.cpp convert_hf_to_gguf.py's permutation (HF rotate-half rows -> GGML interleaved pairs).
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def train_tokenizer():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=384, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    text = CORPUS.read_text(encoding="utf-8")[:200_000].splitlines()
    tok.train_from_iterator(text, trainer)
    return tok


def main():
    torch.manual_seed(0)
    np.random.seed(0)
    OUT.mkdir(parents=True, exist_ok=True)
    tok = train_tokenizer()
    spec = json.loads(tok.to_str())
    vocab = spec["model"]["vocab"]
    tokens = [None] * len(vocab)
    for t, i in vocab.items():
        tokens[i] = t
    merges = [m if isinstance(m, str) else " ".join(m) for m in spec["model"]["merges"]]

    cfg = LlamaConfig(vocab_size=len(tokens), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                      rms_norm_eps=1e-5, tie_word_embeddings=False,
                      bos_token_id=1, eos_token_id=2)
    model = LlamaForCausalLM(cfg).eval()
    sd = {k: v.detach().float().numpy() for k, v in model.state_dict().items()}
    # Norm weights are ones at init; make them distinctive so a swapped norm would show.
    for k in sd:
        if k.endswith("norm.weight"):
            sd[k] = (1.0 + 0.1 * np.random.randn(*sd[k].shape)).astype(np.float32)

    path = OUT / "tiny-llama.gguf"
    w = GGUFWriter(str(path), "llama")
    w.add_name("tiny-llama")
    w.add_context_length(cfg.max_position_embeddings)
    w.add_embedding_length(cfg.hidden_size)
    w.add_block_count(cfg.num_hidden_layers)
    w.add_feed_forward_length(cfg.intermediate_size)
    w.add_head_count(cfg.num_attention_heads)
    w.add_head_count_kv(cfg.num_key_value_heads)
    w.add_rope_freq_base(ROPE_THETA)
    w.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    w.add_rope_dimension_count(cfg.hidden_size // cfg.num_attention_heads)
    w.add_vocab_size(len(tokens))
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("smollm")
    w.add_token_list(tokens)
    w.add_token_types([3 if t.startswith("<|") else 1 for t in tokens])
    w.add_token_merges(merges)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_pad_token_id(2)
    w.add_add_bos_token(False)

    def put(name, array, qtype):
        array = np.ascontiguousarray(array.astype(np.float32))
        if qtype == GGMLQuantizationType.F32:
            w.add_tensor(name, array)
        elif qtype == GGMLQuantizationType.F16:
            w.add_tensor(name, array.astype(np.float16))
        else:
            w.add_tensor(name, quants.quantize(array, qtype), raw_shape=quants.quant_shape_to_byte_shape(array.shape, qtype), raw_dtype=qtype)

    put("token_embd.weight", sd["model.embed_tokens.weight"], GGMLQuantizationType.Q8_0)
    put("output_norm.weight", sd["model.norm.weight"], GGMLQuantizationType.F32)
    put("output.weight", sd["lm_head.weight"], GGMLQuantizationType.F16)
    for i in range(cfg.num_hidden_layers):
        p = f"model.layers.{i}."
        q = GGMLQuantizationType.Q4_0 if i == 0 else GGMLQuantizationType.Q8_0
        put(f"blk.{i}.attn_norm.weight", sd[p + "input_layernorm.weight"], GGMLQuantizationType.F32)
        put(f"blk.{i}.attn_q.weight", permute(sd[p + "self_attn.q_proj.weight"], cfg.num_attention_heads), q)
        put(f"blk.{i}.attn_k.weight", permute(sd[p + "self_attn.k_proj.weight"], cfg.num_key_value_heads), q)
        put(f"blk.{i}.attn_v.weight", sd[p + "self_attn.v_proj.weight"], q)
        put(f"blk.{i}.attn_output.weight", sd[p + "self_attn.o_proj.weight"], GGMLQuantizationType.F16)
        put(f"blk.{i}.ffn_norm.weight", sd[p + "post_attention_layernorm.weight"], GGMLQuantizationType.F32)
        put(f"blk.{i}.ffn_gate.weight", sd[p + "mlp.gate_proj.weight"], q)
        put(f"blk.{i}.ffn_up.weight", sd[p + "mlp.up_proj.weight"], q)
        put(f"blk.{i}.ffn_down.weight", sd[p + "mlp.down_proj.weight"], GGMLQuantizationType.F32)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()

    # What transformers makes of the file: the outside reference.
    loaded = AutoModelForCausalLM.from_pretrained(str(OUT), gguf_file=path.name, dtype=torch.float32)
    expected = {k: v.detach().float().contiguous() for k, v in loaded.state_dict().items()}
    save_file(expected, str(OUT / "expected.safetensors"))
    lc = loaded.config
    sample = "The 2 cats sat on 33 mats."
    json.dump({
        "config": {"num_hidden_layers": lc.num_hidden_layers, "hidden_size": lc.hidden_size,
                   "intermediate_size": lc.intermediate_size, "num_attention_heads": lc.num_attention_heads,
                   "num_key_value_heads": lc.num_key_value_heads, "vocab_size": lc.vocab_size,
                   "rms_norm_eps": lc.rms_norm_eps, "rope_theta": rope_theta(lc),
                   "max_position_embeddings": lc.max_position_embeddings,
                   "tie_word_embeddings": lc.tie_word_embeddings},
        "sample_text": sample,
        "sample_ids": tok.encode(sample).ids,
        "max_abs_diff_vs_original_f32": {
            k: float(np.abs(expected[k].numpy() - sd[k]).max()) for k in sd if k in expected},
    }, open(OUT / "expected.json", "w"), indent=1)
    print(f"wrote {path} ({path.stat().st_size} bytes) and expected.safetensors ({len(expected)} tensors)")


if __name__ == "__main__":
    main()
