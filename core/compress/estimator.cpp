// SPDX-License-Identifier: GPL-3.0-or-later
#include "compress/estimator.h"

#include <algorithm>
#include <cstdio>

namespace flatslice::core {

namespace {

enum class Part { Embeddings, Attention, Mlp, Norms, Head, Shortcuts };

// One stored tensor (or `count` identical ones). Matrices are [rows, cols] in the [out, in] layout, so `cols` is
// the row length GGUF quantizes along; vectors have cols == 0.
struct Tensor {
    Part part = Part::Attention;
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    bool matmul = false; // every token multiplies by it (embedding tables are looked up instead)
    bool shared = false; // a tied head: costs its matmul, but its parameters are the embedding's
};

bool layerNormFamily(const ModelConfig& c)
{
    return c.normKind == NormKind::LayerNorm;
}

// The tensors of a model with these widths; `w.sliced` switches to SliceGPT's fused, untied form.
std::vector<Tensor> layout(const ModelConfig& c, const SliceWidths& w)
{
    const std::int64_t hidden = c.hiddenSize;
    const std::int64_t vocab = c.vocabSize;
    const std::int64_t ffn = c.intermediateSize;
    const std::int64_t qWidth = c.numHeads * c.headDim;
    const std::int64_t kvWidth = c.numKvHeads * c.headDim;
    const std::int64_t normSize = layerNormFamily(c) ? 2 * hidden : hidden; // gain (+ shift)
    // SliceGPT folds a LayerNorm's shift into its readers as a bias, creating one where the reader had none.
    const bool foldedShift = w.sliced && layerNormFamily(c);

    std::vector<Tensor> t;
    const auto matrix = [&](Part part, std::int64_t rows, std::int64_t cols) {
        t.push_back({part, rows, cols, part != Part::Embeddings, false});
    };
    const auto vector = [&](Part part, std::int64_t size) { t.push_back({part, size, 0, false, false}); };

    matrix(Part::Embeddings, vocab, w.embedding);
    if (c.learnedPositions) // OPT's table has positionOffset extra rows (2050 for 2048 positions)
        matrix(Part::Embeddings, c.maxPositionEmbeddings + c.positionOffset, w.embedding);

    for (const LayerWidths& l : w.layers) {
        const std::int64_t attnOut = c.parallelBlock ? l.out : l.mid;
        const std::int64_t mlpIn = c.parallelBlock ? l.in : l.mid;
        matrix(Part::Attention, qWidth, l.in);
        matrix(Part::Attention, kvWidth, l.in);
        matrix(Part::Attention, kvWidth, l.in);
        if (c.qkvBias || foldedShift)
            vector(Part::Attention, qWidth + 2 * kvWidth);
        matrix(Part::Attention, attnOut, qWidth);
        if (c.outputBias)
            vector(Part::Attention, attnOut);

        const std::int64_t readers = c.gatedMlp ? 2 : 1;
        for (std::int64_t r = 0; r < readers; ++r)
            matrix(Part::Mlp, ffn, mlpIn);
        if (c.mlpBias || foldedShift)
            vector(Part::Mlp, readers * ffn);
        matrix(Part::Mlp, l.out, ffn);
        if (c.mlpBias)
            vector(Part::Mlp, l.out);

        if (!w.sliced)
            for (int n = 0; n < (c.parallelBlock ? 1 : 2); ++n)
                vector(Part::Norms, normSize);
        if (c.qkNorm) // per-head norms live in head space: slicing leaves them alone
            for (int n = 0; n < 2; ++n)
                vector(Part::Norms, c.headDim);

        if (w.shortcuts) {
            if (c.parallelBlock) {
                matrix(Part::Shortcuts, l.out, l.in);
            } else {
                matrix(Part::Shortcuts, l.mid, l.in);
                matrix(Part::Shortcuts, l.out, l.mid);
            }
        }
    }

    if (!w.sliced)
        vector(Part::Norms, normSize);
    if (c.tieWordEmbeddings && !w.sliced) {
        t.push_back({Part::Head, vocab, w.head, true, true});
    } else {
        matrix(Part::Head, vocab, w.head);
        if (c.lmHeadBias || foldedShift) // the final norm's shift becomes a head bias
            vector(Part::Head, vocab);
    }
    return t;
}

std::int64_t elements(const Tensor& t)
{
    return t.cols == 0 ? t.rows : t.rows * t.cols;
}

// Bytes of a KV-cache row or weight row of `width` elements in GGUF q8_0 (f16 when the row is not whole blocks).
std::int64_t q8Bytes(std::int64_t rows, std::int64_t width)
{
    return width % 32 == 0 ? rows * (width / 32) * 34 : rows * width * 2;
}

// Mean number of positions a prompt token attends to: token t (1-based) sees min(t, window) positions.
double meanPrefillKeys(std::int64_t seqlen, std::int64_t window)
{
    if (seqlen <= 0)
        return 0.0;
    const std::int64_t w = window > 0 ? std::min(window, seqlen) : seqlen;
    // sum_{t=1..w} t + (seqlen - w) * w
    const double sum = static_cast<double>(w) * static_cast<double>(w + 1) / 2.0 +
                       static_cast<double>(seqlen - w) * static_cast<double>(w);
    return sum / static_cast<double>(seqlen);
}

ModelCost cost(const ModelConfig& c, const SliceWidths& w, const EstimateOptions& options)
{
    ModelCost m;
    m.layers = static_cast<std::int64_t>(w.layers.size());
    double macs = 0.0;
    for (const Tensor& t : layout(c, w)) {
        if (t.matmul)
            macs += static_cast<double>(t.rows) * static_cast<double>(t.cols);
        if (t.shared)
            continue;
        const std::int64_t n = elements(t);
        switch (t.part) {
        case Part::Embeddings: m.params.embeddings += n; break;
        case Part::Attention: m.params.attention += n; break;
        case Part::Mlp: m.params.mlp += n; break;
        case Part::Norms: m.params.norms += n; break;
        case Part::Head: m.params.head += n; break;
        case Part::Shortcuts: m.params.shortcuts += n; break;
        }
        m.weightBytes.f32 += 4 * n;
        m.weightBytes.bf16 += 2 * n;
        m.weightBytes.f16 += 2 * n;
        m.weightBytes.q8_0 += t.cols == 0 ? 4 * n : q8Bytes(t.rows, t.cols);
    }
    m.weightFlopsPerToken = 2.0 * macs;

    // QK^T and AV: per attended position, heads x headDim MACs each.
    const double perPosition = 4.0 * static_cast<double>(c.numHeads * c.headDim) * static_cast<double>(m.layers);
    m.prefillAttentionFlopsPerToken = perPosition * meanPrefillKeys(options.prefillSeqlen, c.slidingWindow);
    const std::int64_t decodeKeys = c.slidingWindow > 0 ? std::min(c.slidingWindow, options.decodeContext)
                                                        : options.decodeContext;
    m.decodeAttentionFlopsPerToken = perPosition * static_cast<double>(std::max<std::int64_t>(0, decodeKeys));

    const std::int64_t kvRow = c.numKvHeads * c.headDim; // one of K or V for one layer and token
    const std::int64_t rows = 2 * m.layers;
    m.kvCacheBytesPerToken = {4 * rows * kvRow, 2 * rows * kvRow, 2 * rows * kvRow, q8Bytes(rows, kvRow)};
    return m;
}

std::string millions(std::int64_t n)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.1f M", static_cast<double>(n) / 1e6);
    return text;
}

std::string percent(double ratio)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.1f%%", 100.0 * ratio);
    return text;
}

