// SPDX-License-Identifier: GPL-3.0-or-later
// Core-internal (torch types): SliceGPT's rotate-and-slice, one result layer at a time (shared/research/slicegpt.md
// §1.2-1.7; docs/methods.md says where we differ from the reference and why).
//
// The Compressor drives it front to back: sliceEmbedding() once, sliceBlock() for every layer of the (flattened /
// dropped) result, sliceHead() at the end. Calibration hidden states stay in the ORIGINAL D-dimensional basis
// between calls, as in the reference: each sub-block's input is rotated and sliced, its output is mapped back to D
// dimensions by the provisional shortcut, its second moment gives the next PCA basis, and only then are the writer
// and the shortcut rotated and sliced. So every PCA sees the error of everything sliced before it.
//
// Per block: the norm gains (and LayerNorm shifts) are folded into the readers, LayerNorm families' writers are
// centred, and the norms become weightless RMSNorms dividing by D. Weight math in float64 (eigh included), results
// cast to the model dtype. `shortcuts = false` is the single-basis variant: one PCA over every residual read point
// of the model (computed by globalBasis() beforehand), no shortcut matrices, one width everywhere.
#pragma once

#include <cstdint>
#include <vector>

#include "compress/plan.h"
#include "compress/slicewidths.h"
#include "model/transformerimpl.h"
#include "util/progress.h"

namespace flatslice::core {

class Slicer {
public:
    // `config` is the model being sliced (after flattening / dropping); `widths` from resolveSliceWidths.
    Slicer(const ModelConfig& config, torch::Dtype dtype, const PlanOptions& options, SliceWidths widths);

    // The sliced model's config (norms become weightless RMSNorms, head untied, LayerNorm families get biases).
    ModelConfig resultConfig(std::int64_t layers) const;

    // LayerNorm families: centres the calibration states (the embedding tables are centred too, see sliceEmbedding).
    void prepareStates(std::vector<torch::Tensor>& hidden) const;
    // Single-basis variant only: the PCA basis of every residual read point of `model` (all blocks' inputs and
    // mid-block states) for the prepared `hidden` states, which are left unchanged.
    void computeGlobalBasis(const TransformerImpl& model, const std::vector<torch::Tensor>& hidden,
                            const AttentionContext& ctx, const Progress& progress);

    // Rotates and slices the embedding (and learned position) tables into the basis of the states entering layer 0.
    void sliceEmbedding(ModelWeights& out, const ModelWeights& source, const std::vector<torch::Tensor>& hidden);
    // Rotates and slices one layer; `hidden` (original basis) advances to the layer's output. `layer` indexes the
    // result model.
    BlockWeights sliceBlock(const BlockWeights& block, std::int64_t layer, std::vector<torch::Tensor>& hidden,
                            const AttentionContext& ctx, const Progress& progress);
    // Folds the final norm into an untied copy of the head and rotates (and with sliceHead slices) its input.
    void sliceHead(ModelWeights& out, const ModelWeights& source) const;

    // Fraction of the second moment kept by each slice so far (embedding, then attention and MLP per layer).
    const std::vector<double>& keptVariance() const { return m_kept; }

private:
    torch::Tensor basisOf(const torch::Tensor& secondMoment, std::int64_t keep); // D x D f64, columns descending
    torch::Tensor cast(const torch::Tensor& t) const;

    ModelConfig m_config;
    ModelConfig m_result;
    torch::Dtype m_dtype;
    PlanOptions m_options;
    SliceWidths m_widths;
    TransformerImpl m_scratch; // runs half-built blocks with the result config (weightless RMSNorms)
    torch::Tensor m_basis;     // D x D f64: the basis the states entering the next layer are sliced in
    std::vector<double> m_kept;
    std::uint64_t m_draws = 0; // random final orientation: one seeded draw per basis
};

} // namespace flatslice::core
