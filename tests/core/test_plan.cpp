// SPDX-License-Identifier: GPL-3.0-or-later
// Plan: the *.plan.json format (round trip, every validation rule names its field), result-layer mapping, the
// ratio -> width rounding rule, and suggestPlan's greedy pair choice and Block Influence drop.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "analysis/analysisresult.h"
#include "compress/plan.h"
#include "compress/plansuggestion.h"
#include "model/modelconfig.h"
#include "util/error.h"

using namespace flatslice::core;

namespace {

using Groups = std::vector<std::vector<std::int64_t>>;

// SmolLM2-135M's published config.json (hyperparameters only).
ModelConfig smolConfig()
{
    return parseHfConfig(R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 49152,
        "hidden_size": 576, "intermediate_size": 1536, "num_hidden_layers": 30, "num_attention_heads": 9,
        "num_key_value_heads": 3, "max_position_embeddings": 8192, "rms_norm_eps": 1e-05, "rope_theta": 100000,
        "tie_word_embeddings": true})",
                         "smollm2.json");
}

// Phi-2 (parallel blocks) from its config.json.
ModelConfig phi2Config()
{
    return parseHfConfig(R"({"architectures": ["PhiForCausalLM"], "model_type": "phi", "vocab_size": 51200,
        "hidden_size": 2560, "intermediate_size": 10240, "num_hidden_layers": 32, "num_attention_heads": 32,
        "num_key_value_heads": 32, "max_position_embeddings": 2048, "partial_rotary_factor": 0.4,
        "layer_norm_eps": 1e-05, "hidden_act": "gelu_new", "tie_word_embeddings": false})",
                         "phi2.json");
}

std::string planText(const std::string& body)
{
    return std::string(R"({"format": "flatslice-plan", "version": 1)") + (body.empty() ? "" : ", " + body) + "}";
}

