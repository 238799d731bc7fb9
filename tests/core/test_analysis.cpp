// SPDX-License-Identifier: GPL-3.0-or-later
// The redundancy analysis against brute force: every statistic the streaming accumulators produce is recomputed
// in float64 from stored activations of a tiny family model (tests/data/families), and the results' invariants
// (spectra, leverage scores, cosine matrix) are checked. Plus progress and cancellation.
#include <gtest/gtest.h>

#include <c10/core/InferenceMode.h>
#include <cmath>
#include <random>
#include <torch/torch.h>

#include "analysis/analysissummary.h"
#include "analysis/analyze.h"
#include "analysis/calibrationstatistics.h"
#include "analysis/spectralmath.h"
#include "model/checkpoint.h"
#include "model/transformer.h"
#include "model/transformerimpl.h"
#include "testsupport.h"
#include "text/corpus.h"

using namespace flatslice::core;

namespace {

constexpr double kTolerance = 1e-6;

double relativeError(const torch::Tensor& got, const torch::Tensor& want)
{
    const double scale = want.to(torch::kFloat64).norm().item<double>();
    const double diff = (got.to(torch::kFloat64) - want.to(torch::kFloat64)).norm().item<double>();
    return scale > 0.0 ? diff / scale : diff;
}

torch::Tensor fromDoubles(const std::vector<double>& v, const std::vector<std::int64_t>& shape)
{
    return torch::tensor(v, torch::TensorOptions().dtype(torch::kFloat64)).reshape(shape);
}

struct Fixture {
    std::unique_ptr<Checkpoint> checkpoint;
    std::unique_ptr<Transformer> model;
    Corpus corpus;
    CorpusWindows windows;
};

// Random token ids (a fixed stream) from the family's vocabulary, cut into `samples` windows of `seqlen`.
Fixture openFamily(const std::string& family, std::int64_t samples = 6, std::int64_t seqlen = 32)
{
    auto checkpoint = Checkpoint::open(flatslice::test::dataDir() / "families" / family);
    auto model = Transformer::load(*checkpoint, {DType::F32, 2});
    std::mt19937_64 rng(7);
    std::vector<std::int32_t> ids(static_cast<std::size_t>(samples * seqlen * 2));
    for (auto& id : ids)
        id = static_cast<std::int32_t>(rng() % static_cast<std::uint64_t>(model->config().vocabSize));
    Corpus corpus = Corpus::fromTokens(std::move(ids), "synthetic");
    CorpusWindows windows = corpus.sample(samples, seqlen, 3);
    return {std::move(checkpoint), std::move(model), std::move(corpus), std::move(windows)};
}

torch::Tensor windowIds(const Fixture& f, std::int64_t first, std::int64_t count)
{
    torch::Tensor ids = torch::empty({count, f.windows.seqlen}, torch::kInt64);
    for (std::int64_t i = 0; i < count; ++i) {
        const auto w = f.corpus.window(f.windows, first + i);
        for (std::int64_t t = 0; t < f.windows.seqlen; ++t)
            ids[i][t] = static_cast<std::int64_t>(w[static_cast<std::size_t>(t)]);
    }
    return ids;
}

// Every probe tensor of every window (run one window at a time), concatenated over tokens, in float64.
struct Activations {
    std::vector<torch::Tensor> depth;    // L+1 of [n, H]
    std::vector<torch::Tensor> mlpInput; // L of [n, H]
    std::vector<torch::Tensor> psi;      // L of [n, I]
    std::vector<torch::Tensor> heads;    // L of [n, heads, hd]
};

Activations collect(const Fixture& f)
{
    c10::InferenceMode guard;
    const TransformerImpl& impl = f.model->impl();
    const auto layers = static_cast<std::size_t>(impl.config().numLayers);
    std::vector<std::vector<torch::Tensor>> depth(layers + 1), mid(layers), psi(layers), heads(layers);
    Probe probe;
    probe.points = static_cast<std::uint32_t>(ProbePoint::BlockInput) |
                   static_cast<std::uint32_t>(ProbePoint::BlockOutput) |
                   static_cast<std::uint32_t>(ProbePoint::MlpInput) |
                   static_cast<std::uint32_t>(ProbePoint::MlpIntermediate) |
                   static_cast<std::uint32_t>(ProbePoint::AttnHeads);
    probe.callback = [&](std::int64_t block, ProbePoint point, const torch::Tensor& value) {
        const auto b = static_cast<std::size_t>(block);
        const torch::Tensor v = value.to(torch::kFloat64).clone();
        switch (point) {
        case ProbePoint::BlockInput: depth[b].push_back(v.reshape({-1, v.size(-1)})); break;
        case ProbePoint::BlockOutput:
            if (b + 1 == layers)
                depth[b + 1].push_back(v.reshape({-1, v.size(-1)}));
            break;
        case ProbePoint::MlpInput: mid[b].push_back(v.reshape({-1, v.size(-1)})); break;
        case ProbePoint::MlpIntermediate: psi[b].push_back(v.reshape({-1, v.size(-1)})); break;
        case ProbePoint::AttnHeads: heads[b].push_back(v.reshape({-1, v.size(-2), v.size(-1)})); break;
        default: break;
        }
    };
    for (std::int64_t w = 0; w < f.windows.count(); ++w)
        impl.forward(windowIds(f, w, 1), {}, &probe);
    Activations a;
    for (auto& d : depth)
        a.depth.push_back(torch::cat(d));
    for (std::size_t b = 0; b < layers; ++b) {
        if (!mid[b].empty())
            a.mlpInput.push_back(torch::cat(mid[b]));
        a.psi.push_back(torch::cat(psi[b]));
        a.heads.push_back(torch::cat(heads[b]));
    }
    return a;
}

torch::Tensor centered(const torch::Tensor& x)
{
    return x - x.mean(1, true);
}

torch::Tensor perTokenCosine(const torch::Tensor& a, const torch::Tensor& b)
{
    return (a * b).sum(1) / (a.norm(2, {1}) * b.norm(2, {1}));
}

CalibrationStatistics stream(const Fixture& f, std::int64_t batch, bool center)
{
    c10::InferenceMode guard;
    CalibrationStatistics stats(f.model->impl(), center, AnalysisResult::kCosBins);
    for (std::int64_t first = 0; first < f.windows.count(); first += batch)
        stats.add(windowIds(f, first, std::min(batch, f.windows.count() - first)));
    return stats;
}

class StreamingEqualsBruteForce : public ::testing::TestWithParam<std::string> {};

} // namespace

