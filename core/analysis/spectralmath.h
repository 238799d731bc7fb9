// SPDX-License-Identifier: GPL-3.0-or-later
// Core-internal (torch types): the float64 linear algebra that turns accumulated sums into what the views show.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

#include "analysis/analysisresult.h"

namespace flatslice::core {

// Eigendecomposition of a second-moment sum (f64, symmetric) divided by `tokens`: eigenvalues descending, the
// eigenvector of eigenvalue j in column j (row-major D x D, omitted when !keepVectors), and the smallest k whose
// top-k eigenvalues hold 90/95/99% of the total (negative rounding noise counts as zero). Signs of eigenvectors are
// arbitrary, as with any eigensolver.
Spectrum spectrumOf(const torch::Tensor& secondMomentSum, std::int64_t tokens, bool keepVectors);

// Ridge leverage scores s_i = [C (C + lambda I)^-1]_ii = 1 - lambda [(C + lambda I)^-1]_ii (the identity avoids
// forming the product; one Cholesky factorisation of C + lambda I). C symmetric PSD f64, lambda > 0.
std::vector<double> ridgeLeverageScores(const torch::Tensor& c, double lambda);

// Copies a 1-D tensor into doubles.
std::vector<double> toDoubles(const torch::Tensor& t);

} // namespace flatslice::core
