// SPDX-License-Identifier: GPL-3.0-or-later
#include "model/transformer.h"

#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <cmath>
#include <limits>
#include <thread>

#include "model/checkpoint.h"
#include "model/transformerimpl.h"
#include "model/weightloader.h"
#include "util/error.h"

namespace flatslice::core {

namespace {

// Inverse RoPE frequencies exactly as transformers computes them (f32), with llama3 / linear scaling.
torch::Tensor inverseFrequencies(const ModelConfig& c)
{
    const std::int64_t dim = c.rotaryDim();
    if (dim <= 0)
        return {};
    const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
    torch::Tensor exponent = torch::arange(0, dim, 2, torch::TensorOptions().dtype(torch::kInt64)).to(torch::kFloat32) /
                             static_cast<double>(dim);
    torch::Tensor invFreq = 1.0 / torch::pow(torch::scalar_tensor(c.ropeTheta, f32), exponent);
    const RopeScaling& s = c.ropeScaling;
    if (s.type == "linear") {
        invFreq = invFreq / s.factor;
    } else if (s.type == "llama3") {
        const double oldContext = static_cast<double>(s.originalMaxPositionEmbeddings);
        const double lowWavelen = oldContext / s.lowFreqFactor;
        const double highWavelen = oldContext / s.highFreqFactor;
        const torch::Tensor wavelen = 2.0 * M_PI / invFreq;
        torch::Tensor scaled = torch::where(wavelen > lowWavelen, invFreq / s.factor, invFreq);
        const torch::Tensor smooth = (oldContext / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
        const torch::Tensor smoothed = (1 - smooth) * scaled / s.factor + smooth * scaled;
        const torch::Tensor medium = wavelen.ge(highWavelen).logical_and(wavelen.le(lowWavelen));
        invFreq = torch::where(medium, smoothed, scaled);
    }
    return invFreq;
}

torch::Tensor rotateHalf(const torch::Tensor& x)
{
    const std::int64_t half = x.size(-1) / 2;
    return torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

// x [B, heads, T, headDim]; cos/sin [B or 1, T, rot]. Rotates the first `rot` dims (partial rotary).
torch::Tensor applyRope(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin)
{
    const std::int64_t rot = cos.size(-1);
    const torch::Tensor c = cos.unsqueeze(1);
    const torch::Tensor s = sin.unsqueeze(1);
    if (rot == x.size(-1))
        return x * c + rotateHalf(x) * s;
    const torch::Tensor r = x.narrow(-1, 0, rot);
    const torch::Tensor pass = x.narrow(-1, rot, x.size(-1) - rot);
    return torch::cat({r * c + rotateHalf(r) * s, pass}, -1);
}

torch::Tensor linear(const torch::Tensor& x, const LinearWeights& w)
{
    return w.bias.defined() ? torch::linear(x, w.weight, w.bias) : torch::linear(x, w.weight);
}

torch::Tensor activate(Activation a, const torch::Tensor& x)
{
    switch (a) {
    case Activation::Silu: return torch::silu(x);
    case Activation::GeluExact: return torch::gelu(x);
    case Activation::GeluTanh: return torch::gelu(x, "tanh");
    case Activation::Relu: return torch::relu(x);
    }
    return x;
}

// The residual path: the stream itself, or mapped into the next sub-block's basis by a SliceGPT shortcut.
torch::Tensor skip(const torch::Tensor& x, const torch::Tensor& shortcut)
{
    return shortcut.defined() ? torch::matmul(x, shortcut) : x;
}

torch::Tensor toIds(std::span<const std::int32_t> ids, std::int64_t batch)
{
    const auto t = static_cast<std::int64_t>(ids.size()) / batch;
    return torch::from_blob(const_cast<std::int32_t*>(ids.data()), {batch, t}, torch::kInt32).to(torch::kInt64);
}

std::vector<float> toVector(const torch::Tensor& t)
{
    const torch::Tensor c = t.to(torch::kFloat32).contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// softmax(q k^T / sqrt(d) + mask) v for one layer. q [B, H, T, d], k/v [B, KV, S, d] (S = past + T), mask
// [B or 1, 1, T, S] additive. Returns [B, T, H, d].
//
// Why not one batched matmul: with libtorch 1.13 on OpenBLAS, bmm over many small heads runs at a third of
// the speed of plain mm, and the softmax over the full T x S score matrix costs more than both products.
// So queries of one KV group share a single mm (GQA without copying K/V per head), and queries go in chunks
// so that each chunk only sees the keys causality allows: about half the score matrix is never computed.
torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, const torch::Tensor& mask)
{
    const std::int64_t batch = q.size(0), heads = q.size(1), t = q.size(2), d = q.size(3);
    const std::int64_t kvHeads = k.size(1), s = k.size(2), past = s - t;
    const std::int64_t groups = heads / kvHeads;
    constexpr std::int64_t chunk = 64;
    const torch::Tensor scaled = (q * (1.0 / std::sqrt(static_cast<double>(d)))).contiguous();
    torch::Tensor out = torch::empty({batch, t, heads, d}, q.options());
    for (std::int64_t b = 0; b < batch; ++b) {
        const torch::Tensor m = mask[mask.size(0) == 1 ? 0 : b][0]; // [T, S]
        for (std::int64_t g = 0; g < kvHeads; ++g) {
            const torch::Tensor key = k[b][g];
            const torch::Tensor value = v[b][g];
            const torch::Tensor query = scaled[b].narrow(0, g * groups, groups); // [groups, T, d]
            for (std::int64_t a = 0; a < t; a += chunk) {
                const std::int64_t n = std::min(chunk, t - a);
                const std::int64_t keys = past + a + n; // later keys are masked for every query of the chunk
                const torch::Tensor qc = query.narrow(1, a, n).reshape({groups * n, d});
                torch::Tensor scores = torch::mm(qc, key.narrow(0, 0, keys).t()).view({groups, n, keys});
                scores = scores.to(torch::kFloat32).add_(m.narrow(0, a, n).narrow(1, 0, keys));
                const torch::Tensor probs = torch::softmax(scores, -1).to(q.scalar_type()).view({groups * n, keys});
                const torch::Tensor result = torch::mm(probs, value.narrow(0, 0, keys)).view({groups, n, d});
                out[b].narrow(0, a, n).narrow(1, g * groups, groups).copy_(result.transpose(0, 1));
            }
        }
    }
    return out;
}

} // namespace

TransformerImpl::TransformerImpl(ModelConfig config, ModelWeights weights, torch::Dtype dtype)
    : m_config(std::move(config)), m_weights(std::move(weights)), m_dtype(dtype),
      m_invFreq(inverseFrequencies(m_config))
{
}

torch::Tensor TransformerImpl::applyNorm(const NormWeights& norm, const torch::Tensor& x) const
{
    if (m_config.normKind == NormKind::LayerNorm)
        return torch::layer_norm(x, {x.size(-1)}, norm.weight, norm.bias, m_config.normEps);
    const torch::Tensor x32 = x.to(torch::kFloat32);
    const torch::Tensor meanSquare = norm.divisor > 0 ? x32.pow(2).sum(-1, true) / static_cast<double>(norm.divisor)
                                                      : x32.pow(2).mean(-1, true);
    const torch::Tensor normed = (x32 * torch::rsqrt(meanSquare + m_config.normEps)).to(x.scalar_type());
    return norm.weight.defined() ? norm.weight * normed : normed;
}

AttentionContext TransformerImpl::context(const torch::Tensor& ids, const torch::Tensor& mask, std::int64_t past) const
{
    const std::int64_t batch = ids.size(0);
    const std::int64_t t = ids.size(1);
    const std::int64_t s = past + t;
    AttentionContext ctx;
    if (m_invFreq.defined()) {
        const torch::Tensor positions = torch::arange(past, s, torch::TensorOptions().dtype(torch::kFloat32));
        const torch::Tensor freqs = torch::outer(positions, m_invFreq);
        const torch::Tensor emb = torch::cat({freqs, freqs}, -1).unsqueeze(0); // [1, T, rot]
        ctx.cos = emb.cos().to(m_dtype);
        ctx.sin = emb.sin().to(m_dtype);
    }
    // allowed[b, 0, i, j]: key j is visible from query i (causal, optional sliding window, not padding).
    const torch::Tensor query = torch::arange(past, s, torch::kInt64).unsqueeze(1);
    const torch::Tensor key = torch::arange(0, s, torch::kInt64).unsqueeze(0);
    torch::Tensor allowed = key.le(query);
    if (m_config.slidingWindow > 0)
        allowed = allowed.logical_and(key.gt(query - m_config.slidingWindow));
    allowed = allowed.view({1, 1, t, s});
    if (mask.defined()) {
        torch::Tensor keyMask = mask.to(torch::kBool); // [B, S] (callers pass the mask over past + current)
        if (keyMask.size(1) != s)
            throw Error("attention mask covers " + std::to_string(keyMask.size(1)) + " positions, expected " +
                        std::to_string(s));
        allowed = allowed.logical_and(keyMask.view({batch, 1, 1, s}));
    }
    const auto options = torch::TensorOptions().dtype(m_dtype);
    // A finite "minus infinity" (as transformers does) keeps fully masked rows from producing NaN; f32's
    // lowest does not fit bf16, whose own lowest is about -3.39e38.
    const double lowest = m_dtype == torch::kBFloat16 ? -3.38e38 : std::numeric_limits<float>::lowest();
    ctx.mask = torch::zeros(allowed.sizes(), options).masked_fill(allowed.logical_not(), lowest);
    return ctx;
}

torch::Tensor TransformerImpl::embed(const torch::Tensor& ids, const torch::Tensor& mask, std::int64_t past) const
{
    if (ids.numel() > 0 && (ids.min().item<std::int64_t>() < 0 || ids.max().item<std::int64_t>() >= m_config.vocabSize))
        throw Error("token id outside the vocabulary of " + std::to_string(m_config.vocabSize));
    torch::Tensor h = torch::embedding(m_weights.embed, ids);
    if (m_weights.positions.defined()) {
        torch::Tensor positions;
        if (m_config.positionOffset > 0 && mask.defined()) {
            // OPT numbers real tokens by the mask: cumsum(mask) * mask - 1, then offset 2.
            const torch::Tensor m = mask.to(torch::kInt64);
            positions = (torch::cumsum(m, 1) * m - 1).narrow(1, past, ids.size(1));
        } else {
            positions = torch::arange(past, past + ids.size(1), torch::kInt64).unsqueeze(0).expand_as(ids);
        }
        positions = positions + m_config.positionOffset;
        if (positions.max().item<std::int64_t>() >= m_weights.positions.size(0))
            throw Error("sequence longer than the model's " +
                        std::to_string(m_weights.positions.size(0) - m_config.positionOffset) + " learned positions");
        h = h + torch::embedding(m_weights.positions, positions);
    }
    return h;
}

torch::Tensor TransformerImpl::attention(std::int64_t index, const BlockWeights& b, const torch::Tensor& x,
                                         const AttentionContext& ctx, const Probe* probe, KvCache* cache) const
{
    const std::int64_t batch = x.size(0);
    const std::int64_t t = x.size(1);
    const std::int64_t hd = m_config.headDim;
    torch::Tensor q = linear(x, b.q).view({batch, t, b.numHeads, hd});
    torch::Tensor k = linear(x, b.k).view({batch, t, b.numKvHeads, hd});
    torch::Tensor v = linear(x, b.v).view({batch, t, b.numKvHeads, hd}).transpose(1, 2);
    if (b.qNorm.weight.defined()) {
        q = applyNorm(b.qNorm, q);
        k = applyNorm(b.kNorm, k);
    }
    q = q.transpose(1, 2);
    k = k.transpose(1, 2);
    if (ctx.cos.defined()) {
        q = applyRope(q, ctx.cos, ctx.sin);
        k = applyRope(k, ctx.cos, ctx.sin);
    }
    if (cache) {
        const auto i = static_cast<std::size_t>(index);
        torch::Tensor& ck = cache->keys[i];
        torch::Tensor& cv = cache->values[i];
        std::int64_t& used = cache->lengths[i];
        if (!ck.defined() || used + t > ck.size(2)) {
            const std::int64_t capacity = std::max<std::int64_t>({256, used + t, ck.defined() ? 2 * ck.size(2) : 0});
            torch::Tensor nk = torch::empty({batch, b.numKvHeads, capacity, hd}, k.options());
            torch::Tensor nv = torch::empty({batch, b.numKvHeads, capacity, hd}, v.options());
            if (used > 0) {
                nk.narrow(2, 0, used).copy_(ck.narrow(2, 0, used));
                nv.narrow(2, 0, used).copy_(cv.narrow(2, 0, used));
            }
            ck = nk;
            cv = nv;
        }
        ck.narrow(2, used, t).copy_(k);
        cv.narrow(2, used, t).copy_(v);
        used += t;
        k = ck.narrow(2, 0, used);
        v = cv.narrow(2, 0, used);
    }
    const torch::Tensor heads = attend(q, k, v, ctx.mask); // [B, T, heads, hd]
    if (probe && probe->wants(ProbePoint::AttnHeads))
        probe->callback(index, ProbePoint::AttnHeads, heads);
    return linear(heads.reshape({batch, t, b.numHeads * hd}), b.o);
}

torch::Tensor TransformerImpl::mlp(std::int64_t index, const BlockWeights& b, const torch::Tensor& x,
                                   const Probe* probe) const
{
    torch::Tensor inner = m_config.gatedMlp ? activate(m_config.activation, linear(x, b.gate)) * linear(x, b.up)
                                            : activate(m_config.activation, linear(x, b.up));
    if (probe && probe->wants(ProbePoint::MlpIntermediate))
        probe->callback(index, ProbePoint::MlpIntermediate, inner);
    return linear(inner, b.down);
}

torch::Tensor TransformerImpl::block(std::int64_t index, const torch::Tensor& hidden, const AttentionContext& ctx,
                                     const Probe* probe, KvCache* cache) const
{
    const BlockWeights& b = m_weights.blocks.at(static_cast<std::size_t>(index));
    auto report = [&](ProbePoint p, const torch::Tensor& value) {
        if (probe && probe->wants(p))
            probe->callback(index, p, value);
    };
    report(ProbePoint::BlockInput, hidden);
    const torch::Tensor normed = applyNorm(b.attnNorm, hidden);
    report(ProbePoint::AttnNormOutput, normed);
    const torch::Tensor attn = attention(index, b, normed, ctx, probe, cache);
    report(ProbePoint::AttnOutput, attn);
    torch::Tensor out;
    if (m_config.parallelBlock) {
        report(ProbePoint::MlpNormOutput, normed);
        const torch::Tensor ff = mlp(index, b, normed, probe);
        report(ProbePoint::MlpOutput, ff);
        out = attn + ff + skip(hidden, b.attnShortcut);
    } else {
        const torch::Tensor mid = skip(hidden, b.attnShortcut) + attn;
        report(ProbePoint::MlpInput, mid);
        const torch::Tensor normed2 = applyNorm(b.mlpNorm, mid);
        report(ProbePoint::MlpNormOutput, normed2);
        const torch::Tensor ff = mlp(index, b, normed2, probe);
        report(ProbePoint::MlpOutput, ff);
        out = skip(mid, b.mlpShortcut) + ff;
    }
    report(ProbePoint::BlockOutput, out);
    return out;
}

torch::Tensor TransformerImpl::finalNorm(const torch::Tensor& hidden) const
{
    return applyNorm(m_weights.finalNorm, hidden);
}

torch::Tensor TransformerImpl::head(const torch::Tensor& normed) const
{
    return linear(normed, m_weights.head).to(torch::kFloat32);
}

torch::Tensor TransformerImpl::forward(const torch::Tensor& ids, const torch::Tensor& mask, const Probe* probe,
                                       KvCache* cache) const
{
    const std::int64_t past = cache ? cache->length() : 0;
    if (cache && cache->keys.empty()) {
        cache->keys.resize(m_weights.blocks.size());
        cache->values.resize(m_weights.blocks.size());
        cache->lengths.assign(m_weights.blocks.size(), 0);
    }
    const AttentionContext ctx = context(ids, mask, past);
    torch::Tensor h = embed(ids, mask, past);
    for (std::size_t i = 0; i < m_weights.blocks.size(); ++i)
        h = block(static_cast<std::int64_t>(i), h, ctx, probe, cache);
    return head(finalNorm(h));
}

int setComputeThreads(int threads)
{
    const int n = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    at::set_num_threads(n);
    return at::get_num_threads();
}

Transformer::Transformer(std::unique_ptr<TransformerImpl> impl) : m_impl(std::move(impl)) {}

Transformer::~Transformer() = default;

std::unique_ptr<Transformer> Transformer::load(const Checkpoint& checkpoint, const RuntimeOptions& options,
                                               const Progress& progress)
{
    if (options.dtype != DType::F32 && options.dtype != DType::BF16)
        throw Error("the runtime computes in f32 or bf16, not " + std::string(dtypeName(options.dtype)));
    setComputeThreads(options.threads);
    const torch::Dtype dtype = options.dtype == DType::BF16 ? torch::kBFloat16 : torch::kFloat32;
    ModelWeights weights = loadWeights(checkpoint, checkpoint.config(), dtype, progress);
    return std::unique_ptr<Transformer>(
        new Transformer(std::make_unique<TransformerImpl>(checkpoint.config(), std::move(weights), dtype)));
}

const ModelConfig& Transformer::config() const
{
    return m_impl->config();
}

DType Transformer::dtype() const
{
    return m_impl->dtype() == torch::kBFloat16 ? DType::BF16 : DType::F32;
}

int Transformer::threads() const
{
    return at::get_num_threads();
}

std::vector<float> Transformer::logits(std::span<const std::int32_t> ids) const
{
    c10::InferenceMode guard;
    return toVector(m_impl->forward(toIds(ids, 1), {}));
}

std::vector<float> Transformer::logits(std::span<const std::int32_t> ids, std::span<const std::int32_t> mask,
                                       std::int64_t batch) const
{
    if (batch <= 0 || ids.size() % static_cast<std::size_t>(batch) != 0 || mask.size() != ids.size())
        throw Error("logits: ids and mask must both be [batch, T]");
    c10::InferenceMode guard;
    return toVector(m_impl->forward(toIds(ids, batch), toIds(mask, batch)));
}

NllResult Transformer::windowNll(std::span<const std::int32_t> ids) const
{
    NllResult result;
    if (ids.size() < 2)
        return result;
    c10::InferenceMode guard;
    const torch::Tensor input = toIds(ids, 1);
    const AttentionContext ctx = m_impl->context(input, {}, 0);
    torch::Tensor h = m_impl->embed(input, {}, 0);
    for (std::size_t i = 0; i < m_impl->weights().blocks.size(); ++i)
        h = m_impl->block(static_cast<std::int64_t>(i), h, ctx);
    const torch::Tensor normed = m_impl->finalNorm(h)[0];
    const torch::Tensor targets = input[0];
    const std::int64_t predicted = input.size(1) - 1;
    // The vocabulary-wide logits of a long window are large (2048 x 49152 f32 = 400 MB): go in chunks.
    constexpr std::int64_t chunk = 256;
    double nll = 0.0;
    for (std::int64_t start = 0; start < predicted; start += chunk) {
        const std::int64_t n = std::min(chunk, predicted - start);
        const torch::Tensor logits = m_impl->head(normed.narrow(0, start, n));
        const torch::Tensor logProbs = torch::log_softmax(logits, -1);
        const torch::Tensor picked = logProbs.gather(1, targets.narrow(0, start + 1, n).unsqueeze(1));
        nll -= picked.to(torch::kFloat64).sum().item<double>();
    }
    result.nll = nll;
    result.tokens = predicted;
    return result;
}

std::vector<std::int32_t> Transformer::generateGreedy(std::span<const std::int32_t> prompt, std::int64_t maxNew,
                                                      const std::vector<std::int64_t>& stopIds,
                                                      const std::function<bool(std::int32_t)>& onToken) const
{
    std::vector<std::int32_t> out;
    if (prompt.empty() || maxNew <= 0)
        return out;
    c10::InferenceMode guard;
    KvCache cache;
    torch::Tensor logits = m_impl->forward(toIds(prompt, 1), {}, nullptr, &cache);
    const std::int64_t limit = m_impl->weights().positions.defined()
                                   ? m_impl->weights().positions.size(0) - m_impl->config().positionOffset
                                   : m_impl->config().maxPositionEmbeddings;
    for (std::int64_t step = 0; step < maxNew; ++step) {
        const auto next = static_cast<std::int32_t>(logits[0][-1].argmax().item<std::int64_t>());
        out.push_back(next);
        if (onToken && !onToken(next))
            break;
        if (std::find(stopIds.begin(), stopIds.end(), next) != stopIds.end())
            break;
        if (cache.length() + 1 >= limit)
            break;
        const std::int32_t one[1] = {next};
        logits = m_impl->forward(toIds(one, 1), {}, nullptr, &cache);
    }
    return out;
}

} // namespace flatslice::core
