// SPDX-License-Identifier: GPL-3.0-or-later
// SliceGPT through the Compressor on the tiny family fixtures: computational invariance (rotation without slicing
// is the same function), shapes and parameter counts of sliced models, the single-basis variant, progress, cancel.
#include <gtest/gtest.h>

#include <c10/core/InferenceMode.h>

#include "compress/compressor.h"
#include "compress/estimator.h"
#include "model/checkpoint.h"
#include "model/transformer.h"
#include "model/transformerimpl.h"
#include "testsupport.h"

using namespace flatslice::core;

namespace {

const char* const kFamilies[] = {"llama", "llama-tied", "mistral", "qwen2", "qwen3", "opt", "gpt2", "phi"};

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

Plan slicePlan(double ratio, std::int64_t rounding = 1)
{
    Plan plan;
    plan.slice = SlicePlan{};
    plan.slice->ratio = ratio;
    plan.slice->rounding = rounding;
    return plan;
}

// Largest |a - b| relative to the largest |b|.
double relativeError(const torch::Tensor& a, const torch::Tensor& b)
{
    return (a - b).abs().max().item<double>() / b.abs().max().item<double>();
}

torch::Tensor someIds(std::int64_t vocab)
{
    return torch::arange(0, 24, torch::kInt64).mul(7).remainder(vocab).unsqueeze(0);
}

} // namespace

TEST(Slicing, RotationWithoutSlicingIsTheSameFunction)
{
    for (const char* family : kFamilies) {
        SCOPED_TRACE(family);
        c10::InferenceMode guard;
        const auto model = loadFamily(family);
        Compressor compressor(model->impl(), slicePlan(0.0));
        const CompressionReport report = compressor.run(windows(model->config().vocabSize, 3, 16), 2);
        const TransformerImpl& rotated = compressor.result();
        EXPECT_TRUE(rotated.config().sliced());
        EXPECT_EQ(rotated.config().normKind, NormKind::RmsNorm);
        ASSERT_EQ(report.sliceWidths.size(), rotated.weights().blocks.size());
        // The rotation is real: the embedding is no longer the dense one.
        EXPECT_FALSE(torch::allclose(rotated.weights().embed, model->impl().weights().embed, 1e-3, 1e-3));
        const torch::Tensor ids = someIds(model->config().vocabSize);
        EXPECT_LT(relativeError(rotated.forward(ids, {}), model->impl().forward(ids, {})), 1e-4);
    }
}

TEST(Slicing, RandomFinalOrientationIsAlsoInvariantAndSeeded)
{
    c10::InferenceMode guard;
    const auto model = loadFamily("llama");
    Plan plan = slicePlan(0.0);
    plan.options.finalOrientation = FinalOrientation::Random;
    plan.options.seed = 7;
    Compressor a(model->impl(), plan);
    a.run(windows(model->config().vocabSize, 2, 16), 1);
    Compressor b(model->impl(), plan);
    b.run(windows(model->config().vocabSize, 2, 16), 1);
    EXPECT_TRUE(torch::equal(a.result().weights().embed, b.result().weights().embed));
    const torch::Tensor ids = someIds(model->config().vocabSize);
    EXPECT_LT(relativeError(a.result().forward(ids, {}), model->impl().forward(ids, {})), 1e-4);
}

TEST(Slicing, SingleBasisWithoutShortcutsIsInvariantToo)
{
    for (const char* family : {"llama", "opt", "phi"}) {
        SCOPED_TRACE(family);
        c10::InferenceMode guard;
        const auto model = loadFamily(family);
        Plan plan = slicePlan(0.0);
        plan.slice->shortcuts = false;
        Compressor compressor(model->impl(), plan);
        compressor.run(windows(model->config().vocabSize, 2, 16), 1);
        for (const BlockWeights& b : compressor.result().weights().blocks) {
            EXPECT_FALSE(b.attnShortcut.defined());
            EXPECT_FALSE(b.mlpShortcut.defined());
        }
        const torch::Tensor ids = someIds(model->config().vocabSize);
        EXPECT_LT(relativeError(compressor.result().forward(ids, {}), model->impl().forward(ids, {})), 1e-4);
    }
}

