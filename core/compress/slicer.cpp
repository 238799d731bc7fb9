// SPDX-License-Identifier: GPL-3.0-or-later
#include "compress/slicer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <algorithm>

#include "util/error.h"

namespace flatslice::core {

namespace {

torch::Tensor f64(const torch::Tensor& t)
{
    return t.defined() ? t.to(torch::kFloat64) : t;
}

LinearWeights toF64(const LinearWeights& w)
{
    return {f64(w.weight), f64(w.bias)};
}

// Folds a norm's gain (and LayerNorm shift) into a reader: W x (a * n + b) = (W diag(a)) n + W b.
void foldNorm(const NormWeights& norm, LinearWeights& reader)
{
    if (!reader.weight.defined())
        return;
    if (norm.bias.defined()) {
        const torch::Tensor shift = reader.weight.matmul(f64(norm.bias));
        reader.bias = reader.bias.defined() ? reader.bias + shift : shift;
    }
    if (norm.weight.defined())
        reader.weight = reader.weight * f64(norm.weight).unsqueeze(0);
}

// LayerNorm families: a writer whose every output is centred keeps the stream centred, so the mean subtraction
// inside the next LayerNorm is a no-op and LayerNorm becomes RMSNorm exactly.
void centreWriter(LinearWeights& writer)
{
    writer.weight = writer.weight - writer.weight.mean(0, true);
    if (writer.bias.defined())
        writer.bias = writer.bias - writer.bias.mean();
}

// Readers see the sliced rotated input x Q_k: W [out, D] -> W Q_k [out, k].
void rotateReader(LinearWeights& reader, const torch::Tensor& basis)
{
    if (reader.weight.defined())
        reader.weight = reader.weight.matmul(basis);
}

// Writers emit into the rotated sliced stream: W [D, in] -> Q_k^T W [k, in], b -> Q_k^T b.
void rotateWriter(LinearWeights& writer, const torch::Tensor& basis)
{
    writer.weight = basis.t().matmul(writer.weight);
    if (writer.bias.defined())
        writer.bias = basis.t().matmul(writer.bias);
}

torch::Tensor secondMoment(const torch::Tensor& x)
{
    const torch::Tensor rows = x.reshape({-1, x.size(-1)}).to(torch::kFloat64);
    return rows.t().mm(rows);
}

} // namespace

Slicer::Slicer(const ModelConfig& config, torch::Dtype dtype, const PlanOptions& options, SliceWidths widths)
    : m_config(config), m_result([&] {
          ModelConfig r = config;
          r.normKind = NormKind::RmsNorm;
          r.slicedNormDivisor = config.hiddenSize;
          r.tieWordEmbeddings = false;
          if (config.normKind == NormKind::LayerNorm)
              r.lmHeadBias = true; // the final LayerNorm's shift folds into a head bias
          return r;
      }()),
      m_dtype(dtype), m_options(options), m_widths(std::move(widths)), m_scratch(m_result, ModelWeights{}, dtype)
{
    if (!m_widths.sliced)
        throw Error("slicer: the plan does not slice");
}

ModelConfig Slicer::resultConfig(std::int64_t layers) const
{
    ModelConfig r = m_result;
    r.numLayers = layers;
    return r;
}

torch::Tensor Slicer::cast(const torch::Tensor& t) const
{
    return t.defined() ? t.to(m_dtype).contiguous() : t;
}

torch::Tensor Slicer::basisOf(const torch::Tensor& moment, std::int64_t keep)
{
    const std::int64_t d = moment.size(0);
    // Damping shifts every eigenvalue by the same constant: eigenvectors are unchanged, the solver is protected.
    const double shift = m_options.sliceDamping * moment.diagonal().mean().item<double>();
    const auto [values, vectors] = torch::linalg_eigh(moment + shift * torch::eye(d, moment.options()));
    const torch::Tensor order = torch::arange(d - 1, -1, -1, torch::kInt64);
    torch::Tensor basis = vectors.index_select(1, order).contiguous();
    const torch::Tensor lambda = (values.index_select(0, order) - shift).clamp_min(0.0);
    const double total = lambda.sum().item<double>();
    m_kept.push_back(total > 0 ? lambda.narrow(0, 0, keep).sum().item<double>() / total : 1.0);
    if (m_options.finalOrientation == FinalOrientation::Random && keep > 1) {
        // Mixes directions only inside the kept subspace: the same function, energy spread over coordinates.
        auto generator = at::make_generator<at::CPUGeneratorImpl>(m_options.seed + m_draws++);
        const torch::Tensor draw = torch::rand({keep, keep}, generator, torch::TensorOptions().dtype(torch::kFloat64));
        const torch::Tensor rotation = std::get<0>(torch::linalg_qr(draw));
        basis.narrow(1, 0, keep).copy_(basis.narrow(1, 0, keep).mm(rotation));
    }
    return basis;
}

void Slicer::prepareStates(std::vector<torch::Tensor>& hidden) const
{
    if (m_config.normKind != NormKind::LayerNorm)
        return;
    for (auto& h : hidden)
        h = h - h.mean(-1, true);
}

void Slicer::computeGlobalBasis(const TransformerImpl& model, const std::vector<torch::Tensor>& hidden,
                                const AttentionContext& ctx, const Progress& progress)
{
    const std::int64_t d = m_config.hiddenSize;
    torch::Tensor moment = torch::zeros({d, d}, torch::kFloat64);
    const bool centre = m_config.normKind == NormKind::LayerNorm;
    auto add = [&](const torch::Tensor& x) { moment += secondMoment(centre ? x - x.mean(-1, true) : x); };
    Probe probe;
    probe.points = static_cast<std::uint32_t>(ProbePoint::BlockInput) |
                   static_cast<std::uint32_t>(ProbePoint::MlpInput);
    probe.callback = [&](std::int64_t, ProbePoint, const torch::Tensor& value) { add(value); };
    const auto layers = static_cast<std::int64_t>(model.weights().blocks.size());
    for (std::size_t w = 0; w < hidden.size(); ++w) {
        torch::Tensor h = hidden[w];
        for (std::int64_t i = 0; i < layers; ++i) {
            progress.step(static_cast<std::int64_t>(w) * layers + i, static_cast<std::int64_t>(hidden.size()) * layers,
                          "global PCA statistics");
            h = model.block(i, h, ctx, &probe);
        }
        add(h); // the head reads the last layer's output
    }
    m_basis = basisOf(moment, m_widths.embedding);
}

void Slicer::sliceEmbedding(ModelWeights& out, const ModelWeights& source, const std::vector<torch::Tensor>& hidden)
{
    const std::int64_t d = m_config.hiddenSize;
    if (m_widths.shortcuts) {
        torch::Tensor moment = torch::zeros({d, d}, torch::kFloat64);
        for (const auto& h : hidden)
            moment += secondMoment(h);
        m_basis = basisOf(moment, m_widths.embedding);
    } else if (!m_basis.defined()) {
        throw Error("slicer: the single-basis variant needs computeGlobalBasis() first");
    }
    const torch::Tensor keep = m_basis.narrow(1, 0, m_widths.embedding);
    const bool centre = m_config.normKind == NormKind::LayerNorm;
    auto table = [&](const torch::Tensor& t) {
        if (!t.defined())
            return t;
        torch::Tensor e = f64(t);
        if (centre)
            e = e - e.mean(1, true);
        return cast(e.matmul(keep));
    };
    out.embed = table(source.embed);
    out.positions = table(source.positions);
}

BlockWeights Slicer::sliceBlock(const BlockWeights& block, std::int64_t layer, std::vector<torch::Tensor>& hidden,
                                const AttentionContext& ctx, const Progress& progress)
{
    if (layer < 0 || layer >= static_cast<std::int64_t>(m_widths.layers.size()))
        throw Error("slicer: layer " + std::to_string(layer) + " has no widths");
    const LayerWidths widths = m_widths.layers[static_cast<std::size_t>(layer)];
    const std::int64_t d = m_config.hiddenSize;
    const bool parallel = m_config.parallelBlock;

    // Float64 working copies; q/k norms, head counts and biases of readers stay as they are.
    BlockWeights b = block;
    for (LinearWeights* l : {&b.q, &b.k, &b.v, &b.o, &b.gate, &b.up, &b.down})
        *l = toF64(*l);
    for (LinearWeights* l : {&b.q, &b.k, &b.v})
        foldNorm(block.attnNorm, *l);
    for (LinearWeights* l : {&b.gate, &b.up})
        foldNorm(parallel ? block.attnNorm : block.mlpNorm, *l);
    if (m_config.normKind == NormKind::LayerNorm) {
        centreWriter(b.o);
        centreWriter(b.down);
    }
    NormWeights rmsn;
    rmsn.divisor = d;
    b.attnNorm = rmsn;
    b.mlpNorm = parallel ? NormWeights{} : rmsn;

    auto runnable = [&](const BlockWeights& w) {
        BlockWeights r = w;
        for (LinearWeights* l : {&r.q, &r.k, &r.v, &r.o, &r.gate, &r.up, &r.down})
            *l = {cast(l->weight), cast(l->bias)};
        return r;
    };
    auto finish = [&](const BlockWeights& w) {
        BlockWeights r = runnable(w);
        r.attnShortcut = cast(w.attnShortcut);
        r.mlpShortcut = cast(w.mlpShortcut);
        return r;
    };

    const torch::Tensor in = m_basis.narrow(1, 0, widths.in);
    if (!m_widths.shortcuts) {
        // One basis for the whole stream: no shortcut, no statistics.
        for (LinearWeights* l : {&b.q, &b.k, &b.v, &b.gate, &b.up})
            rotateReader(*l, in);
        rotateWriter(b.o, in);
        rotateWriter(b.down, in);
        return finish(b);
    }

    for (LinearWeights* l : {&b.q, &b.k, &b.v})
        rotateReader(*l, in);
    if (parallel) {
        rotateReader(b.gate, in);
        rotateReader(b.up, in);
    }
    torch::Tensor shortcutA = in.t(); // [in, D]: maps the sliced input back to the original basis for now
    const auto steps = static_cast<std::int64_t>(hidden.size()) * (parallel ? 1 : 2);
    std::int64_t step = 0;
    const std::string what = "slicing layer " + std::to_string(layer);

    if (parallel) {
        const BlockWeights run = runnable(b);
        const torch::Tensor inCast = cast(in), aCast = cast(shortcutA);
        torch::Tensor moment = torch::zeros({d, d}, torch::kFloat64);
        for (auto& h : hidden) {
            progress.step(step++, steps, what);
            const torch::Tensor x = torch::matmul(h, inCast);
            const torch::Tensor normed = m_scratch.applyNorm(rmsn, x);
            h = torch::matmul(x, aCast) + m_scratch.attention(layer, run, normed, ctx, nullptr, nullptr) +
                m_scratch.mlp(layer, run, normed, nullptr);
            moment += secondMoment(h);
        }
        const torch::Tensor outBasis = basisOf(moment, widths.out);
        const torch::Tensor out = outBasis.narrow(1, 0, widths.out);
        b.attnShortcut = shortcutA.matmul(out);
        rotateWriter(b.o, out);
        rotateWriter(b.down, out);
        m_basis = outBasis;
        return finish(b);
    }

    // Attention half: run with rotated readers, unrotated o_proj, provisional shortcut -> mid in the original basis.
    {
        const BlockWeights run = runnable(b);
        const torch::Tensor inCast = cast(in), aCast = cast(shortcutA);
        torch::Tensor moment = torch::zeros({d, d}, torch::kFloat64);
        for (auto& h : hidden) {
            progress.step(step++, steps, what + " (attention)");
            const torch::Tensor x = torch::matmul(h, inCast);
            h = torch::matmul(x, aCast) +
                m_scratch.attention(layer, run, m_scratch.applyNorm(rmsn, x), ctx, nullptr, nullptr);
            moment += secondMoment(h);
        }
        const torch::Tensor midBasis = basisOf(moment, widths.mid);
        const torch::Tensor mid = midBasis.narrow(1, 0, widths.mid);
        b.attnShortcut = shortcutA.matmul(mid); // [in, mid]
        rotateWriter(b.o, mid);
        rotateReader(b.gate, mid);
        rotateReader(b.up, mid);
        m_basis = midBasis;
    }
    // MLP half: the rotated mid state is exactly (mid in the original basis) x Q_mid,k.
    {
        const torch::Tensor mid = m_basis.narrow(1, 0, widths.mid);
        const torch::Tensor shortcutB = mid.t(); // [mid, D] for now
        const BlockWeights run = runnable(b);
        const torch::Tensor midCast = cast(mid), bCast = cast(shortcutB);
        torch::Tensor moment = torch::zeros({d, d}, torch::kFloat64);
        for (auto& h : hidden) {
            progress.step(step++, steps, what + " (MLP)");
            const torch::Tensor x = torch::matmul(h, midCast);
            h = torch::matmul(x, bCast) + m_scratch.mlp(layer, run, m_scratch.applyNorm(rmsn, x), nullptr);
            moment += secondMoment(h);
        }
        const torch::Tensor outBasis = basisOf(moment, widths.out);
        const torch::Tensor out = outBasis.narrow(1, 0, widths.out);
        b.mlpShortcut = shortcutB.matmul(out); // [mid, out]
        rotateWriter(b.down, out);
        m_basis = outBasis;
    }
    return finish(b);
}

void Slicer::sliceHead(ModelWeights& out, const ModelWeights& source) const
{
    LinearWeights head = toF64(source.head); // a copy: a tied head is untied here
    foldNorm(source.finalNorm, head);
    rotateReader(head, m_basis.narrow(1, 0, m_widths.head));
    out.head = {cast(head.weight), cast(head.bias)};
    NormWeights rmsn;
    rmsn.divisor = m_config.hiddenSize;
    out.finalNorm = rmsn;
}

} // namespace flatslice::core
