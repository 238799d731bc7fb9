# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes a tiny random checkpoint of each supported model family with golden outputs from `transformers`.

Outputs (committed, a few hundred KB each), one directory per family under tests/data/families/:
  llama/  llama-tied/  mistral/  qwen2/  qwen3/  opt/  gpt2/  phi/
each holding
  config.json, model.safetensors, generation_config.json
      exactly what `model.save_pretrained(dir, safe_serialization=True)` writes for a float32 model
  golden.safetensors   (safetensors.torch.save_file)
      input_ids              int64 [2, T]    T = 12; row 1 holds 7 real tokens, then right padding (pad id 0)
      attention_mask         int64 [2, T]    1 = real token, 0 = padding
      logits                 f32 [2, T, V]   model(input_ids, attention_mask=attention_mask).logits
      hidden_states.{i}      f32 [2, T, H]   i = 0..L, from output_hidden_states=True; 0..L-1 are the inputs of
                                             blocks 0..L-1, L is the output of the final norm (see golden.json)
      final_norm_input       f32 [2, T, H]   the last block's output, before the final norm (forward hook)
      logits_unpadded_row0   f32 [T, V]      row 0 run alone (batch 1, all-ones mask)
      logits_unpadded_row1   f32 [7, V]      row 1's 7 real tokens run alone (batch 1, no padding)
  golden.json          family, architecture, config summary, T, which hidden-state indices are before/after the
                       final norm, library versions, max |logit|, the padded-vs-alone differences, tensor names

Every family is built `from_config` (eval mode, float32, attn_implementation="eager") and then re-initialised from
a fixed per-family seed at scales that keep the outputs sensitive to mistakes: linear weights N(0, 1/fan_in),
embeddings N(0, 0.1^2), every bias N(0, 0.05^2), norm weights 1 + N(0, 0.1^2), so a missing bias, a swapped or
missing norm, wrong RoPE or a wrong mask changes the logits far beyond the 1e-4 tolerance of the C++ tests.
The script checks that `AutoModelForCausalLM.from_pretrained(dir)` reproduces the logits bit for bit and that
hidden_states / final_norm_input agree with hooks on the blocks and the final norm.
Re-running writes the same bytes (single thread, fixed seeds, fixed library versions).

Run through `./dev reference` (which runs every tests/reference/make_*.py), or directly:
  ~/.cache/flatslice/reference-venv/bin/python tests/reference/make_family_goldens.py [FAMILY ...]
