// SPDX-License-Identifier: GPL-3.0-or-later
#include "compress/compressor.h"

#include <c10/core/InferenceMode.h>
#include <chrono>
#include <map>
#include <set>

#include "compress/flattener.h"
#include "compress/slicer.h"
#include "compress/slicewidths.h"
#include "model/transformerimpl.h"
#include "util/error.h"

namespace flatslice::core {

namespace {

std::int64_t elements(const torch::Tensor& t)
{
    return t.defined() ? t.numel() : 0;
}

std::int64_t linearParameters(const LinearWeights& w)
{
    return elements(w.weight) + elements(w.bias);
}

std::int64_t normParameters(const NormWeights& n)
{
    return elements(n.weight) + elements(n.bias);
}

} // namespace

std::int64_t countParameters(const TransformerImpl& model)
{
    const ModelWeights& w = model.weights();
    std::int64_t n = elements(w.embed) + elements(w.positions) + normParameters(w.finalNorm);
    const bool tied = w.head.weight.defined() && w.embed.defined() && w.head.weight.data_ptr() == w.embed.data_ptr();
    n += (tied ? 0 : elements(w.head.weight)) + elements(w.head.bias);
    for (const BlockWeights& b : w.blocks)
        n += normParameters(b.attnNorm) + normParameters(b.mlpNorm) + normParameters(b.qNorm) +
             normParameters(b.kNorm) + linearParameters(b.q) + linearParameters(b.k) + linearParameters(b.v) +
             linearParameters(b.o) + linearParameters(b.gate) + linearParameters(b.up) + linearParameters(b.down) +
             elements(b.attnShortcut) + elements(b.mlpShortcut);
    return n;
}

Compressor::Compressor(const TransformerImpl& model, Plan plan) : m_model(model), m_plan(std::move(plan)) {}

Compressor::~Compressor() = default;

const TransformerImpl& Compressor::result() const
{
    if (!m_result)
        throw Error("compressor: no result (run() has not completed)");
    return *m_result;
}

std::unique_ptr<TransformerImpl> Compressor::takeResult()
{
    if (!m_result)
        throw Error("compressor: no result (run() has not completed)");
    return std::move(m_result);
}

CompressionReport Compressor::run(const std::vector<std::vector<std::int32_t>>& windows, std::int64_t batch,
                                  const Progress& progress)
{
    const auto start = std::chrono::steady_clock::now();
    c10::InferenceMode guard;
    m_result.reset();
    const ModelConfig& config = m_model.config();
    const ModelWeights& source = m_model.weights();
    const auto layers = static_cast<std::int64_t>(source.blocks.size());
    m_plan.validateAgainst(config, "plan");
    if (config.sliced())
        throw Error("compress: this model is already sliced; compress the dense model instead");
    const SliceWidths widths = resolveSliceWidths(config, m_plan);
    const bool slicing = widths.sliced;
    const bool interleaved = slicing && widths.shortcuts; // SliceGPT proper: slice each layer as the walk reaches it
    if (slicing && !m_plan.flatten.empty() && m_plan.options.statistics == StatisticsSource::Original)
        throw Error("plan: options.statistics = original cannot be combined with slicing (SliceGPT always re-feeds "
                    "calibration states through the sliced prefix)");

    CompressionReport report;
    report.layersBefore = layers;
    report.parametersBefore = countParameters(m_model);
    report.dropped = m_plan.drop;

    std::map<std::int64_t, std::vector<std::int64_t>> groupAt; // first block -> group
    std::int64_t lastGroupBlock = -1;
    for (const auto& g : m_plan.flatten) {
        groupAt[g.front()] = g;
        lastGroupBlock = std::max(lastGroupBlock, g.back());
    }
    const std::set<std::int64_t> dropped(m_plan.drop.begin(), m_plan.drop.end());
    const bool refed = m_plan.options.statistics == StatisticsSource::Refed;

    // Calibration hidden states, `batch` windows per tensor.
    std::vector<torch::Tensor> hidden;
    AttentionContext ctx;
    std::vector<torch::Tensor> inputs;
    if (!m_plan.flatten.empty() || slicing) {
        if (windows.empty())
            throw Error("compress: flattening and slicing need calibration windows");
        const std::size_t seqlen = windows.front().size();
        if (seqlen < 2)
            throw Error("compress: calibration windows need at least 2 tokens");
        batch = std::max<std::int64_t>(batch, 1);
        for (std::size_t w = 0; w < windows.size(); w += static_cast<std::size_t>(batch)) {
            const std::size_t n = std::min(windows.size() - w, static_cast<std::size_t>(batch));
            std::vector<std::int64_t> ids;
            for (std::size_t i = w; i < w + n; ++i) {
                if (windows[i].size() != seqlen)
                    throw Error("compress: calibration windows must all have the same length");
                ids.insert(ids.end(), windows[i].begin(), windows[i].end());
            }
            const torch::Tensor input = torch::tensor(ids, torch::kInt64)
                                            .view({static_cast<std::int64_t>(n), static_cast<std::int64_t>(seqlen)});
            if (w == 0)
                ctx = m_model.context(input.narrow(0, 0, 1), {}, 0);
            hidden.push_back(m_model.embed(input, {}, 0));
            inputs.push_back(input);
            report.calibrationTokens += input.numel();
        }
    }
    auto advance = [&](const TransformerImpl& model, std::int64_t index, std::int64_t shown, const char* what) {
        for (auto& h : hidden) {
            progress.step(shown, layers, what);
            h = model.block(index, h, ctx);
        }
    };

    std::unique_ptr<Slicer> slicer = slicing ? std::make_unique<Slicer>(config, m_model.dtype(), m_plan.options, widths)
                                             : nullptr;
    const std::unique_ptr<Flattener> flattener = m_plan.flatten.empty()
                                                     ? nullptr
                                                     : std::make_unique<Flattener>(config, m_model.dtype(),
                                                                                   m_plan.options);
    ModelWeights out;
    out.embed = source.embed;
    out.positions = source.positions;
    out.finalNorm = source.finalNorm;
    out.head = source.head;
    if (interleaved) {
        slicer->prepareStates(hidden);
        slicer->sliceEmbedding(out, source, hidden);
    }
    // A finished layer of the result: sliced on the spot (which also advances the states), or kept as built.
    auto emit = [&](BlockWeights block, std::int64_t shown) {
        if (interleaved) {
            const auto index = static_cast<std::int64_t>(out.blocks.size());
            const Progress inner([&](std::int64_t, std::int64_t, std::string_view message) {
                progress.step(shown, layers, std::string(message));
                return true;
            });
            out.blocks.push_back(slicer->sliceBlock(block, index, hidden, ctx, inner));
        } else {
            out.blocks.push_back(std::move(block));
        }
    };
    for (std::int64_t i = 0; i < layers; ++i) {
        progress.step(i, layers, "block " + std::to_string(i));
        const bool needStates = !interleaved && i <= lastGroupBlock;
        if (dropped.count(i)) {
            if (!refed && needStates)
                advance(m_model, i, i, "original statistics");
            continue;
        }
        const auto group = groupAt.find(i);
        if (group == groupAt.end()) {
            if (needStates)
                advance(m_model, i, i, "re-feeding calibration");
            emit(source.blocks[static_cast<std::size_t>(i)], i);
            continue;
        }
        const std::vector<std::int64_t>& members = group->second;
        std::vector<const BlockWeights*> parts;
        for (const std::int64_t b : members)
            parts.push_back(&source.blocks[static_cast<std::size_t>(b)]);
        FlattenGroupReport groupReport;
        groupReport.blocks = members;
        const BlockWeights wide = flattener->widen(parts);
        const Progress inner([&](std::int64_t, std::int64_t, std::string_view message) {
            progress.step(i, layers,
                          "blocks " + std::to_string(members.front()) + "-" + std::to_string(members.back()) + ": " +
                              std::string(message));
            return true;
        });
        // Checked selection judges candidates against the dense group's own outputs on the same states.
        std::vector<torch::Tensor> targets;
        if (m_plan.options.flattenSelection == FlattenSelection::Checked) {
            for (const auto& h : hidden) {
                torch::Tensor t = h;
                for (const std::int64_t b : members)
                    t = m_model.block(b, t, ctx);
                targets.push_back(t);
            }
        }
        BlockWeights pruned = flattener->prune(wide, hidden, ctx, groupReport, inner,
                                               targets.empty() ? nullptr : &targets);
        if (!interleaved && members.back() < lastGroupBlock) {
            if (refed) {
                const TransformerImpl scratch = flattener->scratchModel(pruned);
                advance(scratch, 0, i, "re-feeding calibration");
            } else {
                for (const std::int64_t b : members)
                    advance(m_model, b, i, "original statistics");
            }
        }
        for (const auto& w : groupReport.warnings)
            report.warnings.push_back(w);
        report.groups.push_back(std::move(groupReport));
        emit(std::move(pruned), i);
        i = members.back();
    }

    ModelConfig resultConfig = config;
    resultConfig.numLayers = static_cast<std::int64_t>(out.blocks.size());
    if (slicing && !interleaved) {
        // Single basis: PCA over every read point of the structurally compressed model, then rotate everything.
        const TransformerImpl structural(resultConfig, out, m_model.dtype());
        hidden.clear();
        for (const auto& input : inputs)
            hidden.push_back(m_model.embed(input, {}, 0));
        slicer->prepareStates(hidden);
        slicer->computeGlobalBasis(structural, hidden, ctx,
                                   Progress([&](std::int64_t, std::int64_t, std::string_view m) {
                                       progress.step(layers - 1, layers, std::string(m));
                                       return true;
                                   }));
        ModelWeights rotated;
        slicer->sliceEmbedding(rotated, source, hidden);
        for (std::size_t l = 0; l < out.blocks.size(); ++l)
            rotated.blocks.push_back(
                slicer->sliceBlock(out.blocks[l], static_cast<std::int64_t>(l), hidden, ctx, Progress::none()));
        out = std::move(rotated);
    }
    if (slicing) {
        slicer->sliceHead(out, source);
        resultConfig = slicer->resultConfig(static_cast<std::int64_t>(out.blocks.size()));
        report.keptVariance = slicer->keptVariance();
        for (const LayerWidths& w : widths.layers)
            report.sliceWidths.push_back({w.in, w.mid});
        report.headWidth = widths.head;
    }
    hidden.clear();
    progress.step(layers, layers, "done");

    m_result = std::make_unique<TransformerImpl>(std::move(resultConfig), std::move(out), m_model.dtype());
    report.layersAfter = m_result->config().numLayers;
    report.parametersAfter = countParameters(*m_result);
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

} // namespace flatslice::core