TEST_P(StreamingEqualsBruteForce, SecondMomentsCosinesAndHeadSums)
{
    const Fixture f = openFamily(GetParam());
    const bool center = f.model->config().normKind == NormKind::LayerNorm;
    const CalibrationStatistics stats = stream(f, 4, center); // mini-batches of 4 and 2 windows
    const Activations a = collect(f);
    const std::int64_t n = f.windows.tokens();
    ASSERT_EQ(stats.tokens(), n);
    const auto layers = a.psi.size();
    c10::InferenceMode guard;
    for (std::size_t b = 0; b < layers; ++b) {
        SCOPED_TRACE("block " + std::to_string(b));
        const CalibrationStatistics::Block& s = stats.blocks()[b];
        const torch::Tensor x = center ? centered(a.depth[b]) : a.depth[b];
        EXPECT_LE(relativeError(s.attnInput, x.t().mm(x)), kTolerance);
        if (f.model->config().parallelBlock) {
            EXPECT_FALSE(s.mlpInput.defined());
        } else {
            const torch::Tensor m = center ? centered(a.mlpInput[b]) : a.mlpInput[b];
            EXPECT_LE(relativeError(s.mlpInput, m.t().mm(m)), kTolerance);
        }
        EXPECT_LE(relativeError(s.psi, a.psi[b].t().mm(a.psi[b])), kTolerance);

        const BlockWeights& w = f.model->impl().weights().blocks[b];
        const torch::Tensor o = w.o.weight.to(torch::kFloat64);
        const std::int64_t heads = w.numHeads, hd = o.size(1) / heads;
        const torch::Tensor columnNorms = o.norm(2, {0}).view({heads, hd});
        const torch::Tensor& h = a.heads[b];
        EXPECT_LE(relativeError(s.headActNorm, h.norm(2, {2}).sum(0)), kTolerance);
        EXPECT_LE(relativeError(s.headScore, (h * columnNorms).norm(2, {2}).sum(0)), kTolerance);
        for (std::int64_t head = 0; head < heads; ++head) {
            const torch::Tensor written = h.select(1, head).mm(o.narrow(1, head * hd, hd).t());
            EXPECT_NEAR(s.headContribution[head].item<double>(), written.norm(2, {1}).sum().item<double>(),
                        kTolerance * s.headContribution[head].item<double>());
        }
        const torch::Tensor cos = perTokenCosine(a.depth[b], a.depth[b + 1]);
        const torch::Tensor histogram = torch::histc(cos.clamp(-1.0, 1.0), AnalysisResult::kCosBins, -1.0, 1.0);
        EXPECT_EQ(s.cosHistogram.sum().item<double>(), static_cast<double>(n));
        // A token whose cosine sits on a bin edge may land in either neighbour after f32 vs f64 rounding.
        EXPECT_LE((s.cosHistogram - histogram).abs().sum().item<double>(), 2.0);
    }
    const auto depths = static_cast<std::int64_t>(a.depth.size());
    torch::Tensor cosine = torch::zeros({depths, depths}, torch::kFloat64);
    for (std::int64_t i = 0; i < depths; ++i)
        for (std::int64_t j = 0; j < depths; ++j)
            cosine[i][j] =
                perTokenCosine(a.depth[static_cast<std::size_t>(i)], a.depth[static_cast<std::size_t>(j)]).sum();
    EXPECT_LE(relativeError(stats.cosine(), cosine), kTolerance);
}