"""
import json
import pathlib
import shutil
import sys
import zlib

import torch
import transformers
from safetensors.torch import save_file
from transformers import (AutoModelForCausalLM, GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM,
                          MistralConfig, MistralForCausalLM, OPTConfig, OPTForCausalLM, PhiConfig, PhiForCausalLM,
                          Qwen2Config, Qwen2ForCausalLM, Qwen3Config, Qwen3ForCausalLM)
from transformers.pytorch_utils import Conv1D
from transformers.utils import logging as hf_logging

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "families"

T = 12            # tokens per row
ROW1_LEN = 7      # real tokens in the padded row
PAD_ID = 0
COMMON = dict(pad_token_id=PAD_ID, bos_token_id=1, eos_token_id=2)
HF_FILES = ("config.json", "model.safetensors", "generation_config.json")


def make_llama():
    rope = {"rope_type": "llama3", "rope_theta": 10000.0, "factor": 8.0, "low_freq_factor": 1.0,
            "high_freq_factor": 4.0, "original_max_position_embeddings": 32}
    cfg = LlamaConfig(vocab_size=192, hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=128,
                      rms_norm_eps=1e-5, rope_parameters=rope, tie_word_embeddings=False, **COMMON)
    return LlamaForCausalLM, cfg


def make_llama_tied():
    cfg = LlamaConfig(vocab_size=128, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=4, head_dim=32, max_position_embeddings=64,
                      rms_norm_eps=1e-6, rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
                      tie_word_embeddings=True, **COMMON)
    return LlamaForCausalLM, cfg


def make_mistral():
    cfg = MistralConfig(vocab_size=160, hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                        num_attention_heads=4, num_key_value_heads=1, max_position_embeddings=128,
                        rms_norm_eps=1e-5, rope_parameters={"rope_type": "default", "rope_theta": 1000000.0},
                        sliding_window=None, tie_word_embeddings=False, **COMMON)
    return MistralForCausalLM, cfg


def make_qwen2():
    cfg = Qwen2Config(vocab_size=144, hidden_size=64, intermediate_size=144, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                      rms_norm_eps=1e-6, rope_parameters={"rope_type": "default", "rope_theta": 1000000.0},
                      use_sliding_window=False, tie_word_embeddings=False, **COMMON)
    return Qwen2ForCausalLM, cfg


def make_qwen3():
    cfg = Qwen3Config(vocab_size=136, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=128,
                      rms_norm_eps=1e-6, rope_parameters={"rope_type": "default", "rope_theta": 1000000.0},
                      use_sliding_window=False, attention_bias=False, tie_word_embeddings=False, **COMMON)
    return Qwen3ForCausalLM, cfg


def make_opt():
    cfg = OPTConfig(vocab_size=176, hidden_size=64, ffn_dim=128, num_hidden_layers=2, num_attention_heads=4,
                    max_position_embeddings=64, do_layer_norm_before=True, word_embed_proj_dim=64,
                    activation_function="relu", dropout=0.0, attention_dropout=0.0, enable_bias=True,
                    tie_word_embeddings=True, **COMMON)
    return OPTForCausalLM, cfg


def make_gpt2():
    cfg = GPT2Config(vocab_size=144, n_positions=64, n_embd=64, n_layer=2, n_head=4, n_inner=None,
                     activation_function="gelu_new", resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                     layer_norm_epsilon=1e-5, tie_word_embeddings=True, **COMMON)
    return GPT2LMHeadModel, cfg


def make_phi():
    cfg = PhiConfig(vocab_size=152, hidden_size=64, intermediate_size=192, num_hidden_layers=2,
                    num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=128,
                    layer_norm_eps=1e-5, hidden_act="gelu_new", resid_pdrop=0.0, embd_pdrop=0.0,
                    attention_dropout=0.0, qk_layernorm=False, tie_word_embeddings=False,
                    rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "partial_rotary_factor": 0.5},
                    **COMMON)
    return PhiForCausalLM, cfg


FAMILIES = {
    "llama": make_llama,
    "llama-tied": make_llama_tied,
    "mistral": make_mistral,
    "qwen2": make_qwen2,
    "qwen3": make_qwen3,
    "opt": make_opt,
    "gpt2": make_gpt2,
    "phi": make_phi,
}


def parts(model):
    """(blocks, final norm) of each family's module tree."""
    base = getattr(model, "model", None) or model.transformer
    base = getattr(base, "decoder", base)          # OPT: model.decoder
    blocks = getattr(base, "layers", None) or base.h
    norm = next(getattr(base, n) for n in ("norm", "final_layer_norm", "final_layernorm", "ln_f") if hasattr(base, n))
    return blocks, norm


def is_norm(module):
    return isinstance(module, torch.nn.LayerNorm) or type(module).__name__.endswith("RMSNorm")


@torch.no_grad()
def reinit(model, seed):
    """Deterministic re-initialisation at scales where mistakes show (see the docstring)."""
    g = torch.Generator().manual_seed(seed)

    def randn(p):
        return torch.randn(p.shape, generator=g, dtype=torch.float32)

    done = set()
    for name, module in model.named_modules():
        own = [(n, p) for n, p in module.named_parameters(recurse=False) if id(p) not in done]
        if not own:
            continue
        for n, p in own:
            if is_norm(module):
                value = 1.0 + 0.1 * randn(p) if n == "weight" else 0.05 * randn(p)
            elif isinstance(module, torch.nn.Embedding):
                value = 0.1 * randn(p)
            elif isinstance(module, (torch.nn.Linear, Conv1D)):
                if n == "weight":
                    fan_in = p.shape[1] if isinstance(module, torch.nn.Linear) else p.shape[0]   # Conv1D: [in, out]
                    value = randn(p) / fan_in ** 0.5
                else:
                    value = 0.05 * randn(p)
            else:
                raise RuntimeError(f"no initialisation rule for {name}.{n} ({type(module).__name__})")
            p.copy_(value)
            done.add(id(p))
    missing = [n for n, p in model.named_parameters() if id(p) not in done]
    if missing:
        raise RuntimeError(f"parameters left at their default init: {missing}")


def make_inputs(vocab, seed):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(3, vocab, (2, T), generator=g, dtype=torch.int64)   # real tokens avoid pad/bos/eos ids
    mask = torch.ones(2, T, dtype=torch.int64)
    ids[1, ROW1_LEN:] = PAD_ID
    mask[1, ROW1_LEN:] = 0
    return ids, mask


