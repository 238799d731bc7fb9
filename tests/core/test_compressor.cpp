// SPDX-License-Identifier: GPL-3.0-or-later
// The Compressor and the ShortGPT BlockDropper on the tiny family fixtures.
#include <gtest/gtest.h>

#include <c10/core/InferenceMode.h>
#include <cmath>

#include "compress/blockdropper.h"
#include "compress/compressor.h"
#include "model/checkpoint.h"
#include "model/transformer.h"
#include "model/transformerimpl.h"
#include "testsupport.h"

using namespace flatslice::core;

namespace {

std::unique_ptr<Transformer> loadFamily(const std::string& name)
{
    const auto checkpoint = Checkpoint::open(flatslice::test::dataDir() / "families" / name);
    return Transformer::load(*checkpoint, {});
}

std::vector<std::vector<std::int32_t>> windows(std::int64_t vocab, std::size_t n, std::size_t t)
{
    std::vector<std::vector<std::int32_t>> out(n);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < t; ++j)
            out[i].push_back(static_cast<std::int32_t>((i * 131 + j * 17 + 3) % static_cast<std::size_t>(vocab)));
    return out;
}

} // namespace

TEST(BlockDropper, DroppingGivesFewerLayersAndEqualsSkippingTheBlocks)
{
    c10::InferenceMode guard;
    const auto model = loadFamily("llama");
    const TransformerImpl& impl = model->impl();
    const auto dropped = BlockDropper::drop(impl, {0});
    EXPECT_EQ(dropped->config().numLayers, impl.config().numLayers - 1);
    ASSERT_EQ(dropped->weights().blocks.size(), 1u);

    const torch::Tensor ids = torch::randint(0, impl.config().vocabSize, {1, 10}, torch::kInt64);
    const AttentionContext ctx = impl.context(ids, {}, 0);
    const torch::Tensor skipped = impl.head(impl.finalNorm(impl.block(1, impl.embed(ids, {}, 0), ctx)));
    EXPECT_TRUE(torch::allclose(dropped->forward(ids, {}), skipped, 1e-6, 1e-6));
}

TEST(BlockDropper, LowestInfluencePicksTheSmallest)
{
    EXPECT_EQ(BlockDropper::lowestInfluence({0.3, 0.1, 0.2, 0.1}, 2), (std::vector<std::int64_t>{1, 3}));
    EXPECT_THROW(BlockDropper::lowestInfluence({0.3, 0.1}, 2), Error);
    const auto model = loadFamily("llama");
    const auto bi = BlockDropper::blockInfluence(model->impl(), windows(model->config().vocabSize, 2, 16));
    ASSERT_EQ(bi.size(), 2u);
    for (const double v : bi) {
        EXPECT_GE(v, 0.0);
        EXPECT_LE(v, 2.0);
    }
}

TEST(Compressor, DropPlanEqualsTheBlockDropper)
{
    c10::InferenceMode guard;
    const auto model = loadFamily("qwen2");
    Plan plan;
    plan.drop = {1};
    Compressor compressor(model->impl(), plan);
    const CompressionReport report = compressor.run({}, 1);
    EXPECT_EQ(report.layersAfter, 1);
    EXPECT_LT(report.parametersAfter, report.parametersBefore);
    const torch::Tensor ids = torch::randint(0, model->config().vocabSize, {1, 9}, torch::kInt64);
    EXPECT_TRUE(
        torch::equal(compressor.result().forward(ids, {}), BlockDropper::drop(model->impl(), {1})->forward(ids, {})));
}

TEST(Compressor, FlattenPlanGivesOneStandardLayer)
{
    for (const char* family : {"llama", "qwen3", "mistral"}) {
        const auto model = loadFamily(family);
        const ModelConfig& c = model->config();
        Plan plan;
        plan.flatten = {{0, 1}};
        Compressor compressor(model->impl(), plan);
        const CompressionReport report = compressor.run(windows(c.vocabSize, 3, 16), 2);
        EXPECT_EQ(report.layersAfter, 1) << family;
        ASSERT_EQ(report.groups.size(), 1u);
        EXPECT_EQ(report.groups[0].tokens, 48);
        EXPECT_LE(report.groups[0].compensatedError, report.groups[0].selectionError);
        const BlockWeights& b = compressor.result().weights().blocks.at(0);
        EXPECT_EQ(b.numHeads, c.numHeads);
        EXPECT_EQ(b.numKvHeads, c.numKvHeads);
        EXPECT_EQ(b.up.weight.size(0), c.intermediateSize);
        EXPECT_EQ(compressor.result().config().numLayers, 1);
        // A standard layer: counts as one block of the dense model.
        EXPECT_EQ(report.parametersAfter, countParameters(*BlockDropper::drop(model->impl(), {1})));
        c10::InferenceMode guard;
        const torch::Tensor ids = torch::randint(0, c.vocabSize, {1, 9}, torch::kInt64);
        EXPECT_TRUE(torch::isfinite(compressor.result().forward(ids, {})).all().item<bool>()) << family;
    }
}

