// SPDX-License-Identifier: GPL-3.0-or-later
// Core-internal (torch types): the forward pass, block by block, with probe points and a KV cache.
//
// `forward` = embed -> block 0..L-1 -> final norm -> head. Callers that need activations of one block for a
// whole calibration batch (analysis, SliceGPT's layer-by-layer re-feeding) call `embed`, `block` and `head`
// themselves. Probes are read-only callbacks at named points inside a block; a block with no probe pays one
// null check. All methods are const and thread-compatible. They record no autograd graph:
// every caller holds a c10::InferenceMode guard (the analysis, compression, evaluation and export entry points
// set it), which is also what makes their tensors cheap.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <torch/types.h>

#include "model/modelweights.h"

namespace flatslice::core {

enum class ProbePoint : std::uint32_t {
    BlockInput = 1u << 0,      // residual stream entering the block          [B, T, H]
    AttnNormOutput = 1u << 1,  // input of q/k/v                               [B, T, H]
    AttnOutput = 1u << 2,      // after o_proj, before the residual add        [B, T, H]
    MlpNormOutput = 1u << 3,   // input of the MLP (parallel blocks: = attn norm output)
    MlpIntermediate = 1u << 4, // act(gate) * up, or act(fc1): input of down   [B, T, I]
    MlpOutput = 1u << 5,       // after down/fc2, before the residual add      [B, T, H]
    BlockOutput = 1u << 6,     // residual stream leaving the block            [B, T, H]
    MlpInput = 1u << 7,        // residual stream entering the MLP sub-block (sequential blocks) [B, T, H]
    AttnHeads = 1u << 8,       // per-head attention output before o_proj     [B, T, heads, head_dim]
};

struct Probe {
    std::uint32_t points = 0; // bitwise OR of ProbePoint
    std::function<void(std::int64_t block, ProbePoint point, const torch::Tensor& value)> callback;
    bool wants(ProbePoint p) const { return (points & static_cast<std::uint32_t>(p)) != 0; }
};

// Per-layer cached keys and values for generation. Storage is [B, kvHeads, capacity, headDim] and grows by
// doubling, so a decode step writes one position instead of concatenating the whole cache again.
struct KvCache {
    std::vector<torch::Tensor> keys;
    std::vector<torch::Tensor> values;
    std::vector<std::int64_t> lengths; // tokens cached per layer
    std::int64_t length() const { return lengths.empty() ? 0 : lengths[0]; }
};

// What every block of one forward call shares: rotary tables and the additive attention mask.
struct AttentionContext {
    torch::Tensor cos, sin; // [B or 1, T, rotaryDim] or undefined (learned positions)
    torch::Tensor mask;     // [B or 1, 1, T, S] additive (0 or lowest), S = past + T
};

class TransformerImpl {
public:
    TransformerImpl(ModelConfig config, ModelWeights weights, torch::Dtype dtype);

    const ModelConfig& config() const { return m_config; }
    const ModelWeights& weights() const { return m_weights; }
    torch::Dtype dtype() const { return m_dtype; }

    // ids [B, T] int64; mask [B, T] (1 real, 0 pad) or undefined for "all real". `past` tokens already cached.
    AttentionContext context(const torch::Tensor& ids, const torch::Tensor& mask, std::int64_t past) const;
    torch::Tensor embed(const torch::Tensor& ids, const torch::Tensor& mask, std::int64_t past) const;
    torch::Tensor block(std::int64_t index, const torch::Tensor& hidden, const AttentionContext& context,
                        const Probe* probe = nullptr, KvCache* cache = nullptr) const;
    torch::Tensor finalNorm(const torch::Tensor& hidden) const;
    torch::Tensor head(const torch::Tensor& normed) const; // logits in f32
    // Whole model: logits [B, T, V] (f32).
    torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& mask, const Probe* probe = nullptr,
                          KvCache* cache = nullptr) const;

    // The norm as the family defines it (RMSNorm computes in f32 like transformers).
    torch::Tensor applyNorm(const NormWeights& norm, const torch::Tensor& x) const;

    // The two halves of a block on weights the caller holds (compressors run blocks they are still building):
    // attention output after o_proj (no residual) for normed input x, and the MLP output for normed input x.
    // `index` only names the block for probes and the cache.
    torch::Tensor attention(std::int64_t index, const BlockWeights& b, const torch::Tensor& x,
                            const AttentionContext& context, const Probe* probe, KvCache* cache) const;
    torch::Tensor mlp(std::int64_t index, const BlockWeights& b, const torch::Tensor& x, const Probe* probe) const;

private:
    ModelConfig m_config;
    ModelWeights m_weights;
    torch::Dtype m_dtype;
    torch::Tensor m_invFreq; // [rotaryDim / 2] f32
};

} // namespace flatslice::core