INSTANTIATE_TEST_SUITE_P(Analysis, StreamingEqualsBruteForce, ::testing::Values("llama", "opt", "phi", "qwen3"),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });

TEST(Analysis, ResultMatchesBruteForceAndSpectraAreWellFormed)
{
    const Fixture f = openFamily("llama");
    AnalysisOptions options;
    options.batch = 4;
    const AnalysisResult r = analyze(*f.checkpoint, *f.model, f.corpus, f.windows, options);
    const Activations a = collect(f);
    const auto n = static_cast<double>(f.windows.tokens());
    const std::int64_t hidden = f.model->config().hiddenSize;
    ASSERT_EQ(r.blocks.size(), 2u);
    ASSERT_EQ(r.depths(), 3);
    c10::InferenceMode guard;
    for (std::size_t b = 0; b < r.blocks.size(); ++b) {
        SCOPED_TRACE("block " + std::to_string(b));
        const BlockAnalysis& block = r.blocks[b];
        const torch::Tensor cos = perTokenCosine(a.depth[b], a.depth[b + 1]);
        // The result ran mini-batches of 4 windows, the brute force one window at a time: activations differ by
        // f32 GEMM rounding (~1e-8), which is all the tolerance covers.
        EXPECT_NEAR(block.cosInOut, cos.mean().item<double>(), kTolerance);
        EXPECT_DOUBLE_EQ(block.blockInfluence, 1.0 - block.cosInOut);
        ASSERT_EQ(block.cosHistogram.size(), static_cast<std::size_t>(AnalysisResult::kCosBins));

        for (const auto* spectrum : {&block.attnInput, &block.mlpInput}) {
            const torch::Tensor x = spectrum == &block.attnInput ? a.depth[b] : a.mlpInput[b];
            const torch::Tensor c = x.t().mm(x) / n;
            const torch::Tensor values = fromDoubles(spectrum->eigenvalues, {hidden});
            const torch::Tensor vectors = fromDoubles(spectrum->eigenvectors, {hidden, hidden});
            const double top = spectrum->eigenvalues.front();
            for (std::size_t k = 0; k + 1 < spectrum->eigenvalues.size(); ++k)
                EXPECT_GE(spectrum->eigenvalues[k], spectrum->eigenvalues[k + 1]);
            EXPECT_GE(spectrum->eigenvalues.back(), -1e-12 * top);
            EXPECT_NEAR(values.sum().item<double>(), c.trace().item<double>(), kTolerance * c.trace().item<double>());
            const torch::Tensor identity = torch::eye(hidden, torch::kFloat64);
            EXPECT_LE((vectors.t().mm(vectors) - identity).abs().max().item<double>(), 1e-10);
            EXPECT_LE(relativeError(vectors.mm(torch::diag(values)).mm(vectors.t()), c), kTolerance);
            // Column 0 is the top eigenvector: C v = lambda v.
            EXPECT_LE(relativeError(c.mv(vectors.select(1, 0)), top * vectors.select(1, 0)), 1e-6);
            EXPECT_LE(spectrum->dim90, spectrum->dim95);
            EXPECT_LE(spectrum->dim95, spectrum->dim99);
            EXPECT_LE(spectrum->dim99, hidden);
            EXPECT_GE(spectrum->dim90, 1);
        }

        const torch::Tensor c = a.psi[b].t().mm(a.psi[b]);
        const std::int64_t channels = c.size(0);
        const double lambda = 10.0 * c.trace().item<double>() / static_cast<double>(channels);
        EXPECT_NEAR(block.channelLambda, lambda, kTolerance * lambda);
        const torch::Tensor identity = torch::eye(channels, torch::kFloat64);
        // The definition, not the identity the implementation uses: diag(C (C + lambda I)^-1).
        const torch::Tensor leverage = torch::linalg::solve(c + lambda * identity, c, true).diagonal();
        EXPECT_LE(relativeError(fromDoubles(block.channelScore, {channels}), leverage), kTolerance);
        EXPECT_LE(relativeError(fromDoubles(block.channelActNorm, {channels}), (c.diagonal() / n).sqrt()), kTolerance);

        const BlockWeights& w = f.model->impl().weights().blocks[b];
        const torch::Tensor weightNorm = w.down.weight.to(torch::kFloat64).norm(2, {0}) *
                                         w.up.weight.to(torch::kFloat64).norm(2, {1});
        EXPECT_LE(relativeError(fromDoubles(block.channelWeightNorm, {channels}), weightNorm), 1e-12);
        // Head 3 uses KV group 1 (4 heads, 2 KV heads, head_dim 16).
        const torch::Tensor q = w.q.weight.to(torch::kFloat64).narrow(0, 48, 16);
        const torch::Tensor k = w.k.weight.to(torch::kFloat64).narrow(0, 16, 16);
        const torch::Tensor v = w.v.weight.to(torch::kFloat64).narrow(0, 16, 16);
        const torch::Tensor o = w.o.weight.to(torch::kFloat64).narrow(1, 48, 16);
        const double head3 = std::sqrt(q.pow(2).sum().item<double>() + k.pow(2).sum().item<double>() +
                                       v.pow(2).sum().item<double>() + o.pow(2).sum().item<double>());
        EXPECT_NEAR(block.headWeightNorm.at(3), head3, 1e-12 * head3);
        EXPECT_EQ(block.headScore.size(), 4u);
        EXPECT_EQ(block.headContribution.size(), 4u);
        EXPECT_EQ(block.headActNorm.size(), 4u);
    }
    const torch::Tensor any = fromDoubles(r.anyToAny, {3, 3});
    EXPECT_LE((any - any.t()).abs().max().item<double>(), 1e-12);
    EXPECT_LE((any.diagonal() - 1.0).abs().max().item<double>(), 1e-9);
    EXPECT_NEAR(r.pairSimilarity(0), perTokenCosine(a.depth[0], a.depth[1]).mean().item<double>(), kTolerance);
    EXPECT_NEAR(any[0][2].item<double>(), perTokenCosine(a.depth[0], a.depth[2]).mean().item<double>(), kTolerance);
}

