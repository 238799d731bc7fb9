// SPDX-License-Identifier: GPL-3.0-or-later
// Estimator: every numeric anchor of the research notes (shared/research/slicegpt.md §1.8-1.9,
// shared/research/flattengpt.md §1.6), reproduced exactly from configs written down from the models' published
// config.json files (hyperparameters only).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "compress/estimator.h"
#include "compress/plan.h"
#include "model/modelconfig.h"
#include "util/error.h"

using namespace flatslice::core;

namespace {

// facebook/opt-125m: V 50272, D 768, 12 layers of 12 heads, ffn 3072, 2048 positions (+2 offset rows), tied head,
// LayerNorm, biases everywhere.
ModelConfig opt125m()
{
    return parseHfConfig(R"({"architectures": ["OPTForCausalLM"], "model_type": "opt", "vocab_size": 50272,
        "hidden_size": 768, "ffn_dim": 3072, "num_hidden_layers": 12, "num_attention_heads": 12,
        "max_position_embeddings": 2048, "do_layer_norm_before": true, "word_embed_proj_dim": 768,
        "activation_function": "relu", "enable_bias": true, "tie_word_embeddings": true})",
                         "opt-125m.json");
}

// microsoft/phi-2: V 51200, D 2560, 32 parallel layers of 32 heads (head dim 80), ffn 10240, untied head with bias.
ModelConfig phi2()
{
    return parseHfConfig(R"({"architectures": ["PhiForCausalLM"], "model_type": "phi", "vocab_size": 51200,
        "hidden_size": 2560, "intermediate_size": 10240, "num_hidden_layers": 32, "num_attention_heads": 32,
        "num_key_value_heads": 32, "max_position_embeddings": 2048, "partial_rotary_factor": 0.4,
        "layer_norm_eps": 1e-05, "hidden_act": "gelu_new", "tie_word_embeddings": false})",
                         "phi-2.json");
}

// meta-llama/Llama-2-7b-hf: V 32000, D 4096, 32 layers of 32 heads, ffn 11008, untied, RMSNorm.
ModelConfig llama2_7b()
{
    return parseHfConfig(R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 32000,
        "hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32, "num_attention_heads": 32,
        "num_key_value_heads": 32, "max_position_embeddings": 4096, "rms_norm_eps": 1e-05,
        "tie_word_embeddings": false})",
                         "llama-2-7b.json");
}

// meta-llama/Llama-2-13b-hf: V 32000, D 5120, 40 layers of 40 heads, ffn 13824.
ModelConfig llama2_13b()
{
    return parseHfConfig(R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 32000,
        "hidden_size": 5120, "intermediate_size": 13824, "num_hidden_layers": 40, "num_attention_heads": 40,
        "num_key_value_heads": 40, "max_position_embeddings": 4096, "rms_norm_eps": 1e-05,
        "tie_word_embeddings": false})",
                         "llama-2-13b.json");
}

// HuggingFaceTB/SmolLM2-135M: V 49152, D 576, 30 layers, 9 heads / 3 KV heads of 64, ffn 1536, tied.
ModelConfig smollm2()
{
    return parseHfConfig(R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 49152,
        "hidden_size": 576, "intermediate_size": 1536, "num_hidden_layers": 30, "num_attention_heads": 9,
        "num_key_value_heads": 3, "max_position_embeddings": 8192, "rms_norm_eps": 1e-05, "rope_theta": 100000,
        "tie_word_embeddings": true})",
                         "smollm2-135m.json");
}

// openai-community/gpt2: V 50257, D 768, 12 layers, 1024 learned positions, tied, LayerNorm, fused c_attn.
ModelConfig gpt2()
{
    return parseHfConfig(R"({"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": 50257,
        "n_embd": 768, "n_layer": 12, "n_head": 12, "n_positions": 1024, "activation_function": "gelu_new"})",
                         "gpt2.json");
}

// Qwen/Qwen2.5-0.5B: V 151936, D 896, 24 layers, 14 heads / 2 KV heads of 64, ffn 4864, q/k/v biases, tied
// (model card: 0.49 B, 0.36 B non-embedding).
ModelConfig qwen25_05b()
{
    return parseHfConfig(R"({"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "vocab_size": 151936,
        "hidden_size": 896, "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14,
        "num_key_value_heads": 2, "max_position_embeddings": 32768, "rms_norm_eps": 1e-06,
        "tie_word_embeddings": true})",
                         "qwen2.5-0.5b.json");
}