@torch.no_grad()
def run(model, ids, mask):
    """Logits, hidden_states and the hooked block inputs / final-norm input and output."""
    blocks, norm = parts(model)
    seen = {}
    hooks = [b.register_forward_pre_hook(
        lambda m, args, kwargs, i=i: seen.__setitem__(f"block_in.{i}", (args[0] if args else kwargs["hidden_states"]).clone()),
        with_kwargs=True) for i, b in enumerate(blocks)]
    hooks.append(norm.register_forward_hook(
        lambda m, args, out: seen.update(norm_in=args[0].clone(), norm_out=out.clone())))
    try:
        out = model(input_ids=ids, attention_mask=mask, output_hidden_states=True, use_cache=False)
    finally:
        for h in hooks:
            h.remove()
    return out.logits, out.hidden_states, seen


def config_summary(cfg):
    d = cfg.to_dict()
    keys = ["model_type", "vocab_size", "hidden_size", "n_embd", "num_hidden_layers", "n_layer",
            "num_attention_heads", "n_head", "num_key_value_heads", "head_dim", "intermediate_size", "ffn_dim",
            "n_inner", "hidden_act", "activation_function", "rms_norm_eps", "layer_norm_eps", "layer_norm_epsilon",
            "max_position_embeddings", "n_positions", "rope_parameters", "partial_rotary_factor", "sliding_window",
            "use_sliding_window", "attention_bias", "mlp_bias", "qk_layernorm", "do_layer_norm_before",
            "word_embed_proj_dim", "enable_bias", "layer_norm_elementwise_affine", "_remove_final_layer_norm",
            "tie_word_embeddings", "pad_token_id", "bos_token_id", "eos_token_id"]
    return {k: d[k] for k in keys if k in d}


def norm_info(model):
    """Kind and epsilon of every norm module, read off the built model (not the config)."""
    kinds, eps = set(), set()
    for name, m in model.named_modules():
        if is_norm(m):
            kinds.add(type(m).__name__)
            eps.add(float(getattr(m, "eps", None) or getattr(m, "variance_epsilon")))
    assert len(eps) == 1, eps
    return {"modules": sorted(kinds), "eps": eps.pop()}


def rope_info(model):
    """RoPE as the built model applies it: rotated dims per head and the inverse frequencies (None: no RoPE)."""
    rotary = next((m for n, m in model.named_modules() if n.endswith("rotary_emb")), None)
    if rotary is None:
        return None
    inv_freq = rotary.inv_freq.float()
    return {"rotary_dims_per_head": 2 * inv_freq.numel(), "attention_scaling": float(rotary.attention_scaling),
            "inv_freq": [float(x) for x in inv_freq],
            "layout": "rotate-half within the first rotary_dims of each head: pairs (j, j + rotary_dims/2)"}


POSITIONS = {
    "opt": "position = cumsum(attention_mask) * attention_mask - 1 (padding -> -1), row = position + 2 in "
           "model.decoder.embed_positions.weight (padded tokens read row 1)",
    "gpt2": "position = arange(T) for every row, padding ignored; row = position in transformer.wpe.weight",
}
ROPE_POSITIONS = "position = arange(T) for every row, padding ignored (HF forward without position_ids)"
MASK = ("query q attends key k iff k <= q and attention_mask[k] == 1; a padded query still attends the real keys "
        "before it, so logits at padded positions are finite and depend on the mask (and, for OPT, on the padded "
        "position rows); with right padding the real tokens' logits do not depend on the mask at all")


def max_abs(a, b):
    return float((a - b).abs().max())