// Parses `body` (fields after format/version) and expects an Error whose message contains `needle`.
void expectRejected(const std::string& body, const std::string& needle)
{
    try {
        Plan::fromJson(planText(body), "plan.json");
        ADD_FAILURE() << "accepted: " << body;
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
}

void expectRejectedBy(const ModelConfig& config, const std::string& body, const std::string& needle)
{
    const Plan plan = Plan::fromJson(planText(body), "plan.json");
    try {
        plan.validateAgainst(config, "plan.json");
        ADD_FAILURE() << "accepted for the model: " << body;
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
}

Plan fullPlan()
{
    Plan p;
    p.model.path = "/models/smollm2-135m";
    p.model.format = "safetensors";
    p.model.files = {"model.safetensors"};
    p.model.fileSha256 = {std::string(64, 'a')};
    p.model.configJson = R"({"architectures":["LlamaForCausalLM"],"hidden_size":576})";
    p.protocol.corpusPath = "wikitext-2/valid.txt";
    p.protocol.corpusSha256 = std::string(64, 'b');
    p.protocol.corpusTokens = 250000;
    p.protocol.samples = 64;
    p.protocol.seqlen = 256;
    p.protocol.seed = 7;
    p.protocol.dtype = "BF16";
    p.protocol.flatsliceVersion = "0.3.0";
    p.flatten = {{10, 11}, {14, 15, 16}};
    p.drop = {3, 20};
    SlicePlan s;
    s.dims = {{512, 504}, {496, 496}};
    s.rounding = 8;
    s.sliceHead = true;
    s.headWidth = 480;
    p.slice = s;
    p.options.flattenLambdaFactor = 5.0;
    p.options.headScore = HeadScore::Contribution;
    p.options.statistics = StatisticsSource::Original;
    p.options.sliceDamping = 0.02;
    p.options.finalOrientation = FinalOrientation::Random;
    p.options.seed = 99;
    return p;
}

// A synthetic analysis: block i's input/output cosine = pairSimilarity(i); BI = 1 - cos.
AnalysisResult syntheticAnalysis(const ModelConfig& config, const std::vector<double>& cosInOut)
{
    AnalysisResult a;
    a.config = config;
    a.config.numLayers = static_cast<std::int64_t>(cosInOut.size());
    a.model.path = "synthetic";
    a.protocol.samples = 16;
    for (const double c : cosInOut) {
        BlockAnalysis b;
        b.cosInOut = c;
        b.blockInfluence = 1.0 - c;
        a.blocks.push_back(b);
    }
    return a;
}

} // namespace

// ---- format ---------------------------------------------------------------------------------------------------------

TEST(Plan, MinimalPlanHasDefaults)
{
    const Plan p = Plan::fromJson(planText(""), "plan.json");
    EXPECT_TRUE(p.flatten.empty());
    EXPECT_TRUE(p.drop.empty());
    EXPECT_FALSE(p.slice.has_value());
    EXPECT_DOUBLE_EQ(p.options.flattenLambdaFactor, 10.0);
    EXPECT_EQ(p.options.headScore, HeadScore::FlattenGpt);
    EXPECT_EQ(p.options.statistics, StatisticsSource::Refed);
    EXPECT_DOUBLE_EQ(p.options.sliceDamping, 0.01);
    EXPECT_EQ(p.protocol.samples, 128);
}

TEST(Plan, JsonRoundTripKeepsEveryField)
{
    const Plan p = fullPlan();
    const std::string text = p.toJson();
    const Plan q = Plan::fromJson(text, "plan.json");
    EXPECT_EQ(q.model.path, p.model.path);
    EXPECT_EQ(q.model.format, p.model.format);
    EXPECT_EQ(q.model.files, p.model.files);
    EXPECT_EQ(q.model.fileSha256, p.model.fileSha256);
    EXPECT_EQ(q.model.configJson, p.model.configJson);
    EXPECT_EQ(q.protocol.corpusPath, p.protocol.corpusPath);
    EXPECT_EQ(q.protocol.corpusSha256, p.protocol.corpusSha256);
    EXPECT_EQ(q.protocol.corpusTokens, p.protocol.corpusTokens);
    EXPECT_EQ(q.protocol.samples, p.protocol.samples);
    EXPECT_EQ(q.protocol.seqlen, p.protocol.seqlen);
    EXPECT_EQ(q.protocol.seed, p.protocol.seed);
    EXPECT_EQ(q.protocol.dtype, p.protocol.dtype);
    EXPECT_EQ(q.protocol.flatsliceVersion, p.protocol.flatsliceVersion);
    EXPECT_EQ(q.flatten, p.flatten);
    EXPECT_EQ(q.drop, p.drop);
    EXPECT_EQ(q.slice, p.slice);
    EXPECT_DOUBLE_EQ(q.options.flattenLambdaFactor, 5.0);
    EXPECT_EQ(q.options.headScore, HeadScore::Contribution);
    EXPECT_EQ(q.options.statistics, StatisticsSource::Original);
    EXPECT_DOUBLE_EQ(q.options.sliceDamping, 0.02);
    EXPECT_EQ(q.options.finalOrientation, FinalOrientation::Random);
    EXPECT_EQ(q.options.seed, 99u);
    EXPECT_EQ(q.toJson(), text);
    EXPECT_NE(text.find("[14, 15, 16]"), std::string::npos) << text; // block lists stay on one line
}

TEST(Plan, RatioSliceRoundTrips)
{
    Plan p;
    p.slice = SlicePlan{};
    p.slice->ratio = 0.25;
    p.slice->rounding = 16;
    p.slice->shortcuts = false;
    const Plan q = Plan::fromJson(p.toJson(), "plan.json");
    EXPECT_EQ(q.slice, p.slice);
    EXPECT_NE(p.toJson().find("\"ratio\": 0.25"), std::string::npos) << p.toJson();
}

TEST(Plan, WritesFormatAndVersion)
{
    const std::string text = Plan{}.toJson();
    EXPECT_NE(text.find("\"format\": \"flatslice-plan\""), std::string::npos) << text;
    EXPECT_NE(text.find("\"version\": 1"), std::string::npos) << text;
}

TEST(Plan, FlattenAndDropAreSortedIntoCanonicalOrder)
{
    const Plan p = Plan::fromJson(planText(R"("flatten": [[14, 15], [10, 11]], "drop": [20, 3])"), "plan.json");
    EXPECT_EQ(p.flatten, (Groups{{10, 11}, {14, 15}}));
    EXPECT_EQ(p.drop, (std::vector<std::int64_t>{3, 20}));
}

TEST(Plan, PerLayerDimsAcceptNumbersAndObjects)
{
    const Plan p = Plan::fromJson(planText(R"("slice": {"dims": [512, {"attn": 496, "mlp": 488}]})"), "plan.json");
    ASSERT_TRUE(p.slice.has_value());
    EXPECT_EQ(p.slice->dims, (std::vector<SliceDims>{{512, 512}, {496, 488}}));
}

// ---- rejections: one rule each, each naming its field ------------------------------------------------------------

TEST(PlanValidation, InvalidJsonIsNamed)
{
    try {
        Plan::fromJson("{not json", "plan.json");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("plan.json: not valid JSON"), std::string::npos) << e.what();
    }
}

