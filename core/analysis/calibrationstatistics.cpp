// SPDX-License-Identifier: GPL-3.0-or-later
#include "analysis/calibrationstatistics.h"

#include <torch/torch.h>

#include "util/error.h"

namespace flatslice::core {

namespace {

const auto kF64 = torch::TensorOptions().dtype(torch::kFloat64);

} // namespace

CalibrationStatistics::CalibrationStatistics(const TransformerImpl& model, bool centerResidual, std::int64_t cosBins)
    : m_model(model), m_center(centerResidual), m_bins(cosBins)
{
    const ModelConfig& c = model.config();
    const auto& weights = model.weights().blocks;
    const std::int64_t depths = static_cast<std::int64_t>(weights.size()) + 1;
    m_cosine = torch::zeros({depths, depths}, kF64);
    m_blocks.resize(weights.size());
    for (std::size_t i = 0; i < weights.size(); ++i) {
        const BlockWeights& w = weights[i];
        const std::int64_t hidden = w.o.weight.size(0);
        const std::int64_t heads = w.numHeads;
        const std::int64_t hd = w.o.weight.size(1) / heads;
        Block& b = m_blocks[i];
        b.attnInput = torch::zeros({hidden, hidden}, kF64);
        if (!c.parallelBlock)
            b.mlpInput = torch::zeros({hidden, hidden}, kF64);
        const std::int64_t channels = w.down.weight.size(1);
        b.psi = torch::zeros({channels, channels}, kF64);
        b.headScore = torch::zeros({heads}, kF64);
        b.headContribution = torch::zeros({heads}, kF64);
        b.headActNorm = torch::zeros({heads}, kF64);
        b.cosHistogram = torch::zeros({m_bins}, kF64);
        const torch::Tensor o = w.o.weight.to(torch::kFloat32); // [H, heads * hd]
        m_oColumnNorms.push_back(o.pow(2).sum(0).sqrt().view({heads, hd}));
        m_oHeads.push_back(o.t().reshape({heads, hd, hidden}).contiguous());
    }
}

torch::Tensor CalibrationStatistics::rows(const torch::Tensor& value) const
{
    return value.to(torch::kFloat32).reshape({-1, value.size(-1)});
}

void CalibrationStatistics::add(const torch::Tensor& ids, const std::function<void(std::int64_t)>& beforeBlock)
{
    if (ids.dim() != 2 || ids.size(0) == 0 || ids.size(1) == 0)
        throw Error("calibration batch must be [windows, tokens]");
    const std::int64_t layers = static_cast<std::int64_t>(m_blocks.size());
    const std::int64_t n = ids.numel();
    m_units = torch::empty({layers + 1, n, m_model.config().hiddenSize}, kF64);
    Probe probe;
    probe.points = static_cast<std::uint32_t>(ProbePoint::BlockInput) |
                   static_cast<std::uint32_t>(ProbePoint::MlpInput) |
                   static_cast<std::uint32_t>(ProbePoint::MlpIntermediate) |
                   static_cast<std::uint32_t>(ProbePoint::AttnHeads) |
                   static_cast<std::uint32_t>(ProbePoint::BlockOutput);
    probe.callback = [this](std::int64_t block, ProbePoint point, const torch::Tensor& value) {
        observe(block, point, value);
    };
    const AttentionContext context = m_model.context(ids, {}, 0);
    torch::Tensor hidden = m_model.embed(ids, {}, 0);
    for (std::int64_t i = 0; i < layers; ++i) {
        if (beforeBlock)
            beforeBlock(i);
        hidden = m_model.block(i, hidden, context, &probe);
    }
    m_tokens += n;
    m_units = torch::Tensor();
}

void CalibrationStatistics::addDepth(std::int64_t depth, const torch::Tensor& residual)
{
    const torch::Tensor x = residual.to(torch::kFloat64).reshape({-1, residual.size(-1)});
    // Zero vectors (never seen in practice) get cosine 0 with everything instead of NaN.
    const torch::Tensor unit = x / x.norm(2, {1}, true).clamp_min(1e-300);
    m_units[depth].copy_(unit);
    // sum over tokens of u_j . u_depth for every earlier depth j = one GEMV over the flattened vectors.
    const torch::Tensor flat = m_units.narrow(0, 0, depth + 1).reshape({depth + 1, -1});
    const torch::Tensor dots = flat.mv(m_units[depth].reshape({-1}));
    m_cosine[depth].narrow(0, 0, depth + 1).add_(dots); // row `depth`, diagonal included
    if (depth > 0) {
        m_cosine.select(1, depth).narrow(0, 0, depth).add_(dots.narrow(0, 0, depth)); // and the mirrored column
        const torch::Tensor perToken = (m_units[depth - 1] * m_units[depth]).sum(1).clamp(-1.0, 1.0);
        m_blocks[static_cast<std::size_t>(depth - 1)].cosHistogram.add_(torch::histc(perToken, m_bins, -1.0, 1.0));
    }
}

void CalibrationStatistics::observe(std::int64_t block, ProbePoint point, const torch::Tensor& value)
{
    Block& b = m_blocks.at(static_cast<std::size_t>(block));
    switch (point) {
    case ProbePoint::BlockInput: {
        addDepth(block, value);
        torch::Tensor x = rows(value);
        if (m_center)
            x = x - x.mean(1, true);
        b.attnInput.add_(torch::mm(x.t(), x));
        break;
    }
    case ProbePoint::MlpInput: {
        if (!b.mlpInput.defined())
            break;
        torch::Tensor x = rows(value);
        if (m_center)
            x = x - x.mean(1, true);
        b.mlpInput.add_(torch::mm(x.t(), x));
        break;
    }
    case ProbePoint::MlpIntermediate: {
        const torch::Tensor psi = rows(value);
        b.psi.add_(torch::mm(psi.t(), psi));
        break;
    }
    case ProbePoint::AttnHeads: {
        // value [B, T, heads, hd] -> [N, heads, hd]
        const torch::Tensor a = value.to(torch::kFloat32).reshape({-1, value.size(-2), value.size(-1)});
        const auto u = static_cast<std::size_t>(block);
        b.headActNorm.add_(a.pow(2).sum(2).sqrt().to(torch::kFloat64).sum(0));
        b.headScore.add_((a * m_oColumnNorms[u]).pow(2).sum(2).sqrt().to(torch::kFloat64).sum(0));
        // Each head's actual write into the residual stream: [heads, N, hd] x [heads, hd, H].
        const torch::Tensor written = torch::bmm(a.transpose(0, 1), m_oHeads[u]);
        b.headContribution.add_(written.pow(2).sum(2).sqrt().to(torch::kFloat64).sum(1));
        break;
    }
    case ProbePoint::BlockOutput:
        if (block + 1 == static_cast<std::int64_t>(m_blocks.size()))
            addDepth(block + 1, value);
        break;
    default: break;
    }
}

} // namespace flatslice::core
