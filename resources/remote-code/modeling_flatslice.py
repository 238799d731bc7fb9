# Written by flatslice next to a SliceGPT-compressed checkpoint, so that
#   AutoModelForCausalLM.from_pretrained(dir, trust_remote_code=True)
# loads it. A sliced model is a Llama-family decoder whose residual stream has a different (PCA-rotated, sliced)
# width in every layer: the norms are weightless RMSNorms that divide by the ORIGINAL hidden size, and shortcut
# matrices carry the skip connection from one basis to the next. config.flatslice_slicing lists every width.
# Inference only (perplexity, logits); no KV cache, so generate() recomputes the prefix at every step.
import math

import torch
import torch.nn.functional as F
from torch import nn
from transformers import GenerationMixin, PreTrainedModel
from transformers.modeling_outputs import CausalLMOutputWithPast

from .configuration_flatslice import FlatsliceSlicedConfig


class WeightlessRMSNorm(nn.Module):
    """x / sqrt(sum(x^2) / divisor + eps): the divisor stays the dense hidden size after slicing."""

    def __init__(self, divisor, eps):
        super().__init__()
        self.divisor = divisor
        self.eps = eps

    def forward(self, x):
        x32 = x.float()
        mean_square = x32.pow(2).sum(-1, keepdim=True) / self.divisor
        return (x32 * torch.rsqrt(mean_square + self.eps)).to(x.dtype)


class HeadRMSNorm(nn.Module):
    """Qwen3's per-head q/k RMSNorm (a gain over head_dim)."""

    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        x32 = x.float()
        x32 = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x32.to(x.dtype)


def inverse_frequencies(config):
    dim = config.head_dim
    theta = config.flatslice_slicing.get("rope_theta", 10000.0)
    inv = 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    scaling = config.flatslice_slicing.get("rope_scaling") or {}
    kind = scaling.get("rope_type", scaling.get("type", ""))
    if kind == "linear":
        inv = inv / scaling["factor"]
    elif kind == "llama3":
        factor = scaling["factor"]
        low, high = scaling["low_freq_factor"], scaling["high_freq_factor"]
        old = scaling["original_max_position_embeddings"]
        low_wavelen, high_wavelen = old / low, old / high
        wavelen = 2 * math.pi / inv
        scaled = torch.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
        inv = torch.where(medium, smoothed, scaled)
    elif kind not in ("", "default"):
        raise ValueError(f"flatslice remote code: rope type {kind!r} is not supported")
    return inv


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class SlicedAttention(nn.Module):
    def __init__(self, config, spec):
        super().__init__()
        s = config.flatslice_slicing
        self.heads = config.num_attention_heads
        self.kv_heads = config.num_key_value_heads
        self.head_dim = config.head_dim
        self.q_proj = nn.Linear(spec["in"], self.heads * self.head_dim, bias=s["qkv_bias"])
        self.k_proj = nn.Linear(spec["in"], self.kv_heads * self.head_dim, bias=s["qkv_bias"])
        self.v_proj = nn.Linear(spec["in"], self.kv_heads * self.head_dim, bias=s["qkv_bias"])
        self.o_proj = nn.Linear(self.heads * self.head_dim, spec["mid"], bias=s["o_bias"])
        if s["qk_norm"]:
            self.q_norm = HeadRMSNorm(self.head_dim, config.rms_norm_eps)
            self.k_norm = HeadRMSNorm(self.head_dim, config.rms_norm_eps)
        else:
            self.q_norm = self.k_norm = None

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.head_dim)
        k = self.k_proj(x).view(b, t, self.kv_heads, self.head_dim)
        v = self.v_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        if self.q_norm is not None:
            q, k = self.q_norm(q), self.k_norm(k)
        q, k = q.transpose(1, 2), k.transpose(1, 2)
        c, s_ = cos.unsqueeze(1), sin.unsqueeze(1)
        q = q * c + rotate_half(q) * s_
        k = k * c + rotate_half(k) * s_
        groups = self.heads // self.kv_heads
        k = k.repeat_interleave(groups, dim=1)
        v = v.repeat_interleave(groups, dim=1)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_dim) + mask
        probs = F.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype)
        out = torch.matmul(probs, v).transpose(1, 2).reshape(b, t, -1)
        return self.o_proj(out)


