// SPDX-License-Identifier: GPL-3.0-or-later
#include "analysis/spectralmath.h"

#include <torch/torch.h>

#include "util/error.h"

namespace flatslice::core {

std::vector<double> toDoubles(const torch::Tensor& t)
{
    const torch::Tensor c = t.to(torch::kFloat64).contiguous().reshape({-1});
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

Spectrum spectrumOf(const torch::Tensor& secondMomentSum, std::int64_t tokens, bool keepVectors)
{
    if (tokens <= 0)
        throw Error("a spectrum needs at least one token");
    torch::Tensor c = secondMomentSum.to(torch::kFloat64) / static_cast<double>(tokens);
    // The f32 GEMMs that fed the sum need not be bit-symmetric; eigh reads one triangle, so make both agree.
    c = (c + c.t()) * 0.5;
    auto [values, vectors] = torch::linalg::eigh(c, "L");
    values = values.flip({0}).contiguous();
    Spectrum s;
    s.eigenvalues = toDoubles(values);
    if (keepVectors)
        s.eigenvectors = toDoubles(vectors.flip({1}).contiguous());
    double total = 0.0;
    for (const double v : s.eigenvalues)
        total += std::max(v, 0.0);
    const double targets[3] = {0.90, 0.95, 0.99};
    std::int64_t* dims[3] = {&s.dim90, &s.dim95, &s.dim99};
    for (int t = 0; t < 3; ++t) {
        if (total <= 0.0)
            break;
        double running = 0.0;
        std::int64_t k = 0;
        for (const double v : s.eigenvalues) {
            running += std::max(v, 0.0);
            ++k;
            if (running >= targets[t] * total)
                break;
        }
        *dims[t] = k;
    }
    return s;
}

std::vector<double> ridgeLeverageScores(const torch::Tensor& c, double lambda)
{
    if (!(lambda > 0.0))
        throw Error("ridge leverage scores need lambda > 0");
    const std::int64_t n = c.size(0);
    const torch::Tensor identity = torch::eye(n, torch::TensorOptions().dtype(torch::kFloat64));
    const torch::Tensor a = c.to(torch::kFloat64) + lambda * identity;
    const torch::Tensor l = torch::linalg::cholesky(a);
    const torch::Tensor inverse = torch::cholesky_inverse(l, false);
    return toDoubles(1.0 - lambda * inverse.diagonal());
}

} // namespace flatslice::core
