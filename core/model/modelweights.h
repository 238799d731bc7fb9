// SPDX-License-Identifier: GPL-3.0-or-later
// Core-internal (torch types): the weights of a decoder-only transformer in one canonical layout.
//
// Every family's checkpoint is mapped onto these structs by the weight loader, so the runtime, the analysis
// and the compressors see one layout: linear weights [out, in] as in torch.nn.Linear, norms with an optional
// bias (LayerNorm), and per-block widths (heads, KV heads, MLP channels) that may differ between blocks once
// a model has been flattened or sliced. Undefined tensors mean "absent" (no bias, no q/k norm ...).
// Not part of the public API: include only from core .cpp files.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

#include "model/modelconfig.h"

namespace flatslice::core {

struct NormWeights {
    torch::Tensor weight; // undefined: weightless (SliceGPT folds every gain into the next readers)
    torch::Tensor bias;   // LayerNorm only
    // RMSNorm only: divide the sum of squares by this instead of the vector's own width. SliceGPT's norms keep
    // dividing by the ORIGINAL hidden size after the stream has been sliced (the dropped directions carry little
    // energy, so the normalization stays as in the dense model). 0 = the width.
    std::int64_t divisor = 0;
};

struct LinearWeights {
    torch::Tensor weight; // [out, in]
    torch::Tensor bias;   // [out] or undefined
};

struct BlockWeights {
    NormWeights attnNorm;
    NormWeights mlpNorm; // unused by parallel blocks (Phi-2)
    NormWeights qNorm;   // Qwen3, per head_dim
    NormWeights kNorm;
    LinearWeights q, k, v, o;
    LinearWeights gate; // gated MLPs only
    LinearWeights up;   // fc1 for ungated MLPs
    LinearWeights down; // fc2 for ungated MLPs
    // SliceGPT shortcut matrices on the skip connections (row-vector layout: residual = x . S), because the
    // residual stream entering and leaving a sub-block live in different (sliced) PCA bases. attnShortcut is
    // [in, mid] (parallel blocks: [in, out]), mlpShortcut [mid, out]. Undefined: the plain residual add.
    torch::Tensor attnShortcut;
    torch::Tensor mlpShortcut;
    std::int64_t numHeads = 0;
    std::int64_t numKvHeads = 0;
};

struct ModelWeights {
    torch::Tensor embed;     // [vocab, hidden]
    torch::Tensor positions; // learned position table [positions, hidden] (OPT, GPT-2) or undefined
    NormWeights finalNorm;
    LinearWeights head; // weight may share storage with embed (tied)
    std::vector<BlockWeights> blocks;
};

} // namespace flatslice::core
