// SPDX-License-Identifier: GPL-3.0-or-later
// Core-internal (torch types): FlattenGPT for one group of adjacent blocks (shared/research/flattengpt.md §1.3-1.4).
//
// `widen` builds ONE wide block that runs the group's blocks side by side: each block's norm gains are folded into
// its own readers (q/k/v and gate/up), the wide block's norms get gain 1, q/k/v/gate/up are stacked along their
// output rows and o/down along their input columns. Both attentions then read N(H), both MLPs read N(G) with
// G = H + every attention's output: exactly the "sub-blocks read the same input" form, and one ordinary layer.
// Qwen3's per-head q/k norm gains differ between blocks, so the wide block carries them per head ([heads, headDim];
// the runtime broadcasts that); `prune` collapses them back to one [headDim] gain (see below).
//
// `prune` cuts the wide block back to the family's standard widths on calibration hidden states entering the group:
//   1. heads, in whole KV groups (one KV head with its query heads): score each query head (HeadScore::FlattenGpt:
//      mean over tokens of the l2 norm of the head's value-mixed output scaled by W_O's column norms;
//      Contribution: mean l2 norm of the head's actual write into the residual stream), sum per group, keep the
//      top numKvHeads groups, in their original order;
//   2. with the pruned attention in place, C_psi = sum over tokens of psi^T psi of the wide MLP (f64), ridge
//      leverage ranking (smallest diag of (C + lambda I)^-1), keep the top intermediateSize channels in original
//      order, lambda = lambdaFactor * tr(C) / channels, and the Nystrom/ridge compensation
//      W_D' = (S^T C S + lambda I)^-1 (S^T C W_D + lambda S^T W_D), solved in f64 by Cholesky.
// Decisions the paper leaves open are stated in docs and in the report: kept groups and channels keep original
// order; a merged Qwen3 block's q/k norm gain is the mean of the kept heads' gains (exact when all kept heads
// come from one block; the relative spread is reported as a warning otherwise).
//
// Thread-compatible; runs under the caller's NoGrad/InferenceMode guard; throws Error for unsupported families.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "compress/compressor.h"
#include "compress/plan.h"
#include "model/modelweights.h"
#include "model/transformerimpl.h"
#include "util/progress.h"

namespace flatslice::core {

class Flattener {
public:
    // `config` is the original model's (its widths are the targets); Llama-family only (RMSNorm, gated MLP,
    // sequential blocks, rotary positions), otherwise Error.
    Flattener(const ModelConfig& config, torch::Dtype dtype, const PlanOptions& options);

    // The exact wide block of `blocks` (>= 2, all with the standard widths).
    BlockWeights widen(const std::vector<const BlockWeights*>& blocks) const;

    // Prunes `wide` back to standard widths using `inputs` (hidden states entering the group, each [B, T, H]) and
    // their attention context. Progress is reported per input batch (two passes); cancelling throws Cancelled.
    // With FlattenSelection::Checked, `targets` (the dense group's outputs for `inputs`) pick among the candidates.
    BlockWeights prune(const BlockWeights& wide, const std::vector<torch::Tensor>& inputs,
                       const AttentionContext& context, FlattenGroupReport& report,
                       const Progress& progress = Progress::none(),
                       const std::vector<torch::Tensor>* targets = nullptr) const;

    // Step 1 alone: keeps the given wide KV groups (ascending) with their query heads; per-head q/k norm gains are
    // kept per head (collapse with collapseQkNorm).
    BlockWeights keepKvGroups(const BlockWeights& wide, const std::vector<std::int64_t>& groups) const;
    // Qwen3: replaces per-head q/k norm gains [heads, headDim] by their mean; returns the largest relative
    // deviation of a head's gain from that mean (0 when all are equal).
    static double collapseQkNorm(BlockWeights& block);

    // Step 2 alone: ridge-leverage selection and compensation of the MLP from C (f64, [channels, channels]).
    BlockWeights pruneMlp(const BlockWeights& wide, const torch::Tensor& gram, FlattenGroupReport& report) const;
    // Compensation for a given channel set (ascending wide indices): W_D' as in pruneMlp.
    BlockWeights keepChannels(const BlockWeights& wide, const torch::Tensor& gram, const torch::Tensor& channels,
                              FlattenGroupReport& report) const;

    // A one-block model around `block` (shares the config), to run it with TransformerImpl::block(0, ...).
    TransformerImpl scratchModel(const BlockWeights& block) const;

private:
    ModelConfig m_config;
    torch::Dtype m_dtype;
    PlanOptions m_options;
};

} // namespace flatslice::core