TEST(Analysis, RecordsProtocolFingerprintAndConfig)
{
    const Fixture f = openFamily("llama");
    const AnalysisResult r = analyze(*f.checkpoint, *f.model, f.corpus, f.windows, {});
    EXPECT_EQ(r.protocol.samples, 6);
    EXPECT_EQ(r.protocol.seqlen, 32);
    EXPECT_EQ(r.protocol.seed, 3u);
    EXPECT_EQ(r.protocol.dtype, "F32");
    EXPECT_EQ(r.protocol.corpusSha256, f.corpus.sha256());
    EXPECT_EQ(r.protocol.corpusTokens, f.corpus.tokenCount());
    EXPECT_EQ(r.protocol.flatsliceVersion, FLATSLICE_VERSION);
    EXPECT_EQ(r.model.format, "safetensors");
    ASSERT_EQ(r.model.files.size(), 1u);
    EXPECT_EQ(r.model.files[0], "model.safetensors");
    EXPECT_EQ(r.model.fileSha256[0].size(), 64u);
    EXPECT_NE(r.model.configJson.find("LlamaForCausalLM"), std::string::npos);
    EXPECT_EQ(r.config.numLayers, 2);
    EXPECT_GT(r.seconds, 0.0);
}

TEST(Analysis, ParallelBlocksHaveNoMlpInputSpectrum)
{
    const Fixture f = openFamily("phi");
    const AnalysisResult r = analyze(*f.checkpoint, *f.model, f.corpus, f.windows, {});
    for (const BlockAnalysis& b : r.blocks) {
        EXPECT_TRUE(b.mlpInput.eigenvalues.empty());
        EXPECT_EQ(b.attnInput.eigenvalues.size(), 64u);
    }
}

