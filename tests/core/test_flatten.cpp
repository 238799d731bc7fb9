// SPDX-License-Identifier: GPL-3.0-or-later
// FlattenGPT on the tiny family fixtures: the wide block is exactly "both sub-blocks read the same input", and
// pruning returns standard widths, whole KV groups and a compensated MLP that beats plain row selection.
#include <gtest/gtest.h>

#include <c10/core/InferenceMode.h>

#include "compress/flattener.h"
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

torch::Tensor randomHidden(const ModelConfig& c, std::int64_t batch, std::int64_t t, std::uint64_t seed)
{
    torch::manual_seed(seed);
    return torch::randn({batch, t, c.hiddenSize});
}

double relDiff(const torch::Tensor& a, const torch::Tensor& b)
{
    return (a - b).abs().max().item<double>() / std::max(b.abs().max().item<double>(), 1e-12);
}

// Captures one probe point of one run.
torch::Tensor capture(const TransformerImpl& model, std::int64_t index, const torch::Tensor& x,
                      const AttentionContext& ctx, ProbePoint point, torch::Tensor* blockOut = nullptr)
{
    torch::Tensor got;
    Probe probe;
    probe.points = static_cast<std::uint32_t>(point);
    probe.callback = [&](std::int64_t, ProbePoint, const torch::Tensor& v) { got = v.clone(); };
    const torch::Tensor out = model.block(index, x, ctx, &probe);
    if (blockOut)
        *blockOut = out;
    return got;
}

// Block `b` with its attention switched off (o = 0), so block(G) - G is its MLP on N(G).
BlockWeights mlpOnly(const BlockWeights& b)
{
    BlockWeights m = b;
    m.o.weight = torch::zeros_like(b.o.weight);
    return m;
}

class FlattenExactness : public ::testing::TestWithParam<std::string> {};

} // namespace

TEST_P(FlattenExactness, WideBlockEqualsBothSubBlocksOnTheSameInput)
{
    c10::InferenceMode guard;
    const auto model = loadFamily(GetParam());
    const TransformerImpl& impl = model->impl();
    const ModelConfig& c = impl.config();
    const Flattener flattener(c, torch::kFloat32, PlanOptions{});
    const auto& blocks = impl.weights().blocks;
    const BlockWeights wide = flattener.widen({&blocks[0], &blocks[1]});
    EXPECT_EQ(wide.numHeads, 2 * c.numHeads);
    EXPECT_EQ(wide.numKvHeads, 2 * c.numKvHeads);
    EXPECT_EQ(wide.up.weight.size(0), 2 * c.intermediateSize);

    const torch::Tensor ids = torch::randint(0, c.vocabSize, {2, 12}, torch::kInt64);
    const AttentionContext ctx = impl.context(ids, {}, 0);
    const torch::Tensor x = randomHidden(c, 2, 12, 7);
    const TransformerImpl wideModel = flattener.scratchModel(wide);

    // Attention: sum of the two attentions, each with its own norm, on the same X.
    const torch::Tensor attnWide = capture(wideModel, 0, x, ctx, ProbePoint::AttnOutput);
    const torch::Tensor attnSum = capture(impl, 0, x, ctx, ProbePoint::AttnOutput) +
                                  capture(impl, 1, x, ctx, ProbePoint::AttnOutput);
    EXPECT_LT(relDiff(attnWide, attnSum), 1e-5);

    // MLP: both MLPs read N(G) with G = X + both attentions.
    torch::Tensor wideOut;
    const torch::Tensor g = capture(wideModel, 0, x, ctx, ProbePoint::MlpInput, &wideOut);
    const torch::Tensor mlpWide = capture(wideModel, 0, x, ctx, ProbePoint::MlpOutput);
    ModelWeights mw;
    mw.blocks = {mlpOnly(blocks[0]), mlpOnly(blocks[1])};
    const TransformerImpl mlpModel(c, std::move(mw), torch::kFloat32);
    const torch::Tensor mlpSum = (mlpModel.block(0, g, ctx) - g) + (mlpModel.block(1, g, ctx) - g);
    EXPECT_LT(relDiff(mlpWide, mlpSum), 1e-5);
    EXPECT_LT(relDiff(wideOut, x + attnSum + mlpSum), 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Families, FlattenExactness, ::testing::Values("llama", "qwen3", "qwen2", "mistral"),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });

TEST(FlattenPruning, KeepsStandardWidthsAndWholeKvGroups)
{
    c10::InferenceMode guard;
    const auto model = loadFamily("llama");
    const TransformerImpl& impl = model->impl();
    const ModelConfig& c = impl.config();
    const Flattener flattener(c, torch::kFloat32, PlanOptions{});
    const auto& blocks = impl.weights().blocks;
    const BlockWeights wide = flattener.widen({&blocks[0], &blocks[1]});
    const torch::Tensor ids = torch::randint(0, c.vocabSize, {1, 32}, torch::kInt64);
    const AttentionContext ctx = impl.context(ids, {}, 0);
    const std::vector<torch::Tensor> inputs = {randomHidden(c, 1, 32, 1), randomHidden(c, 1, 32, 2),
                                               randomHidden(c, 1, 32, 3)};
    FlattenGroupReport report;
    report.blocks = {0, 1};
    const BlockWeights pruned = flattener.prune(wide, inputs, ctx, report);

    EXPECT_EQ(pruned.numHeads, c.numHeads);
    EXPECT_EQ(pruned.numKvHeads, c.numKvHeads);
    EXPECT_EQ(pruned.q.weight.size(0), c.numHeads * c.headDim);
    EXPECT_EQ(pruned.k.weight.size(0), c.numKvHeads * c.headDim);
    EXPECT_EQ(pruned.v.weight.size(0), c.numKvHeads * c.headDim);
    EXPECT_EQ(pruned.o.weight.size(1), c.numHeads * c.headDim);
    EXPECT_EQ(pruned.up.weight.size(0), c.intermediateSize);
    EXPECT_EQ(pruned.gate.weight.size(0), c.intermediateSize);
    EXPECT_EQ(pruned.down.weight.size(1), c.intermediateSize);
    EXPECT_EQ(report.tokens, 96);
    ASSERT_EQ(report.headScores.size(), static_cast<std::size_t>(2 * c.numHeads));
    ASSERT_EQ(report.keptKvGroups.size(), static_cast<std::size_t>(c.numKvHeads));

    // Each kept KV group brings its own K/V rows and exactly its query heads' rows: whole groups, in order.
    const std::int64_t hd = c.headDim, perGroup = c.numHeads / c.numKvHeads;
    for (std::size_t j = 0; j < report.keptKvGroups.size(); ++j) {
        const std::int64_t g = report.keptKvGroups[j];
        const auto jj = static_cast<std::int64_t>(j);
        EXPECT_TRUE(torch::equal(pruned.k.weight.narrow(0, jj * hd, hd), wide.k.weight.narrow(0, g * hd, hd)));
        EXPECT_TRUE(torch::equal(pruned.v.weight.narrow(0, jj * hd, hd), wide.v.weight.narrow(0, g * hd, hd)));
        EXPECT_TRUE(torch::equal(pruned.q.weight.narrow(0, jj * perGroup * hd, perGroup * hd),
                                 wide.q.weight.narrow(0, g * perGroup * hd, perGroup * hd)));
        EXPECT_TRUE(torch::equal(pruned.o.weight.narrow(1, jj * perGroup * hd, perGroup * hd),
                                 wide.o.weight.narrow(1, g * perGroup * hd, perGroup * hd)));
    }
    // The kept groups are the top groups by summed head score.
    std::vector<double> groupScore(static_cast<std::size_t>(2 * c.numKvHeads), 0.0);
    for (std::size_t h = 0; h < report.headScores.size(); ++h)
        groupScore[h / static_cast<std::size_t>(perGroup)] += report.headScores[h];
    double minKept = 1e300, maxDropped = -1e300;
    for (std::size_t g = 0; g < groupScore.size(); ++g) {
        const bool kept = std::find(report.keptKvGroups.begin(), report.keptKvGroups.end(),
                                    static_cast<std::int64_t>(g)) != report.keptKvGroups.end();
        (kept ? minKept : maxDropped) = kept ? std::min(minKept, groupScore[g]) : std::max(maxDropped, groupScore[g]);
    }
    EXPECT_GE(minKept, maxDropped);
}