// Where a width sits, for messages.
struct NamedWidth {
    std::string where;
    std::int64_t width = 0;
};

std::vector<NamedWidth> namedWidths(const SliceWidths& w, bool parallel)
{
    std::vector<NamedWidth> named{{"embedding", w.embedding}};
    for (std::size_t i = 0; i < w.layers.size(); ++i) {
        named.push_back({"layer " + std::to_string(i) + " input", w.layers[i].in});
        if (!parallel)
            named.push_back({"layer " + std::to_string(i) + " MLP input", w.layers[i].mid});
    }
    named.push_back({"head input", w.head});
    return named;
}

void addWarnings(const ModelConfig& c, const Plan& plan, Estimate& e)
{
    if (e.widths.sliced) {
        // Tensor cores and vector units want multiples of 8; the reference rounds to 8 by default (its PR #46).
        std::int64_t count = 0;
        std::string first;
        for (const NamedWidth& n : namedWidths(e.widths, c.parallelBlock))
            if (n.width % 8 != 0 && count++ == 0)
                first = n.where + " " + std::to_string(n.width);
        if (count > 0)
            e.warnings.push_back("slice: " + std::to_string(count) + " residual width" + (count > 1 ? "s are" : " is") +
                                 " not a multiple of 8 (first: " + first +
                                 "); matmuls on such shapes run slower (set slice.rounding to 8 or more)");

        const std::int64_t untied = c.tieWordEmbeddings ? e.compressed.params.head : 0;
        const ParameterCounts& after = e.compressed.params;
        if (after.total() > e.dense.params.total()) {
            std::string causes;
            if (after.shortcuts > 0)
                causes = "shortcut matrices add " + millions(after.shortcuts) + " parameters back";
            if (untied > 0)
                causes += (causes.empty() ? "untying the head adds " : " and untying the head adds ") +
                          millions(untied);
            if (causes.empty())
                causes = "the full-width head and last block outweigh the slicing";
            e.warnings.push_back("slice: " + causes + ": the sliced model is larger than the dense one (" +
                                 millions(after.total()) + " vs " + millions(e.dense.params.total()) +
                                 "); slice more, set slice.sliceHead, or turn slice.shortcuts off");
        } else if (plan.slice->ratio && *plan.slice->ratio > 0.0 && e.removedRatio < 0.5 * *plan.slice->ratio) {
            char ratio[32];
            std::snprintf(ratio, sizeof ratio, "%g", *plan.slice->ratio);
            e.warnings.push_back(std::string("slice: slice.ratio = ") + ratio + " removes only " +
                                 percent(e.removedRatio) + " of the parameters (shortcuts " +
                                 millions(after.shortcuts) +
                                 (untied ? ", untied head " + millions(untied) : std::string()) + ")");
        }
    }

    if (!plan.flatten.empty() && c.numKvHeads == 1)
        e.warnings.push_back("flatten: the model has a single KV head per layer, and heads are kept in whole KV "
                             "groups, so each flattened group keeps the attention of one original block only");
}

} // namespace

Estimate estimate(const ModelConfig& config, const Plan& plan, const EstimateOptions& options,
                  const std::string& source)
{
    plan.validateAgainst(config, source);
    Estimate e;
    e.layerSources = plan.resultLayers(config.numLayers);
    e.widths = resolveSliceWidths(config, plan);
    e.dense = cost(config, resolveSliceWidths(config, Plan{}), options);
    e.compressed = cost(config, e.widths, options);
    const auto dense = static_cast<double>(e.dense.params.total());
    e.removedRatio = dense > 0 ? (dense - static_cast<double>(e.compressed.params.total())) / dense : 0.0;
    addWarnings(config, plan, e);
    return e;
}

} // namespace flatslice::core