TEST(Slicing, SlicedShapesAndParameterCountMatchTheEstimate)
{
    for (const char* family : kFamilies) {
        for (const bool shortcuts : {true, false}) {
            SCOPED_TRACE(std::string(family) + (shortcuts ? " shortcuts" : " single basis"));
            c10::InferenceMode guard;
            const auto model = loadFamily(family);
            Plan plan = slicePlan(0.25, 8);
            plan.slice->shortcuts = shortcuts;
            Compressor compressor(model->impl(), plan);
            const CompressionReport report = compressor.run(windows(model->config().vocabSize, 3, 16), 3);
            const Estimate estimate = ::flatslice::core::estimate(model->config(), plan);
            EXPECT_EQ(report.parametersAfter, estimate.compressed.params.total());
            const std::int64_t d = slicedWidth(model->config().hiddenSize, 0.25, 8);
            EXPECT_EQ(compressor.result().weights().embed.size(1), d);
            const torch::Tensor ids = someIds(model->config().vocabSize);
            const torch::Tensor logits = compressor.result().forward(ids, {});
            EXPECT_EQ(logits.size(2), model->config().vocabSize);
            EXPECT_TRUE(torch::isfinite(logits).all().item<bool>());
            const std::size_t perLayer = model->config().parallelBlock ? 1 : 2; // one PCA per residual read point
            ASSERT_EQ(report.keptVariance.size(), shortcuts ? 1 + perLayer * report.sliceWidths.size() : 1);
            for (const double kept : report.keptVariance) {
                EXPECT_GT(kept, 0.2);
                EXPECT_LE(kept, 1.0 + 1e-9);
            }
        }
    }
}

TEST(Slicing, PerLayerWidthsAndFlatteningInOnePass)
{
    c10::InferenceMode guard;
    const auto model = loadFamily("llama"); // 2 layers, hidden 64
    Plan plan;
    plan.slice = SlicePlan{};
    plan.slice->dims = {{56, 48}, {40, 64}};
    const std::int64_t d = model->config().hiddenSize;
    Compressor compressor(model->impl(), plan);
    compressor.run(windows(model->config().vocabSize, 2, 16), 1);
    const auto& blocks = compressor.result().weights().blocks;
    ASSERT_EQ(blocks.size(), 2u);
    EXPECT_EQ(blocks[0].q.weight.size(1), 56);
    EXPECT_EQ(blocks[0].attnShortcut.sizes(), (std::vector<std::int64_t>{56, 48}));
    EXPECT_EQ(blocks[0].gate.weight.size(1), 48);
    EXPECT_EQ(blocks[0].mlpShortcut.sizes(), (std::vector<std::int64_t>{48, 40}));
    EXPECT_EQ(blocks[1].mlpShortcut.sizes(), (std::vector<std::int64_t>{64, d}));
    EXPECT_EQ(compressor.result().weights().head.weight.size(1), d);

    Plan both;
    both.flatten = {{0, 1}};
    both.slice = SlicePlan{};
    both.slice->ratio = 0.25;
    Compressor merged(model->impl(), both);
    const CompressionReport report = merged.run(windows(model->config().vocabSize, 2, 16), 1);
    EXPECT_EQ(report.layersAfter, 1);
    EXPECT_EQ(report.groups.size(), 1u);
    EXPECT_EQ(merged.result().weights().blocks[0].q.weight.size(1), 48);
}

TEST(Slicing, ReportsProgressAndCancels)
{
    const auto model = loadFamily("llama");
    std::int64_t calls = 0;
    Compressor compressor(model->impl(), slicePlan(0.25, 8));
    compressor.run(windows(model->config().vocabSize, 2, 16), 1,
                   Progress([&](std::int64_t, std::int64_t, std::string_view) {
                       ++calls;
                       return true;
                   }));
    EXPECT_GT(calls, 4);
    Compressor cancelled(model->impl(), slicePlan(0.25, 8));
    EXPECT_THROW(cancelled.run(windows(model->config().vocabSize, 2, 16), 1,
                               Progress([](std::int64_t, std::int64_t, std::string_view m) {
                                   return m.find("slicing layer 1") == std::string_view::npos;
                               })),
                 Cancelled);
    EXPECT_THROW(cancelled.result(), Error);
}

TEST(Slicing, RefusesToSliceTwiceAndOriginalStatisticsWithFlattening)
{
    const auto model = loadFamily("llama");
    Compressor once(model->impl(), slicePlan(0.0));
    once.run(windows(model->config().vocabSize, 2, 16), 1);
    EXPECT_THROW(Compressor(once.result(), slicePlan(0.25, 8)).run(windows(model->config().vocabSize, 2, 16), 1),
                 Error);
    Plan plan = slicePlan(0.25, 8);
    plan.flatten = {{0, 1}};
    plan.options.statistics = StatisticsSource::Original;
    EXPECT_THROW(Compressor(model->impl(), plan).run(windows(model->config().vocabSize, 2, 16), 1), Error);
}