// Qwen/Qwen3-0.6B: V 151936, D 1024, 28 layers, 16 heads / 8 KV heads of head_dim 128 (not D / heads), ffn 3072,
// per-head q/k RMSNorms, tied (model card: 0.6 B, 0.44 B non-embedding; its safetensors file stores the tied head
// a second time, hence the 752 M the Hub shows).
ModelConfig qwen3_06b()
{
    return parseHfConfig(R"({"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "vocab_size": 151936,
        "hidden_size": 1024, "intermediate_size": 3072, "num_hidden_layers": 28, "num_attention_heads": 16,
        "num_key_value_heads": 8, "head_dim": 128, "max_position_embeddings": 40960, "rms_norm_eps": 1e-06,
        "tie_word_embeddings": true})",
                         "qwen3-0.6b.json");
}

Plan slicePlan(double ratio, bool sliceHead = false, bool shortcuts = true)
{
    Plan p;
    SlicePlan s;
    s.ratio = ratio;
    s.sliceHead = sliceHead;
    s.shortcuts = shortcuts;
    p.slice = s;
    return p;
}

Plan dropPlan(std::int64_t count)
{
    Plan p;
    for (std::int64_t b = 0; b < count; ++b)
        p.drop.push_back(b + 1);
    return p;
}

Plan flattenPairs(std::int64_t count)
{
    Plan p;
    for (std::int64_t i = 0; i < count; ++i)
        p.flatten.push_back({2 * i + 1, 2 * i + 2});
    return p;
}

double billions(std::int64_t n)
{
    return static_cast<double>(n) / 1e9;
}

double roundTo(double value, double step)
{
    return std::round(value / step) * step;
}

bool anyWarningContains(const Estimate& e, const std::string& needle)
{
    for (const auto& w : e.warnings)
        if (w.find(needle) != std::string::npos)
            return true;
    return false;
}

} // namespace

// ---- dense totals (the published parameter counts) -----------------------------------------------------------