TEST(PlanValidation, WrongFormatIsRejected)
{
    try {
        Plan::fromJson(R"({"format": "slicegpt", "version": 1})", "plan.json");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("plan.json: format = \"slicegpt\""), std::string::npos) << e.what();
    }
}

TEST(PlanValidation, MissingVersionIsRejected)
{
    try {
        Plan::fromJson(R"({"format": "flatslice-plan"})", "plan.json");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("plan.json: version: missing"), std::string::npos) << e.what();
    }
}

TEST(PlanValidation, FutureVersionIsRejected)
{
    try {
        Plan::fromJson(R"({"format": "flatslice-plan", "version": 2})", "plan.json");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("version = 2: unsupported"), std::string::npos) << e.what();
    }
}

TEST(PlanValidation, UnknownFieldIsRejected)
{
    expectRejected(R"("slice": {"ratio": 0.2, "sliceHaed": true})", "slice.sliceHaed: unknown field");
}

TEST(PlanValidation, WrongTypeIsNamed)
{
    expectRejected(R"("slice": {"ratio": "0.2"})", "slice.ratio = \"0.2\": expected a number");
}

TEST(PlanValidation, NonIntegerBlockIsNamed)
{
    expectRejected(R"("flatten": [[3, 4.5]])", "flatten[0][1] = 4.5: expected an integer");
}

TEST(PlanValidation, FlattenGroupNeedsTwoBlocks)
{
    expectRejected(R"("flatten": [[3]])", "flatten[0] = [3]: a group needs at least 2 blocks");
}

TEST(PlanValidation, FlattenBlocksMustBeAdjacent)
{
    expectRejected(R"("flatten": [[1, 2], [3, 5]])", "plan.json: flatten[1] = [3, 5]: blocks must be adjacent");
}

TEST(PlanValidation, FlattenBlocksMustBeAscending)
{
    expectRejected(R"("flatten": [[5, 4]])", "flatten[0] = [5, 4]: blocks must be adjacent");
}

TEST(PlanValidation, FlattenGroupsMustNotOverlap)
{
    expectRejected(R"("flatten": [[10, 11], [11, 12]])", "flatten[1] = [11, 12]: overlaps flatten[0] = [10, 11]");
}

TEST(PlanValidation, NegativeBlockIsRejected)
{
    expectRejected(R"("flatten": [[-1, 0]])", "flatten[0] = [-1, 0]: block indices must be >= 0");
}

TEST(PlanValidation, DropListedTwiceIsRejected)
{
    expectRejected(R"("drop": [4, 7, 4])", "drop[2] = 4: listed twice");
}

TEST(PlanValidation, DropMustNotOverlapFlatten)
{
    expectRejected(R"("flatten": [[10, 11]], "drop": [11])", "drop[0] = 11: block 11 is also in flatten[0] = [10, 11]");
}

TEST(PlanValidation, RatioOfOneIsRejected)
{
    expectRejected(R"("slice": {"ratio": 1.0})", "slice.ratio = 1: must be in [0, 1)");
}

TEST(PlanValidation, NegativeRatioIsRejected)
{
    expectRejected(R"("slice": {"ratio": -0.1})", "slice.ratio = -0.1: must be in [0, 1)");
}

TEST(PlanValidation, RatioAndDimsAreExclusive)
{
    expectRejected(R"("slice": {"ratio": 0.2, "dims": [512]})", "slice: give either \"ratio\" or \"dims\"");
}