TEST(Analysis, LayerNormFamiliesAnalyseTheCentredResidual)
{
    // After SliceGPT's conversion the residual of a LayerNorm model has zero mean over the hidden axis, so the
    // all-ones direction carries no energy: it is an eigenvector with eigenvalue 0.
    const Fixture f = openFamily("opt");
    const AnalysisResult r = analyze(*f.checkpoint, *f.model, f.corpus, f.windows, {});
    const torch::Tensor ones = torch::ones({64}, torch::kFloat64) / 8.0;
    for (const BlockAnalysis& b : r.blocks) {
        const torch::Tensor vectors = fromDoubles(b.attnInput.eigenvectors, {64, 64});
        const torch::Tensor values = fromDoubles(b.attnInput.eigenvalues, {64});
        const torch::Tensor c = vectors.mm(torch::diag(values)).mm(vectors.t());
        EXPECT_LE(c.mv(ones).norm().item<double>(), 1e-6 * b.attnInput.eigenvalues.front());
    }
}

TEST(Analysis, EigenvectorsCanBeLeftOut)
{
    const Fixture f = openFamily("llama");
    AnalysisOptions options;
    options.keepEigenvectors = false;
    options.hashWeights = false;
    const AnalysisResult r = analyze(*f.checkpoint, *f.model, f.corpus, f.windows, options);
    EXPECT_TRUE(r.blocks[0].attnInput.eigenvectors.empty());
    EXPECT_EQ(r.blocks[0].attnInput.eigenvalues.size(), 64u);
    EXPECT_TRUE(r.model.fileSha256[0].empty());
}

TEST(Analysis, BatchSizeDoesNotChangeTheResult)
{
    const Fixture f = openFamily("qwen2");
    AnalysisOptions one;
    AnalysisOptions four;
    four.batch = 4;
    const AnalysisResult a = analyze(*f.checkpoint, *f.model, f.corpus, f.windows, one);
    const AnalysisResult b = analyze(*f.checkpoint, *f.model, f.corpus, f.windows, four);
    for (std::size_t i = 0; i < a.blocks.size(); ++i) {
        EXPECT_NEAR(a.blocks[i].cosInOut, b.blocks[i].cosInOut, kTolerance); // f32 GEMM blocking differs
        for (std::size_t k = 0; k < a.blocks[i].attnInput.eigenvalues.size(); ++k)
            EXPECT_NEAR(a.blocks[i].attnInput.eigenvalues[k], b.blocks[i].attnInput.eigenvalues[k],
                        1e-6 * a.blocks[i].attnInput.eigenvalues[0]);
    }
}

TEST(Analysis, ReportsProgressUpToTheTotal)
{
    const Fixture f = openFamily("llama");
    AnalysisOptions options;
    options.batch = 4; // 2 mini-batches x 2 blocks, then 2 blocks of spectra
    std::vector<std::pair<std::int64_t, std::int64_t>> seen;
    const Progress progress([&](std::int64_t done, std::int64_t total, std::string_view) {
        seen.emplace_back(done, total);
        return true;
    });
    analyze(*f.checkpoint, *f.model, f.corpus, f.windows, options, progress);
    ASSERT_GE(seen.size(), 6u);
    for (std::size_t i = 1; i < seen.size(); ++i) {
        EXPECT_GE(seen[i].first, seen[i - 1].first);
        EXPECT_EQ(seen[i].second, seen[0].second);
    }
    EXPECT_EQ(seen.back().first, seen.back().second);
}

TEST(Analysis, ProgressReturningFalseCancels)
{
    const Fixture f = openFamily("llama");
    for (const int stopAt : {1, 3, 6}) {
        int calls = 0;
        const Progress progress([&](std::int64_t, std::int64_t, std::string_view) { return ++calls < stopAt; });
        EXPECT_THROW(analyze(*f.checkpoint, *f.model, f.corpus, f.windows, {}, progress), Cancelled) << stopAt;
        EXPECT_EQ(calls, stopAt);
    }
}