TEST(Estimator, DenseTotalsMatchThePublishedModels)
{
    EXPECT_EQ(estimate(opt125m(), Plan{}).dense.params.total(), 125'239'296);
    EXPECT_EQ(estimate(phi2(), Plan{}).dense.params.total(), 2'779'683'840);
    EXPECT_EQ(estimate(llama2_7b(), Plan{}).dense.params.total(), 6'738'415'616);
    EXPECT_EQ(estimate(smollm2(), Plan{}).dense.params.total(), 134'515'008);
    EXPECT_EQ(estimate(gpt2(), Plan{}).dense.params.total(), 124'439'808);
    EXPECT_EQ(estimate(qwen25_05b(), Plan{}).dense.params.total(), 494'032'768);
    EXPECT_EQ(estimate(qwen3_06b(), Plan{}).dense.params.total(), 596'049'920);
}

TEST(Estimator, SlicingKeepsQwen3PerHeadNorms)
{
    // Block norms fuse away; q_norm and k_norm (head space) stay: 28 layers x 2 x 128.
    EXPECT_EQ(estimate(qwen3_06b(), slicePlan(0.25)).compressed.params.norms, 28 * 2 * 128);
}

TEST(Estimator, EmptyPlanCostsWhatTheDenseModelCosts)
{
    const Estimate e = estimate(smollm2(), Plan{});
    EXPECT_EQ(e.compressed.params.total(), e.dense.params.total());
    EXPECT_EQ(e.compressed.layers, 30);
    EXPECT_DOUBLE_EQ(e.removedRatio, 0.0);
    EXPECT_EQ(e.dense.params.head, 0); // tied: counted once, as the embedding
    EXPECT_TRUE(e.warnings.empty());
}

// ---- SliceGPT anchors (shared/research/slicegpt.md §1.9, the reference's own test assertions)
// ------------------------------------

TEST(Estimator, Opt125mAt20PercentMatchesTheReference)
{
    const Estimate e = estimate(opt125m(), slicePlan(0.2));
    EXPECT_EQ(e.widths.embedding, 608);
    EXPECT_EQ(e.compressed.params.total(),
              147'250'880); // microsoft/TransformerCompression test_experiments.py asserts 147_250_880
    EXPECT_EQ(e.compressed.params.norms, 0);
    EXPECT_EQ(e.compressed.params.head, 50272 * 768 + 50272); // untied, full width, plus the folded-shift bias
    EXPECT_LT(e.removedRatio, 0.0);                           // larger than the dense 125.2 M
}

TEST(Estimator, Opt125mFusedUntiedUnslicedMatchesTheReference)
{
    // The note's "fused, untied, unsliced model": 163,860,064 (s = 0, no shortcut matrices).
    const Estimate e = estimate(opt125m(), slicePlan(0.0, false, false));
    EXPECT_EQ(e.widths.embedding, 768);
    EXPECT_EQ(e.compressed.params.total(), 163'860'064);
}

TEST(Estimator, Phi2At20PercentMatchesTheReference)
{
    const Estimate e = estimate(phi2(), slicePlan(0.2));
    EXPECT_EQ(e.widths.embedding, 2048);
    EXPECT_EQ(e.compressed.params.total(), 2'391'772'160); // test asserts 2_391_772_160
    // One shortcut per parallel block: 31 of 2048 x 2048 and the last 2048 x 2560.
    EXPECT_EQ(e.compressed.params.shortcuts, 31LL * 2048 * 2048 + 2048LL * 2560);
}

TEST(Estimator, Phi2At25And30PercentMatchTheNote)
{
    EXPECT_DOUBLE_EQ(roundTo(billions(estimate(phi2(), slicePlan(0.25)).compressed.params.total()), 0.001), 2.245);
    EXPECT_DOUBLE_EQ(roundTo(billions(estimate(phi2(), slicePlan(0.30)).compressed.params.total()), 0.001), 2.099);
    EXPECT_DOUBLE_EQ(roundTo(billions(estimate(phi2(), Plan{}).dense.params.total()), 0.001), 2.780);
}

struct LlamaRow {
    double ratio;
    std::int64_t width;
    std::int64_t total; // exact, from the formula that reproduces the reference's asserted counts
    double billions;    // the note's figure
};

class EstimatorLlama2 : public ::testing::TestWithParam<LlamaRow> {};

TEST_P(EstimatorLlama2, SlicedTotalsMatchTheNote)
{
    const LlamaRow row = GetParam();
    const Estimate e = estimate(llama2_7b(), slicePlan(row.ratio));
    EXPECT_EQ(e.widths.embedding, row.width);
    EXPECT_EQ(e.compressed.params.total(), row.total);
    EXPECT_DOUBLE_EQ(roundTo(billions(e.compressed.params.total()), 0.001), row.billions);
}

INSTANTIATE_TEST_SUITE_P(Anchors, EstimatorLlama2,
                         ::testing::Values(LlamaRow{0.10, 3680, 6'939'941'888, 6.940},
                                           LlamaRow{0.20, 3272, 6'105'940'928, 6.106},
                                           LlamaRow{0.25, 3072, 5'704'777'728, 5.705},
                                           LlamaRow{0.30, 2864, 5'292'914'432, 5.293}),
                         [](const ::testing::TestParamInfo<LlamaRow>& param) {
                             return "s" + std::to_string(static_cast<int>(std::lround(param.param.ratio * 100)));
                         });

TEST(Estimator, Llama2At10PercentIsLargerThanDenseAndSaysWhy)
{
    const Estimate e = estimate(llama2_7b(), slicePlan(0.10));
    EXPECT_GT(e.compressed.params.total(), e.dense.params.total());
    EXPECT_TRUE(anyWarningContains(e, "shortcut matrices add")) << ::testing::PrintToString(e.warnings);
    EXPECT_TRUE(anyWarningContains(e, "the sliced model is larger than the dense one"));
}

TEST(Estimator, Llama2RatiosOfDenseMatchTheNote)
{
    const auto ratioOfDense = [](double s) {
        const Estimate e = estimate(llama2_7b(), slicePlan(s));
        return static_cast<double>(e.compressed.params.total()) / static_cast<double>(e.dense.params.total());
    };
    EXPECT_DOUBLE_EQ(roundTo(ratioOfDense(0.25), 0.001), 0.847);
    EXPECT_DOUBLE_EQ(roundTo(ratioOfDense(0.30), 0.001), 0.785);
}

// The SmolLM2-135M table of shared/research/slicegpt.md §1.9: three layouts at six ratios, totals in M and fractions of
// 134.5 M.
struct SmolRow {
    double ratio;
    std::int64_t width;
    double referenceM, referenceOfDense; // untied full head, 2 shortcuts per block
    double headM, headOfDense;           // + slice head
    double globalM, globalOfDense;       // one global Q, no shortcuts, head sliced
};

class EstimatorSmolTable : public ::testing::TestWithParam<SmolRow> {};

TEST_P(EstimatorSmolTable, ThreeLayoutsMatchTheNote)
{
    const SmolRow row = GetParam();
    const auto check = [&](const Plan& plan, double millions, double ofDense, const char* layout) {
        SCOPED_TRACE(layout);
        const Estimate e = estimate(smollm2(), plan);
        EXPECT_EQ(e.widths.embedding, row.width);
        const auto total = static_cast<double>(e.compressed.params.total());
        EXPECT_DOUBLE_EQ(roundTo(total / 1e6, 0.1), millions);
        EXPECT_DOUBLE_EQ(roundTo(total / static_cast<double>(e.dense.params.total()), 0.001), ofDense);
    };
    check(slicePlan(row.ratio), row.referenceM, row.referenceOfDense, "reference default");
    check(slicePlan(row.ratio, true), row.headM, row.headOfDense, "slice head");
    check(slicePlan(row.ratio, true, false), row.globalM, row.globalOfDense, "global Q, no shortcuts");
}

INSTANTIATE_TEST_SUITE_P(Anchors, EstimatorSmolTable,
                         ::testing::Values(SmolRow{0.10, 512, 163.7, 1.217, 160.4, 1.193, 144.7, 1.076},
                                           SmolRow{0.20, 456, 147.5, 1.096, 141.4, 1.051, 128.9, 0.958},
                                           SmolRow{0.25, 432, 140.7, 1.046, 133.3, 0.991, 122.1, 0.908},
                                           SmolRow{0.30, 400, 131.6, 0.979, 122.6, 0.912, 113.0, 0.840},
                                           SmolRow{0.40, 344, 116.2, 0.864, 104.3, 0.776, 97.2, 0.723},
                                           SmolRow{0.50, 288, 101.1, 0.751, 86.4, 0.642, 81.4, 0.605}),
                         [](const ::testing::TestParamInfo<SmolRow>& param) {
                             return "s" + std::to_string(static_cast<int>(std::lround(param.param.ratio * 100)));
                         });

TEST(Estimator, SmolLm2MatmulsPerTokenMatchTheNote)
{
    // shared/research/slicegpt.md §1.9: 134.5 M MACs dense, 119.4 M at 25% with a full head, 112.1 M with the head
    // sliced, 100.9 M with one global Q and no shortcuts (attention scores excluded).
    const auto macsM = [](const ModelCost& c) { return roundTo(c.weightFlopsPerToken / 2.0 / 1e6, 0.1); };
    EXPECT_DOUBLE_EQ(macsM(estimate(smollm2(), Plan{}).dense), 134.5);
    EXPECT_DOUBLE_EQ(macsM(estimate(smollm2(), slicePlan(0.25)).compressed), 119.4);
    EXPECT_DOUBLE_EQ(macsM(estimate(smollm2(), slicePlan(0.25, true)).compressed), 112.1);
    EXPECT_DOUBLE_EQ(macsM(estimate(smollm2(), slicePlan(0.25, true, false)).compressed), 100.9);
}

// ---- FlattenGPT / ShortGPT anchors (shared/research/flattengpt.md §1.6)
// -----------------------------------------------------------

TEST(Estimator, SmolLm2EightMergesRemove21Point05Percent)
{
    const Estimate e = estimate(smollm2(), flattenPairs(8));
    EXPECT_EQ(e.compressed.layers, 22);
    EXPECT_EQ(e.layerSources.size(), 22u);
    EXPECT_EQ(e.dense.params.total() - e.compressed.params.total(), 8LL * 3'540'096);
    EXPECT_DOUBLE_EQ(roundTo(e.removedRatio, 0.0001), 0.2105);
    EXPECT_DOUBLE_EQ(roundTo(estimate(smollm2(), flattenPairs(6)).removedRatio, 0.001), 0.158);
    // Ideal compute ratio 134.5 / 106.2 = 1.27 (attention scores ignored).
    EXPECT_DOUBLE_EQ(roundTo(e.dense.weightFlopsPerToken / e.compressed.weightFlopsPerToken, 0.01), 1.27);
}

TEST(Estimator, Llama2DepthPruningRatiosMatchTheNote)
{
    EXPECT_DOUBLE_EQ(roundTo(estimate(llama2_7b(), dropPlan(7)).removedRatio, 0.0001), 0.2102);
    EXPECT_DOUBLE_EQ(roundTo(estimate(llama2_13b(), dropPlan(10)).removedRatio, 0.0001), 0.2437);
    EXPECT_DOUBLE_EQ(roundTo(estimate(llama2_13b(), dropPlan(9)).removedRatio, 0.001), 0.219);
}

TEST(Estimator, FlattenAndDropChangeTheLayerCount)
{
    Plan p;
    p.flatten = {{3, 4, 5}, {10, 11}};
    p.drop = {20, 21};
    const Estimate e = estimate(smollm2(), p);
    EXPECT_EQ(e.compressed.layers, 30 - 2 - 1 - 2);
    EXPECT_EQ(e.widths.layers.size(), 25u);
    EXPECT_EQ(e.layerSources[3], (std::vector<std::int64_t>{3, 4, 5}));
}

TEST(Estimator, FlatteningCostsExactlyWhatDroppingTheSameCountCosts)
{
    const Estimate flat = estimate(smollm2(), flattenPairs(4));
    const Estimate drop = estimate(smollm2(), dropPlan(4));
    EXPECT_EQ(flat.compressed.params.total(), drop.compressed.params.total());
    EXPECT_DOUBLE_EQ(flat.compressed.prefillFlopsPerToken(), drop.compressed.prefillFlopsPerToken());
    EXPECT_EQ(flat.compressed.weightBytes.q8_0, drop.compressed.weightBytes.q8_0);
}

// ---- FLOPs, bytes, KV cache ------------------------------------------------------------------------------------

TEST(Estimator, AttentionScoresDoNotShrinkWithSlicing)
{
    const Estimate e = estimate(smollm2(), slicePlan(0.5, true));
    EXPECT_DOUBLE_EQ(e.compressed.prefillAttentionFlopsPerToken, e.dense.prefillAttentionFlopsPerToken);
    EXPECT_DOUBLE_EQ(e.compressed.decodeAttentionFlopsPerToken, e.dense.decodeAttentionFlopsPerToken);
}

TEST(Estimator, AttentionFlopsCountCausalPositions)
{
    EstimateOptions o;
    o.prefillSeqlen = 512;
    o.decodeContext = 1000;
    const Estimate e = estimate(smollm2(), Plan{}, o);
    const double perPosition = 4.0 * 9 * 64 * 30; // QK^T + AV, all layers
    EXPECT_DOUBLE_EQ(e.dense.prefillAttentionFlopsPerToken, perPosition * 513.0 / 2.0);
    EXPECT_DOUBLE_EQ(e.dense.decodeAttentionFlopsPerToken, perPosition * 1000.0);
    EXPECT_DOUBLE_EQ(e.dense.prefillFlopsPerToken(), e.dense.weightFlopsPerToken + perPosition * 256.5);
}

TEST(Estimator, SlidingWindowCapsAttendedPositions)
{
    ModelConfig c = llama2_7b();
    c.slidingWindow = 4;
    EstimateOptions o;
    o.prefillSeqlen = 10; // positions 1, 2, 3, 4, 4, 4, 4, 4, 4, 4 -> mean 3.4
    o.decodeContext = 100;
    const Estimate e = estimate(c, Plan{}, o);
    const double perPosition = 4.0 * 4096 * 32;
    EXPECT_DOUBLE_EQ(e.dense.prefillAttentionFlopsPerToken, perPosition * 3.4);
    EXPECT_DOUBLE_EQ(e.dense.decodeAttentionFlopsPerToken, perPosition * 4.0);
}

TEST(Estimator, TiedHeadStillCostsItsMatmul)
{
    const Estimate e = estimate(smollm2(), Plan{});
    EXPECT_DOUBLE_EQ(e.dense.weightFlopsPerToken, 2.0 * (30.0 * (884'736 + 2'654'208) + 49152.0 * 576));
}

TEST(Estimator, WeightBytesPerDtype)
{
    const Estimate e = estimate(llama2_7b(), Plan{});
    const std::int64_t params = 6'738'415'616;
    const std::int64_t vectors = 65 * 4096; // 64 block norms + the final norm
    EXPECT_EQ(e.dense.weightBytes.f32, 4 * params);
    EXPECT_EQ(e.dense.weightBytes.bf16, 2 * params);
    EXPECT_EQ(e.dense.weightBytes.f16, 2 * params);
    EXPECT_EQ(e.dense.weightBytes.q8_0, (params - vectors) / 32 * 34 + 4 * vectors); // ~7.16 GB, as llama.cpp's
}

TEST(Estimator, Q8ZeroKeepsRowsThatAreNotWholeBlocksInF16)
{
    Plan p;
    SlicePlan s;
    s.dims.assign(30, SliceDims{456, 456}); // 456 = 14.25 blocks of 32
    p.slice = s;
    const Estimate e = estimate(smollm2(), p);
    // The q8_0 figure lies between all-q8_0 and all-f16 because the readers of 456-wide rows stay f16.
    EXPECT_GT(e.compressed.weightBytes.q8_0, e.compressed.params.total() * 34 / 32);
    EXPECT_LT(e.compressed.weightBytes.q8_0, e.compressed.weightBytes.f16);
}

TEST(Estimator, KvCacheBytesPerToken)
{
    const Estimate llama = estimate(llama2_7b(), Plan{});
    EXPECT_EQ(llama.dense.kvCacheBytesPerToken.f16, 524'288); // 2 x 32 layers x 4096 x 2 bytes = 512 KiB
    EXPECT_EQ(llama.dense.kvCacheBytesPerToken.f32, 2 * 524'288);
    const Estimate smol = estimate(smollm2(), flattenPairs(8));
    EXPECT_EQ(smol.dense.kvCacheBytesPerToken.f16, 2 * 30 * 192 * 2);
    EXPECT_EQ(smol.compressed.kvCacheBytesPerToken.f16, 2 * 22 * 192 * 2);
    EXPECT_EQ(smol.compressed.kvCacheBytesPerToken.q8_0, 2 * 22 * (192 / 32) * 34);
    // Slicing never changes heads, so the cache does not shrink.
    EXPECT_EQ(estimate(smollm2(), slicePlan(0.5)).compressed.kvCacheBytesPerToken.f16, 2 * 30 * 192 * 2);
}

TEST(Estimator, EstimatesAreMonotoneInTheSliceRatio)
{
    for (const bool sliceHead : {false, true}) {
        for (const bool shortcuts : {false, true}) {
            ModelCost previous = estimate(llama2_7b(), slicePlan(0.0, sliceHead, shortcuts)).compressed;
            for (int step = 1; step <= 19; ++step) {
                const double s = 0.05 * step;
                SCOPED_TRACE("s = " + std::to_string(s));
                const ModelCost c = estimate(llama2_7b(), slicePlan(s, sliceHead, shortcuts)).compressed;
                EXPECT_LE(c.params.total(), previous.params.total());
                EXPECT_LE(c.weightFlopsPerToken, previous.weightFlopsPerToken);
                EXPECT_LE(c.prefillFlopsPerToken(), previous.prefillFlopsPerToken());
                EXPECT_LE(c.decodeFlopsPerToken(), previous.decodeFlopsPerToken());
                EXPECT_LE(c.weightBytes.bf16, previous.weightBytes.bf16);
                previous = c;
            }
        }
    }
}

TEST(Estimator, Q8ZeroBytesAreMonotoneWhenWidthsAreWholeBlocks)
{
    // With rounding 8 a width such as 3888 is not whole q8_0 blocks and its readers fall back to f16, so the q8_0
    // figure can rise as s grows; with rounding 32 it cannot.
    Plan p = slicePlan(0.0);
    p.slice->rounding = 32;
    std::int64_t previous = estimate(llama2_7b(), p).compressed.weightBytes.q8_0;
    for (int step = 1; step <= 19; ++step) {
        p.slice->ratio = 0.05 * step;
        const std::int64_t bytes = estimate(llama2_7b(), p).compressed.weightBytes.q8_0;
        EXPECT_LE(bytes, previous) << "s = " << *p.slice->ratio;
        previous = bytes;
    }
}

// ---- widths and warnings ----------------------------------------------------------------------------------------

TEST(Estimator, PerLayerDimsChainThroughTheLayers)
{
    Plan p;
    p.drop.resize(27);
    for (std::size_t i = 0; i < p.drop.size(); ++i)
        p.drop[i] = static_cast<std::int64_t>(i) + 3; // keep blocks 0, 1, 2
    SlicePlan s;
    s.dims = {{512, 504}, {496, 488}, {480, 472}};
    s.sliceHead = true;
    s.headWidth = 464;
    p.slice = s;
    const Estimate e = estimate(smollm2(), p);
    EXPECT_EQ(e.widths.embedding, 512);
    EXPECT_EQ(e.widths.layers, (std::vector<LayerWidths>{{512, 504, 496}, {496, 488, 480}, {480, 472, 464}}));
    EXPECT_EQ(e.widths.head, 464);
    EXPECT_EQ(e.compressed.params.shortcuts, 512 * 504 + 504 * 496 + 496 * 488 + 488 * 480 + 480 * 472 + 472 * 464);
}

TEST(Estimator, HeadKeepsFullWidthUnlessSliced)
{
    const Estimate e = estimate(smollm2(), slicePlan(0.25));
    EXPECT_EQ(e.widths.layers.back(), (LayerWidths{432, 432, 576}));
    EXPECT_EQ(e.widths.head, 576);
    EXPECT_EQ(e.compressed.params.head, 49152 * 576); // untied
}

TEST(Estimator, WarnsAboutWidthsThatAreNotMultiplesOf8)
{
    Plan p;
    SlicePlan s;
    s.ratio = 0.2;
    s.rounding = 1; // 460
    p.slice = s;
    const Estimate e = estimate(smollm2(), p);
    EXPECT_EQ(e.widths.embedding, 460);
    EXPECT_TRUE(anyWarningContains(e, "not a multiple of 8")) << ::testing::PrintToString(e.warnings);
    EXPECT_FALSE(anyWarningContains(estimate(smollm2(), slicePlan(0.2)), "not a multiple of 8"));
}

TEST(Estimator, WarnsWhenTheSlicedModelIsLarger)
{
    const Estimate e = estimate(smollm2(), slicePlan(0.2));
    EXPECT_TRUE(anyWarningContains(e, "shortcut matrices add 12.5 M parameters back"))
        << ::testing::PrintToString(e.warnings);
    EXPECT_TRUE(anyWarningContains(e, "untying the head adds 28.3 M"));
    EXPECT_FALSE(anyWarningContains(estimate(smollm2(), slicePlan(0.5)), "larger than the dense"));
}

TEST(Estimator, WarnsWhenSlicingRemovesFarLessThanTheRatio)
{
    // SmolLM2 at s = 0.4: d' = 344, but shortcuts and the untied head leave only 13.6% removed.
    const Estimate e = estimate(smollm2(), slicePlan(0.4));
    EXPECT_DOUBLE_EQ(roundTo(e.removedRatio, 0.001), 0.136);
    EXPECT_TRUE(anyWarningContains(e, "slice.ratio = 0.4 removes only 13.6% of the parameters"))
        << ::testing::PrintToString(e.warnings);
}

TEST(Estimator, WarnsWhenFlatteningAModelWithOneKvHead)
{
    ModelConfig c = llama2_7b();
    c.numKvHeads = 1;
    EXPECT_TRUE(anyWarningContains(estimate(c, flattenPairs(2)), "single KV head"));
    EXPECT_FALSE(anyWarningContains(estimate(llama2_7b(), flattenPairs(2)), "single KV head"));
}

TEST(Estimator, InvalidPlanForTheModelIsAnError)
{
    Plan p;
    p.drop = {40};
    EXPECT_THROW(estimate(smollm2(), p), Error);
}
