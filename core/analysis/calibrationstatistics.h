// SPDX-License-Identifier: GPL-3.0-or-later
// Core-internal (torch types): the streaming accumulators behind an analysis.
//
// `add(ids)` runs one mini-batch of calibration windows through every block with probes attached and folds what
// the probes see into float64 sums; the batch's activations are dropped when it returns. Peak memory is one
// mini-batch's activations (plus one unit vector per depth and token for the cosine matrix) and the sums below.
//
// Precision: each product (X^T X, psi^T psi, the per-head matmuls) is one float32 GEMM over the mini-batch's tokens
// (libtorch has no mixed-precision GEMM, and a float64 GEMM would double the run time); its result is added into a
// float64 accumulator, so rounding does not grow with the number of windows. Cosines are computed in float64.
//
// What is summed (over every token of every window; windows have no padding):
//   attnInput  sum x x^T of the residual entering the attention norm (block input), SliceGPT's PCA signal
//   mlpInput   the same for the residual entering the MLP norm (sequential blocks only)
//   psi        sum psi^T psi of the MLP intermediate activation (input of down_proj), FlattenGPT's C_psi
//   head*      per query head: || head output (.) ||W_O column|| ||_2, || head output W_O,h^T ||_2, || head output ||_2
//   cosine     (L+1) x (L+1): sum of cos(residual at depth i, at depth j)
//   cosHistogram per block: token counts of cos(block input, block output) in equal bins over [-1, 1]
// For LayerNorm families (`centerResidual`), x is first centred over the hidden axis for attnInput/mlpInput: that is
// the residual the model would carry after SliceGPT's conversion to RMSNorm form (centred embeddings and writers).
// Cosines use the residual as it is, like ShortGPT's and FlattenGPT's criteria on the unmodified model.
// Not thread-safe; one instance per analysis.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <torch/types.h>

#include "model/transformerimpl.h"

namespace flatslice::core {

class CalibrationStatistics {
public:
    struct Block {
        torch::Tensor attnInput;        // [H, H] f64
        torch::Tensor mlpInput;         // [H, H] f64; undefined for parallel blocks
        torch::Tensor psi;              // [I, I] f64
        torch::Tensor headScore;        // [heads] f64 sums over tokens
        torch::Tensor headContribution; // [heads] f64
        torch::Tensor headActNorm;      // [heads] f64
        torch::Tensor cosHistogram;     // [bins] f64 token counts
    };

    CalibrationStatistics(const TransformerImpl& model, bool centerResidual, std::int64_t cosBins);

    // Runs windows `ids` [B, T] (int64, no padding) through all blocks and adds their statistics. `beforeBlock(i)`
    // is called before block i runs (progress and cancellation: an exception from it propagates and leaves the
    // sums of earlier mini-batches intact but this one partly added).
    void add(const torch::Tensor& ids, const std::function<void(std::int64_t block)>& beforeBlock = {});

    std::int64_t tokens() const { return m_tokens; }
    const std::vector<Block>& blocks() const { return m_blocks; }
    const torch::Tensor& cosine() const { return m_cosine; } // [L+1, L+1] f64
    // Frees block `index`'s sums once they have been turned into results.
    void release(std::int64_t index) { m_blocks.at(static_cast<std::size_t>(index)) = Block(); }

private:
    void observe(std::int64_t block, ProbePoint point, const torch::Tensor& value);
    void addDepth(std::int64_t depth, const torch::Tensor& residual);
    torch::Tensor rows(const torch::Tensor& value) const; // [..., C] -> [N, C] f32

    const TransformerImpl& m_model;
    bool m_center;
    std::int64_t m_bins;
    std::vector<Block> m_blocks;
    std::vector<torch::Tensor> m_oColumnNorms; // per block [heads, hd] f32: || W_O[:, h*hd + c] ||
    std::vector<torch::Tensor> m_oHeads;       // per block [heads, hd, H] f32: W_O,h^T
    torch::Tensor m_cosine;
    torch::Tensor m_units; // [L+1, N, H] f64 unit residual vectors of the current mini-batch
    std::int64_t m_tokens = 0;
};

} // namespace flatslice::core