TEST(PlanValidation, SliceNeedsRatioOrDims)
{
    expectRejected(R"("slice": {"rounding": 8})", "slice: needs \"ratio\"");
}

TEST(PlanValidation, RoundingMustBePositive)
{
    expectRejected(R"("slice": {"ratio": 0.2, "rounding": 0})", "slice.rounding = 0: must be >= 1");
}

TEST(PlanValidation, DimsMustBeMultiplesOfRounding)
{
    expectRejected(R"("slice": {"dims": [512, 500]})", "slice.dims[1] = 500: not a multiple of slice.rounding = 8");
}

TEST(PlanValidation, DimsMustBePositive)
{
    expectRejected(R"("slice": {"dims": [{"attn": 512, "mlp": 0}]})", "slice.dims[0].mlp = 0: must be > 0");
}

TEST(PlanValidation, HeadWidthNeedsSliceHead)
{
    expectRejected(R"("slice": {"dims": [512], "headWidth": 512})", "slice.headWidth = 512: only with slice.sliceHead");
}

TEST(PlanValidation, SlicedHeadWithDimsNeedsHeadWidth)
{
    expectRejected(R"("slice": {"dims": [512], "sliceHead": true})", "slice.headWidth: required");
}

TEST(PlanValidation, HeadWidthWithRatioIsRejected)
{
    expectRejected(R"("slice": {"ratio": 0.2, "sliceHead": true, "headWidth": 456})",
                   "slice.headWidth = 456: only with slice.dims");
}

TEST(PlanValidation, NoShortcutsNeedOneWidth)
{
    expectRejected(R"("slice": {"dims": [512, 496], "shortcuts": false})",
                   "slice.dims[1] = 496: without shortcuts (slice.shortcuts = false) every width must equal");
}

TEST(PlanValidation, UnknownHeadScoreIsNamed)
{
    expectRejected(R"("options": {"headScore": "wanda"})", "options.headScore = \"wanda\": expected one of");
}

TEST(PlanValidation, LambdaFactorMustBePositive)
{
    expectRejected(R"("options": {"flattenLambdaFactor": 0})", "options.flattenLambdaFactor = 0: must be > 0");
}

TEST(PlanValidation, DampingMustNotBeNegative)
{
    expectRejected(R"("options": {"sliceDamping": -0.01})", "options.sliceDamping = -0.01: must be >= 0");
}

TEST(PlanValidation, Sha256MustBeADigest)
{
    expectRejected(R"("model": {"files": [{"name": "model.gguf", "sha256": "abc"}]})",
                   "model.files[0].sha256 = \"abc\": expected 64 hex digits");
}

TEST(PlanValidation, CalibrationSamplesMustBePositive)
{
    expectRejected(R"("calibration": {"samples": 0})", "calibration.samples = 0: must be > 0");
}

TEST(PlanValidation, FlattenBlockOutOfRangeNeedsTheModel)
{
    expectRejectedBy(smolConfig(), R"("flatten": [[29, 30]])",
                     "flatten[0] = [29, 30]: block 30 is out of range (the model has 30 blocks, 0..29)");
}

TEST(PlanValidation, DropBlockOutOfRangeNeedsTheModel)
{
    expectRejectedBy(smolConfig(), R"("drop": [30])", "drop[0] = 30: block 30 is out of range");
}

TEST(PlanValidation, PlanMustLeaveALayer)
{
    std::string drop;
    for (int b = 2; b < 30; ++b)
        drop += ", " + std::to_string(b);
    // One merged layer is still a model; dropping its blocks too is not.
    EXPECT_NO_THROW(Plan::fromJson(planText(R"("flatten": [[0, 1]], "drop": [)" + drop.substr(2) + "]"), "plan.json")
                        .validateAgainst(smolConfig(), "plan.json"));
    expectRejectedBy(smolConfig(), R"("drop": [0, 1)" + drop + "]", "drop: the plan leaves no layer");
}

TEST(PlanValidation, DimLargerThanHiddenSizeIsRejected)
{
    std::string dims = "[640";
    for (int i = 1; i < 30; ++i)
        dims += ", 512";
    expectRejectedBy(smolConfig(), R"("slice": {"dims": )" + dims + "]}",
                     "slice.dims[0] = 640: larger than the model's hidden size 576");
}