class SlicedMLP(nn.Module):
    def __init__(self, config, spec):
        super().__init__()
        bias = config.flatslice_slicing["mlp_bias"]
        self.gate_proj = nn.Linear(spec["mid"], config.intermediate_size, bias=bias)
        self.up_proj = nn.Linear(spec["mid"], config.intermediate_size, bias=bias)
        self.down_proj = nn.Linear(config.intermediate_size, spec["out"], bias=bias)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class SlicedLayer(nn.Module):
    def __init__(self, config, spec):
        super().__init__()
        divisor = config.flatslice_slicing["norm_divisor"]
        self.input_layernorm = WeightlessRMSNorm(divisor, config.rms_norm_eps)
        self.post_attention_layernorm = WeightlessRMSNorm(divisor, config.rms_norm_eps)
        self.self_attn = SlicedAttention(config, spec)
        self.mlp = SlicedMLP(config, spec)
        self.attn_shortcut_Q = nn.Parameter(torch.zeros(spec["in"], spec["mid"])) if spec["attn_shortcut"] else None
        self.mlp_shortcut_Q = nn.Parameter(torch.zeros(spec["mid"], spec["out"])) if spec["mlp_shortcut"] else None

    def forward(self, x, cos, sin, mask):
        skip = x @ self.attn_shortcut_Q if self.attn_shortcut_Q is not None else x
        h = skip + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        skip = h @ self.mlp_shortcut_Q if self.mlp_shortcut_Q is not None else h
        return skip + self.mlp(self.post_attention_layernorm(h))


class FlatsliceSlicedPreTrainedModel(PreTrainedModel):
    config_class = FlatsliceSlicedConfig
    base_model_prefix = "model"
    _no_split_modules = ["SlicedLayer"]

    def _init_weights(self, module):
        # Every weight comes from the checkpoint; nothing to initialise.
        pass


class FlatsliceSlicedModel(FlatsliceSlicedPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        s = config.flatslice_slicing
        self.embed_tokens = nn.Embedding(config.vocab_size, s["embedding_width"])
        self.layers = nn.ModuleList(SlicedLayer(config, spec) for spec in s["layers"])
        self.norm = WeightlessRMSNorm(s["norm_divisor"], config.rms_norm_eps)
        self.post_init()

    def forward(self, input_ids, attention_mask=None, position_ids=None):
        b, t = input_ids.shape
        h = self.embed_tokens(input_ids)
        if position_ids is None:
            position_ids = torch.arange(t, device=input_ids.device).unsqueeze(0).expand(b, t)
        inv = inverse_frequencies(self.config).to(h.device)
        freqs = position_ids[..., None].float() * inv
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos().to(h.dtype), emb.sin().to(h.dtype)
        query = torch.arange(t, device=h.device)[:, None]
        key = torch.arange(t, device=h.device)[None, :]
        allowed = key <= query
        window = self.config.flatslice_slicing.get("sliding_window") or 0
        if window > 0:
            allowed = allowed & (key > query - window)
        allowed = allowed[None, None]
        if attention_mask is not None:
            allowed = allowed & attention_mask[:, None, None, :].bool()
        mask = torch.zeros(allowed.shape, dtype=h.dtype, device=h.device)
        mask = mask.masked_fill(~allowed, torch.finfo(h.dtype).min)
        for layer in self.layers:
            h = layer(h, cos, sin, mask)
        return self.norm(h)


class FlatsliceSlicedForCausalLM(FlatsliceSlicedPreTrainedModel, GenerationMixin):
    def __init__(self, config):
        super().__init__(config)
        s = config.flatslice_slicing
        self.model = FlatsliceSlicedModel(config)
        self.lm_head = nn.Linear(s["head_width"], config.vocab_size, bias=s["lm_head_bias"])
        self.post_init()

    def forward(self, input_ids=None, attention_mask=None, position_ids=None, labels=None, **kwargs):
        logits = self.lm_head(self.model(input_ids, attention_mask, position_ids)).float()
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)), labels[:, 1:].reshape(-1),
                                   ignore_index=-100)
        return CausalLMOutputWithPast(loss=loss, logits=logits)

    def prepare_inputs_for_generation(self, input_ids, attention_mask=None, **kwargs):
        return {"input_ids": input_ids, "attention_mask": attention_mask}
