// SPDX-License-Identifier: GPL-3.0-or-later
// What a plan will cost and save, computed from the model config alone (no weights, no model run; microseconds).
//
// Parameters (the research notes' conventions, shared/research/slicegpt.md §1.9 and shared/research/flattengpt.md
// §1.6):
//  - Every stored parameter counts, embeddings, positional tables, norms and biases included. A tied head counts once
//    (it is the embedding matrix). `removedRatio` = (dense - compressed) / dense over ALL parameters: FlattenGPT's
//    and ShortGPT's convention (8 of SmolLM2-135M's 30 blocks -> 21.05%).
//  - Slicing follows the SliceGPT reference exactly: norms become weightless RMSNorms (0 parameters; Qwen3's per-head
//    q/k norms stay), the head is untied (+V x D for tied models), LayerNorm families get a head bias and reader
//    biases from the folded norm shifts, every block gets shortcut matrices (d_in x d_mid + d_mid x d_out, one
//    d_in x d_out for parallel blocks) unless the plan turns them off, and the last block writes full width D
//    unless the head is sliced. Hence OPT-125M at s = 0.2 has 147,250,880 parameters, MORE than its dense 125.2 M.
//  - A flattened group is pruned back to one standard layer, so it costs exactly what dropping the same number of
//    blocks costs: the estimate tells flattening and dropping apart by accuracy only, never by size or speed.
//
// FLOPs per token = 2 x multiply-accumulates. Weight matmuls: every matrix a token passes through (readers, writers,
// shortcuts, the LM head for every token as in perplexity; a tied head still costs its matmul); embedding lookups,
// bias adds, norms and activations are not counted. Attention scores: QK^T and AV, 4 x heads x headDim FLOPs per
// attended position per layer; slicing does not shrink them (head dims never change). Prefill averages over a causal
// prompt of `prefillSeqlen` tokens (token t attends t positions, capped by a sliding window); decode attends
// `decodeContext` positions, itself included.
//
// Bytes: f32 / bf16 / f16 store every parameter in that type (a safetensors export). q8_0 is GGUF's: 34 bytes per 32
// weights for matrices whose rows (input width) are multiples of 32, f16 for other matrices (llama.cpp's fallback),
// f32 for vectors (norms, biases). KV cache per token: K and V of every layer, numKvHeads x headDim each; the q8_0
// column is llama.cpp's quantized cache.
//
// Slicing never touches attention heads, so no slice width can break GQA grouping; flattening prunes heads in whole
// KV groups (a KV head with its query heads), and the estimate warns when a model has a single KV head (then a
// flattened group keeps one original block's attention whole).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compress/plan.h"
#include "compress/slicewidths.h"
#include "model/modelconfig.h"

namespace flatslice::core {

struct EstimateOptions {
    std::int64_t prefillSeqlen = 512; // prompt length whose attention cost prefill FLOPs average over
    std::int64_t decodeContext = 512; // positions a decoded token attends to, itself included
};

struct ParameterCounts {
    std::int64_t embeddings = 0; // token (and learned position) tables
    std::int64_t attention = 0;  // q, k, v, o with their biases
    std::int64_t mlp = 0;        // gate/up/down or fc1/fc2 with their biases
    std::int64_t norms = 0;      // block and final norms (0 once sliced), Qwen3 q/k norms
    std::int64_t head = 0;       // LM head and its bias; 0 when tied to the embedding
    std::int64_t shortcuts = 0;  // SliceGPT skip-connection matrices

    std::int64_t total() const { return embeddings + attention + mlp + norms + head + shortcuts; }
};

// Bytes for each storage type the exporters write.
struct ByteCounts {
    std::int64_t f32 = 0;
    std::int64_t bf16 = 0;
    std::int64_t f16 = 0;
    std::int64_t q8_0 = 0;
};

// The cost of one model (dense or compressed).
struct ModelCost {
    std::int64_t layers = 0;
    ParameterCounts params;
    double weightFlopsPerToken = 0.0;           // 2 x MACs of the weight matmuls (head and shortcuts included)
    double prefillAttentionFlopsPerToken = 0.0; // QK^T + AV, averaged over the prompt
    double decodeAttentionFlopsPerToken = 0.0;  // QK^T + AV at decodeContext
    ByteCounts weightBytes;
    ByteCounts kvCacheBytesPerToken;

    double prefillFlopsPerToken() const { return weightFlopsPerToken + prefillAttentionFlopsPerToken; }
    double decodeFlopsPerToken() const { return weightFlopsPerToken + decodeAttentionFlopsPerToken; }
};

struct Estimate {
    ModelCost dense;
    ModelCost compressed;
    // For each compressed layer, the original blocks it comes from (Plan::resultLayers).
    std::vector<std::vector<std::int64_t>> layerSources;
    SliceWidths widths; // per-layer residual widths after rounding
    // (dense - compressed) / dense parameters; negative when the compressed model is larger.
    double removedRatio = 0.0;
    std::vector<std::string> warnings; // one readable line each
};

// Estimates `plan` on `config`. Throws Error (as Plan::validateAgainst, with `source` naming the plan) if the plan
// does not fit the model. Pure, thread-safe.
Estimate estimate(const ModelConfig& config, const Plan& plan, const EstimateOptions& options = {},
                  const std::string& source = "plan");

} // namespace flatslice::core