TEST(FlattenPruning, NystromCompensationBeatsPlainRowSelection)
{
    c10::InferenceMode guard;
    const auto model = loadFamily("llama");
    const TransformerImpl& impl = model->impl();
    const ModelConfig& c = impl.config();
    const Flattener flattener(c, torch::kFloat32, PlanOptions{});
    const auto& blocks = impl.weights().blocks;
    const BlockWeights wide = flattener.widen({&blocks[0], &blocks[1]});
    // C from real activations of the wide MLP.
    const torch::Tensor ids = torch::randint(0, c.vocabSize, {4, 24}, torch::kInt64);
    const AttentionContext ctx = impl.context(ids, {}, 0);
    const torch::Tensor x = impl.embed(ids, {}, 0);
    const torch::Tensor psi = capture(flattener.scratchModel(wide), 0, x, ctx, ProbePoint::MlpIntermediate);
    const torch::Tensor p = psi.reshape({-1, psi.size(-1)}).to(torch::kFloat64);
    FlattenGroupReport report;
    const BlockWeights pruned = flattener.pruneMlp(wide, p.t().mm(p), report);
    EXPECT_GT(report.lambda, 0.0);
    EXPECT_GT(report.selectionError, 0.0);
    EXPECT_LT(report.compensatedError, report.selectionError);

    // The same measured directly on the activations: ||Psi W_D - Psi_S W'|| vs ||Psi W_D - Psi_S S^T W_D||.
    const torch::Tensor idx = torch::tensor(report.keptChannels, torch::kInt64);
    const torch::Tensor full = p.mm(wide.down.weight.to(torch::kFloat64).t());
    const torch::Tensor ps = p.index_select(1, idx);
    const double plain =
        (full - ps.mm(wide.down.weight.to(torch::kFloat64).index_select(1, idx).t())).norm().item<double>();
    const double compensated = (full - ps.mm(pruned.down.weight.to(torch::kFloat64).t())).norm().item<double>();
    EXPECT_LT(compensated, plain);
    EXPECT_NEAR(compensated * compensated / full.pow(2).sum().item<double>(), report.compensatedError, 1e-6);
}

TEST(FlattenPruning, Qwen3CollapsesPerHeadNormGains)
{
    c10::InferenceMode guard;
    const auto model = loadFamily("qwen3");
    const TransformerImpl& impl = model->impl();
    const Flattener flattener(impl.config(), torch::kFloat32, PlanOptions{});
    const auto& blocks = impl.weights().blocks;
    BlockWeights kept = flattener.keepKvGroups(flattener.widen({&blocks[0], &blocks[1]}), {0, 1});
    ASSERT_EQ(kept.qNorm.weight.dim(), 2);
    // Groups 0 and 1 both come from block 0: one gain, exactly block 0's.
    EXPECT_EQ(Flattener::collapseQkNorm(kept), 0.0);
    EXPECT_TRUE(torch::allclose(kept.qNorm.weight, blocks[0].qNorm.weight));
    EXPECT_TRUE(torch::allclose(kept.kNorm.weight, blocks[0].kNorm.weight));
}

TEST(FlattenPruning, RejectsNonLlamaFamilies)
{
    const auto model = loadFamily("opt");
    EXPECT_THROW(Flattener(model->config(), torch::kFloat32, PlanOptions{}), Error);
}