TEST(PlanValidation, DimsNeedOneEntryPerResultLayer)
{
    expectRejectedBy(smolConfig(), R"("flatten": [[3, 4]], "slice": {"dims": [512, 512]})",
                     "slice.dims: 2 entries, but the plan leaves 29 layers");
}

TEST(PlanValidation, HeadWidthLargerThanHiddenSizeIsRejected)
{
    std::string dims = "[512";
    for (int i = 1; i < 30; ++i)
        dims += ", 512";
    expectRejectedBy(smolConfig(), R"("slice": {"dims": )" + dims + R"(], "sliceHead": true, "headWidth": 584})",
                     "slice.headWidth = 584: larger than the model's hidden size 576");
}

TEST(PlanValidation, ParallelBlocksHaveOneWidthPerLayer)
{
    std::string dims = R"([{"attn": 2048, "mlp": 2040})";
    for (int i = 1; i < 32; ++i)
        dims += ", 2048";
    expectRejectedBy(phi2Config(), R"("slice": {"dims": )" + dims + "]}",
                     "slice.dims[0] = {attn: 2048, mlp: 2040}: parallel blocks (PhiForCausalLM) have one residual "
                     "width per layer");
}

TEST(PlanValidation, RatioThatLeavesNoWidthIsRejected)
{
    expectRejectedBy(smolConfig(), R"("slice": {"ratio": 0.95, "rounding": 64})",
                     "slice.ratio = 0.95: leaves no width");
}

// ---- meaning ----------------------------------------------------------------------------------------------------

TEST(Plan, ResultLayersMapToOriginalBlocks)
{
    Plan p;
    p.flatten = {{2, 3}, {5, 6, 7}};
    p.drop = {0};
    EXPECT_EQ(p.resultLayers(9), (Groups{{1}, {2, 3}, {4}, {5, 6, 7}, {8}}));
    EXPECT_EQ(p.blocksRemoved(), 4);
}

TEST(Plan, SlicedWidthFollowsTheReferenceRounding)
{
    // shared/research/slicegpt.md §1.8/§1.9: d' = int((1 - s) D), then down to a multiple of the rounding.
    EXPECT_EQ(slicedWidth(576, 0.10, 8), 512);
    EXPECT_EQ(slicedWidth(576, 0.20, 8), 456);
    EXPECT_EQ(slicedWidth(576, 0.25, 8), 432);
    EXPECT_EQ(slicedWidth(576, 0.30, 8), 400);
    EXPECT_EQ(slicedWidth(576, 0.40, 8), 344);
    EXPECT_EQ(slicedWidth(576, 0.50, 8), 288);
    EXPECT_EQ(slicedWidth(768, 0.20, 8), 608);
    EXPECT_EQ(slicedWidth(768, 0.30, 8), 536);
    EXPECT_EQ(slicedWidth(2560, 0.20, 8), 2048);
    EXPECT_EQ(slicedWidth(4096, 0.25, 8), 3072);
    EXPECT_EQ(slicedWidth(4096, 0.30, 8), 2864); // int(2867.2) = 2867 -> 2864
    EXPECT_EQ(slicedWidth(576, 0.20, 1), 460);
    EXPECT_EQ(slicedWidth(576, 0.20, 64), 448);
}

// ---- suggestions ----------------------------------------------------------------------------------------------

TEST(PlanSuggestion, GreedyPairsTakeTheMostSimilarFreePair)
{
    // pairSimilarity(i) = cos between the inputs of blocks i and i+1. Greedy: (6,7) 0.99, then (1,2) 0.98, which
    // blocks (2,3) 0.97; then (4,5) 0.96. Taking the top three similarities blindly would overlap at block 2.
    const AnalysisResult a = syntheticAnalysis(smolConfig(), {0.80, 0.98, 0.97, 0.90, 0.96, 0.85, 0.99, 0.50});
    SuggestOptions o;
    o.flattenCount = 3;
    const Plan p = suggestPlan(a, o);
    EXPECT_EQ(p.flatten, (Groups{{1, 2}, {4, 5}, {6, 7}}));
    EXPECT_TRUE(p.drop.empty());
    EXPECT_EQ(p.model.path, "synthetic");
    EXPECT_EQ(p.protocol.samples, 16);
}