def build(name, make):
    seed = zlib.crc32(name.encode())
    cls, cfg = make()
    cfg._attn_implementation = "eager"
    torch.manual_seed(seed)
    model = cls(cfg).eval().to(torch.float32)
    reinit(model, seed)
    n_layers, vocab = cfg.num_hidden_layers, cfg.vocab_size

    ids, mask = make_inputs(vocab, seed + 1)
    logits, hs, seen = run(model, ids, mask)
    alone0, _, _ = run(model, ids[:1], mask[:1])
    alone1, _, _ = run(model, ids[1:, :ROW1_LEN], mask[1:, :ROW1_LEN])
    assert logits.shape == (2, T, vocab) and logits.dtype == torch.float32, logits.shape
    assert len(hs) == n_layers + 1, len(hs)

    # Which hidden states are which: 0..L-1 must be the block inputs; L is either side of the final norm.
    for i in range(n_layers):
        assert torch.equal(hs[i], seen[f"block_in.{i}"]), f"{name}: hidden_states[{i}] is not block {i}'s input"
    last_is_post = torch.equal(hs[n_layers], seen["norm_out"])
    last_is_pre = torch.equal(hs[n_layers], seen["norm_in"])
    assert last_is_post != last_is_pre, f"{name}: hidden_states[{n_layers}] matches neither side of the final norm"

    d = OUT / name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    model.save_pretrained(d, safe_serialization=True)
    unexpected = sorted(p.name for p in d.iterdir() if p.name not in HF_FILES)
    assert not unexpected, f"{name}: save_pretrained wrote unexpected files {unexpected}"

    golden = {"input_ids": ids, "attention_mask": mask, "logits": logits.contiguous(),
              "final_norm_input": seen["norm_in"].contiguous(),
              "logits_unpadded_row0": alone0[0].contiguous(), "logits_unpadded_row1": alone1[0].contiguous()}
    for i, h in enumerate(hs):
        golden[f"hidden_states.{i}"] = h.contiguous()
    save_file(golden, str(d / "golden.safetensors"))

    # The saved directory must give back exactly the same model.
    reloaded = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32, attn_implementation="eager").eval()
    sd, sd2 = model.state_dict(), reloaded.state_dict()
    assert sd.keys() == sd2.keys() and all(torch.equal(sd[k], sd2[k]) for k in sd), f"{name}: state dict differs"
    logits2, hs2, _ = run(reloaded, ids, mask)
    assert torch.equal(logits, logits2), f"{name}: reloaded logits differ by {max_abs(logits, logits2)}"
    assert all(torch.equal(a, b) for a, b in zip(hs, hs2)), f"{name}: reloaded hidden states differ"

    with open(d / "model.safetensors", "rb") as f:
        header_len = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(header_len))
    stored = {k: v["shape"] for k, v in sorted(header.items()) if k != "__metadata__"}

    info = {
        "family": name,
        "architecture": type(model).__name__,
        "model_type": cfg.model_type,
        "config": config_summary(cfg),
        "T": T,
        "row_lengths": [T, ROW1_LEN],
        "pad_id": PAD_ID,
        "num_layers": n_layers,
        "hidden_states": {
            "count": n_layers + 1,
            "pre_final_norm": list(range(n_layers)) + ([n_layers] if last_is_pre else []),
            "post_final_norm": [n_layers] if last_is_post else [],
            "meaning": "hidden_states.i for i < L is the input of block i (0 = embeddings); hidden_states.L is "
                       + ("the final norm's output" if last_is_post else "the last block's output (before the final norm)")
                       + "; final_norm_input is the last block's output",
        },
        "tied_embeddings": bool(cfg.tie_word_embeddings),
        "norm": norm_info(model),
        "rope": rope_info(model),
        "positions": POSITIONS.get(cfg.model_type, ROPE_POSITIONS),
        "attention_mask": MASK,
        "model_safetensors_tensors": stored,
        "max_abs_logit": float(logits.abs().max()),
        "max_abs_logit_real_tokens": float(logits[mask.bool()].abs().max()),
        "diff_row0_batched_vs_alone": max_abs(logits[0], alone0[0]),
        "diff_row1_real_batched_vs_alone": max_abs(logits[1, :ROW1_LEN], alone1[0]),
        "seed": seed,
        "versions": {"transformers": transformers.__version__, "torch": torch.__version__.split("+")[0]},
    }
    (d / "golden.json").write_text(json.dumps(info, indent=2) + "\n")

    files = sorted(p for p in d.iterdir())
    total = sum(p.stat().st_size for p in files)
    listing = ", ".join(f"{p.name} {p.stat().st_size / 1024:.1f}K" for p in files)
    print(f"{name:11s} {type(model).__name__:18s} {total / 1024:6.1f} KiB  [{listing}]  "
          f"max|logit| {info['max_abs_logit']:.4f}  hidden_states[{n_layers}] "
          f"{'post' if last_is_post else 'pre'}-norm", flush=True)


def main(argv):
    hf_logging.disable_progress_bar()
    torch.set_num_threads(1)               # single-threaded reductions: the same bytes on every run
    torch.use_deterministic_algorithms(True)
    names = argv or list(FAMILIES)
    unknown = [n for n in names if n not in FAMILIES]
    if unknown:
        sys.exit(f"unknown families {unknown}; known: {', '.join(FAMILIES)}")
    OUT.mkdir(parents=True, exist_ok=True)
    for name in names:
        build(name, FAMILIES[name])


if __name__ == "__main__":
    main(sys.argv[1:])