TEST(Compressor, OriginalStatisticsAlsoWork)
{
    const auto model = loadFamily("llama");
    Plan plan;
    plan.flatten = {{0, 1}};
    plan.options.statistics = StatisticsSource::Original;
    Compressor compressor(model->impl(), plan);
    EXPECT_EQ(compressor.run(windows(model->config().vocabSize, 2, 16), 1).layersAfter, 1);
}

TEST(Compressor, ReportsProgress)
{
    const auto model = loadFamily("llama");
    Plan plan;
    plan.flatten = {{0, 1}};
    std::int64_t calls = 0, lastTotal = 0;
    Compressor compressor(model->impl(), plan);
    compressor.run(windows(model->config().vocabSize, 2, 16), 1,
                   Progress([&](std::int64_t, std::int64_t total, std::string_view) {
                       ++calls;
                       lastTotal = total;
                       return true;
                   }));
    EXPECT_GT(calls, 2);
    EXPECT_EQ(lastTotal, 2);
}

TEST(Compressor, CancelsAndKeepsNoResult)
{
    const auto model = loadFamily("llama");
    Plan plan;
    plan.flatten = {{0, 1}};
    std::int64_t calls = 0;
    Compressor compressor(model->impl(), plan);
    EXPECT_THROW(compressor.run(windows(model->config().vocabSize, 2, 16), 1,
                                Progress([&](std::int64_t, std::int64_t, std::string_view) { return ++calls < 3; })),
                 Cancelled);
    EXPECT_THROW(compressor.result(), Error);
}

TEST(Compressor, RejectsMissingCalibration)
{
    const auto model = loadFamily("llama");
    Plan slicing;
    slicing.slice = SlicePlan{};
    slicing.slice->ratio = 0.25;
    EXPECT_THROW(Compressor(model->impl(), slicing).run({}, 1), Error);
    Plan flatten;
    flatten.flatten = {{0, 1}};
    EXPECT_THROW(Compressor(model->impl(), flatten).run({}, 1), Error);
}

TEST(Compressor, CheckedSelectionKeepsTheCandidateClosestToTheDenseGroup)
{
    c10::InferenceMode guard;
    const auto model = loadFamily("llama");
    Plan plan;
    plan.flatten = {{0, 1}};
    ASSERT_EQ(plan.options.flattenSelection, FlattenSelection::Checked); // the default
    Compressor checked(model->impl(), plan);
    const CompressionReport report = checked.run(windows(model->config().vocabSize, 3, 16), 1);
    ASSERT_EQ(report.groups.size(), 1u);
    const FlattenGroupReport& g = report.groups[0];
    ASSERT_EQ(g.candidateErrors.size(), 5u); // the paper's, then per block: own channels, leverage channels
    EXPECT_EQ(g.candidateErrors[0].first, "flattengpt");
    double best = g.candidateErrors[0].second;
    std::string name = g.candidateErrors[0].first;
    for (const auto& [candidate, error] : g.candidateErrors) {
        EXPECT_TRUE(std::isfinite(error)) << candidate;
        if (error < best) {
            best = error;
            name = candidate;
        }
    }
    EXPECT_EQ(g.selected, name);

    plan.options.flattenSelection = FlattenSelection::FlattenGpt;
    Compressor paper(model->impl(), plan);
    const CompressionReport paperReport = paper.run(windows(model->config().vocabSize, 3, 16), 1);
    EXPECT_TRUE(paperReport.groups[0].candidateErrors.empty());
    EXPECT_EQ(paperReport.groups[0].selected, "flattengpt");
    // Same states, so the paper's candidate is the same block either way.
    EXPECT_EQ(paperReport.groups[0].keptKvGroups,
              g.selected == "flattengpt" ? g.keptKvGroups : paperReport.groups[0].keptKvGroups);
}