TEST(PlanSuggestion, DropTakesTheLowestBlockInfluence)
{
    const AnalysisResult a = syntheticAnalysis(smolConfig(), {0.80, 0.98, 0.97, 0.90, 0.96, 0.85, 0.99, 0.50});
    SuggestOptions o;
    o.dropCount = 3;
    EXPECT_EQ(suggestPlan(a, o).drop, (std::vector<std::int64_t>{1, 2, 6}));
}

TEST(PlanSuggestion, DropSkipsFlattenedBlocks)
{
    const AnalysisResult a = syntheticAnalysis(smolConfig(), {0.80, 0.98, 0.97, 0.90, 0.96, 0.85, 0.99, 0.50});
    SuggestOptions o;
    o.flattenCount = 1;
    o.dropCount = 2;
    const Plan p = suggestPlan(a, o);
    EXPECT_EQ(p.flatten, (Groups{{6, 7}}));
    EXPECT_EQ(p.drop, (std::vector<std::int64_t>{1, 2}));
}

TEST(PlanSuggestion, ProtectedEndsAreNeverChosen)
{
    const AnalysisResult a = syntheticAnalysis(smolConfig(), {0.99, 0.50, 0.60, 0.98, 0.40});
    SuggestOptions o;
    o.flattenCount = 1;
    o.dropCount = 1;
    o.protectFirst = true;
    o.protectLast = true;
    const Plan p = suggestPlan(a, o);
    EXPECT_EQ(p.flatten, (Groups{{2, 3}})); // (0,1) 0.99 and (3,4) 0.98 touch protected blocks
    EXPECT_EQ(p.drop, (std::vector<std::int64_t>{1}));
}

TEST(PlanSuggestion, LargerGroupsUseTheAnyToAnySimilarityOfTheirEnds)
{
    AnalysisResult a = syntheticAnalysis(smolConfig(), {0.5, 0.9, 0.8, 0.7, 0.6});
    const std::int64_t d = a.depths(); // 6
    a.anyToAny.assign(static_cast<std::size_t>(d * d), 0.0);
    const auto set = [&](std::int64_t i, std::int64_t k, double v) {
        a.anyToAny[static_cast<std::size_t>(i * d + k)] = a.anyToAny[static_cast<std::size_t>(k * d + i)] = v;
    };
    // After (1,2) at 0.9: [0] + [1,2] scores S(0,2) = 0.3, [1,2] + [3] scores S(1,3) = 0.85, pair (3,4) 0.7.
    set(0, 2, 0.3);
    set(1, 3, 0.85);
    SuggestOptions o;
    o.flattenCount = 2;
    o.maxGroupSize = 3;
    EXPECT_EQ(suggestPlan(a, o).flatten, (Groups{{1, 2, 3}}));
    o.maxGroupSize = 2; // pairs only: (1,2) then (3,4)
    EXPECT_EQ(suggestPlan(a, o).flatten, (Groups{{1, 2}, {3, 4}}));
}

TEST(PlanSuggestion, FlattenRatioBecomesTheFewestMergesReachingIt)
{
    // shared/research/flattengpt.md §1.6: SmolLM2-135M, 8 merges remove 21.05% of all parameters; 7 remove 18.4%.
    const AnalysisResult a = syntheticAnalysis(smolConfig(), std::vector<double>(30, 0.9));
    SuggestOptions o;
    o.flattenRatio = 0.21;
    const Plan p = suggestPlan(a, o);
    EXPECT_EQ(p.flatten.size(), 8u);
    EXPECT_EQ(p.blocksRemoved(), 8);
}

TEST(PlanSuggestion, TooManyMergesIsAnError)
{
    const AnalysisResult a = syntheticAnalysis(smolConfig(), {0.9, 0.9, 0.9, 0.9});
    SuggestOptions o;
    o.flattenCount = 3; // 4 blocks hold at most 2 disjoint pairs
    EXPECT_THROW(suggestPlan(a, o), Error);
}