TEST(Analysis, WarnsWhenTokensAreFewerThanTheHiddenSize)
{
    const Fixture f = openFamily("llama", 2, 16); // 32 tokens for hidden size 64
    const AnalysisResult r = analyze(*f.checkpoint, *f.model, f.corpus, f.windows, {});
    bool rank = false;
    for (const auto& w : r.warnings)
        rank = rank || w.find("hidden size 64") != std::string::npos;
    EXPECT_TRUE(rank);
    // Rank <= 32: everything past the 32nd eigenvalue is f32 GEMM rounding noise.
    EXPECT_LE(r.blocks[0].attnInput.eigenvalues[40], 1e-5 * r.blocks[0].attnInput.eigenvalues[0]);
}

TEST(Analysis, WarnsWhenWindowsExceedTheContext)
{
    const Fixture f = openFamily("llama", 1, 160); // max_position_embeddings 128
    const AnalysisResult r = analyze(*f.checkpoint, *f.model, f.corpus, f.windows, {});
    bool context = false;
    for (const auto& w : r.warnings)
        context = context || w.find("context of 128") != std::string::npos;
    EXPECT_TRUE(context);
}

TEST(Analysis, EmptyWindowsAreAnError)
{
    const Fixture f = openFamily("llama");
    CorpusWindows none;
    none.seqlen = 32;
    EXPECT_THROW(analyze(*f.checkpoint, *f.model, f.corpus, none, {}), Error);
    AnalysisOptions zero;
    zero.batch = 0;
    EXPECT_THROW(analyze(*f.checkpoint, *f.model, f.corpus, f.windows, zero), Error);
}

TEST(SpectralMath, RidgeLeverageOfADiagonalMatrixIsCOverCPlusLambda)
{
    const torch::Tensor c = torch::diag(torch::tensor({4.0, 1.0, 0.0, 9.0}, torch::kFloat64));
    const auto s = ridgeLeverageScores(c, 1.0);
    EXPECT_NEAR(s[0], 0.8, 1e-15);
    EXPECT_NEAR(s[1], 0.5, 1e-15);
    EXPECT_NEAR(s[2], 0.0, 1e-15);
    EXPECT_NEAR(s[3], 0.9, 1e-15);
}

TEST(SpectralMath, DimensionsCountTheTopEigenvaluesHoldingTheShare)
{
    // Eigenvalues 50, 30, 15, 4, 1 (sum 100): 90% needs 3, 95% needs 3, 99% needs 4.
    const torch::Tensor c = torch::diag(torch::tensor({15.0, 1.0, 50.0, 4.0, 30.0}, torch::kFloat64)) * 10.0;
    const Spectrum s = spectrumOf(c, 10, true);
    ASSERT_EQ(s.eigenvalues.size(), 5u);
    EXPECT_NEAR(s.eigenvalues[0], 50.0, 1e-12);
    EXPECT_NEAR(s.eigenvalues[4], 1.0, 1e-12);
    EXPECT_EQ(s.dim90, 3);
    EXPECT_EQ(s.dim95, 3);
    EXPECT_EQ(s.dim99, 4);
    // Column 0 is the eigenvector of 50: the third axis.
    EXPECT_NEAR(std::fabs(s.eigenvectors[2 * 5 + 0]), 1.0, 1e-12);
}

TEST(AnalysisSummary, RanksAdjacentPairsByInputSimilarity)
{
    AnalysisResult r;
    r.blocks.resize(4);
    r.blocks[0].cosInOut = 0.5;
    r.blocks[1].cosInOut = 0.9;
    r.blocks[2].cosInOut = 0.7;
    r.blocks[3].cosInOut = 0.99; // the last block has no successor: never a pair
    const auto pairs = rankAdjacentPairs(r);
    ASSERT_EQ(pairs.size(), 3u);
    EXPECT_EQ(pairs[0].first, 1);
    EXPECT_EQ(pairs[1].first, 2);
    EXPECT_EQ(pairs[2].first, 0);
    EXPECT_DOUBLE_EQ(pairs[0].similarity, 0.9);
    EXPECT_EQ(topIndices({0.1, 0.5, 0.3}, 2), (std::vector<std::int64_t>{1, 2}));
}
