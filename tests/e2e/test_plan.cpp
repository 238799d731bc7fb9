// SPDX-License-Identifier: GPL-3.0-or-later
// `flatslice plan`: the plan file it writes from a session, its summary, and an error naming the flag for every bad
// request. PlanCommand (label `fast`) uses a synthetic 8-block session whose rankings are known; PlanFromAnalyze
// (label `slow`: it needs the shared WikiText-2 text) makes a real session of the tiny GGUF fixture with `analyze`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "analysis/sessionfile.h"
#include "model/modelconfig.h"
#include "testsupport.h"

using namespace flatslice;
namespace fs = std::filesystem;

namespace {

const char* kConfig = R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 16,
  "intermediate_size": 32, "num_hidden_layers": 8, "num_attention_heads": 2, "num_key_value_heads": 1,
  "vocab_size": 64, "max_position_embeddings": 64, "rms_norm_eps": 1e-5, "tie_word_embeddings": false})";

// cos(in, out) per block: pairs by similarity are 4+5 (0.99), 2+3 (0.97), 6+7 (0.96), 1+2 (0.95), ...;
// Block Influence = 1 - cos, lowest first: 4, 2, 6, 1, 3, 5, 0, 7.
constexpr double kCos[8] = {0.80, 0.95, 0.97, 0.90, 0.99, 0.85, 0.96, 0.70};

core::Spectrum spectrum(std::size_t d)
{
    core::Spectrum s;
    for (std::size_t i = 0; i < d; ++i)
        s.eigenvalues.push_back(static_cast<double>(d - i));
    s.eigenvectors.assign(d * d, 0.0);
    for (std::size_t i = 0; i < d; ++i)
        s.eigenvectors[i * d + i] = 1.0;
    s.dim90 = s.dim95 = s.dim99 = static_cast<std::int64_t>(d) - 1;
    return s;
}

fs::path writeSyntheticSession(const fs::path& dir)
{
    core::AnalysisResult r;
    r.model.path = "/models/synthetic";
    r.model.format = "safetensors";
    r.model.configJson = kConfig;
    r.model.files = {"model.safetensors"};
    r.model.fileSha256 = {std::string(64, 'a')};
    r.config = core::parseHfConfig(kConfig, "config.json");
    r.protocol.corpusPath = "calib.txt";
    r.protocol.corpusSha256 = std::string(64, 'c');
    r.protocol.samples = 16;
    r.protocol.seqlen = 32;
    r.protocol.flatsliceVersion = "0.1.0";
    for (const double cos : kCos) {
        core::BlockAnalysis b;
        b.cosInOut = cos;
        b.blockInfluence = 1.0 - cos;
        b.cosHistogram.assign(core::AnalysisResult::kCosBins, 1.0);
        b.attnInput = spectrum(16);
        b.mlpInput = spectrum(16);
        b.headScore = b.headContribution = b.headActNorm = b.headWeightNorm = {1.0, 2.0};
        b.channelScore = b.channelActNorm = b.channelWeightNorm = std::vector<double>(32, 0.5);
        b.channelLambda = 1.0;
        r.blocks.push_back(b);
    }
    r.anyToAny.assign(9 * 9, 0.5);
    fs::path path = dir / "synthetic.flatslice.h5";
    core::writeSession(path, r);
    return path;
}

class PlanCommand : public ::testing::Test {
protected:
    void SetUp() override { m_session = writeSyntheticSession(m_scratch.path()); }

    // Runs `plan SESSION -o OUT <flags>`; on success returns the written plan.
    test::CliResult plan(const std::string& flags) const
    {
        return test::runCli("plan " + test::quoted(m_session) + " -o " + test::quoted(output()) + " " + flags);
    }
    nlohmann::json written() const { return nlohmann::json::parse(test::readFile(output())); }
    fs::path output() const { return m_scratch / "out.plan.json"; }

    test::ScratchDir m_scratch;
    fs::path m_session;
};

using Groups = std::vector<std::vector<std::int64_t>>;
using Blocks = std::vector<std::int64_t>;

void expectError(const test::CliResult& r, const std::string& text)
{
    EXPECT_EQ(r.exitCode, 2) << r.err;
    EXPECT_NE(r.err.find(text), std::string::npos) << r.err;
}

} // namespace

TEST_F(PlanCommand, FlattenRatioTakesTheMostSimilarNonOverlappingPairs)
{
    const test::CliResult r = plan("--flatten-ratio 0.25"); // round(0.25 x 8) = 2 merges
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto p = written();
    EXPECT_EQ(p["format"], "flatslice-plan");
    EXPECT_EQ(p["flatten"].get<Groups>(), (Groups{{2, 3}, {4, 5}}));
    EXPECT_TRUE(p["drop"].empty());
    EXPECT_EQ(p["model"]["path"], "/models/synthetic");
    EXPECT_EQ(p["model"]["files"][0]["sha256"], std::string(64, 'a'));
    EXPECT_EQ(p["calibration"]["corpus"], "calib.txt");
    EXPECT_EQ(p["calibration"]["samples"], 16);
}

TEST_F(PlanCommand, DropCountTakesTheLowestBlockInfluence)
{
    const test::CliResult r = plan("--drop-count 2");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(written()["drop"].get<Blocks>(), (Blocks{2, 4}));
    EXPECT_TRUE(written()["flatten"].empty());
}

TEST_F(PlanCommand, DropsAvoidFlattenedBlocks)
{
    const test::CliResult r = plan("--flatten-ratio 0.25 --drop-count 1");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(written()["flatten"].get<Groups>(), (Groups{{2, 3}, {4, 5}}));
    EXPECT_EQ(written()["drop"].get<Blocks>(), Blocks{6});
}

TEST_F(PlanCommand, ExplicitListsAreWrittenAsGiven)
{
    const test::CliResult r = plan("--flatten 6:7,0:2 --drop 4");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(written()["flatten"].get<Groups>(), (Groups{{0, 1, 2}, {6, 7}}));
    EXPECT_EQ(written()["drop"].get<Blocks>(), Blocks{4});
}

TEST_F(PlanCommand, SuggestedDropsAvoidExplicitFlattening)
{
    const test::CliResult r = plan("--flatten 4:5 --drop-count 1");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(written()["drop"].get<Blocks>(), Blocks{2});
}

TEST_F(PlanCommand, ProtectedBlocksAreNeverChosen)
{
    ASSERT_EQ(plan("--drop-count 1 --protect-first 5").exitCode, 0);
    EXPECT_EQ(written()["drop"].get<Blocks>(), Blocks{6});
    ASSERT_EQ(plan("--drop-count 1 --protect-first 5 --protect-last 2 --force").exitCode, 0);
    EXPECT_EQ(written()["drop"].get<Blocks>(), Blocks{5});
    ASSERT_EQ(plan("--flatten-ratio 0.125 --protect-first 3 --protect-last 3 --force").exitCode, 0);
    EXPECT_EQ(written()["flatten"].get<Groups>(), (Groups{{3, 4}}));
}

TEST_F(PlanCommand, SliceIsRecordedAndSummarised)
{
    const test::CliResult r = plan("--slice 0.25 --rounding 4 --slice-head");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto slice = written()["slice"];
    EXPECT_DOUBLE_EQ(slice["ratio"].get<double>(), 0.25);
    EXPECT_EQ(slice["rounding"], 4);
    EXPECT_EQ(slice["sliceHead"], true);
    EXPECT_NE(r.out.find("residual width 12 of 16"), std::string::npos) << r.out;
}

TEST_F(PlanCommand, SummaryNamesTheChoicesAndTheEstimate)
{
    const test::CliResult r = plan("--flatten-ratio 0.125 --drop-count 1");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.out.find("flatten   blocks 4+5 (input similarity 0.9900)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("drop      block 2 (block influence 0.0300)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("estimate  parameters"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("layers 8 -> 6"), std::string::npos) << r.out;
}

TEST_F(PlanCommand, ExistingPlanIsKeptWithoutForce)
{
    test::writeFile(output(), std::string("{}"));
    const test::CliResult r = plan("--drop-count 1");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.err.find("already exists"), std::string::npos) << r.err;
    EXPECT_EQ(test::readFile(output()), "{}");
}

TEST_F(PlanCommand, BlockOutOfRangeNamesTheFlag)
{
    expectError(plan("--drop 3,9"), "--drop 3,9: plan: drop");
    expectError(plan("--drop 3,9"), "out of range");
    expectError(plan("--flatten 7:8"), "--flatten 7:8");
    EXPECT_FALSE(fs::exists(output()));
}

TEST_F(PlanCommand, MalformedListsNameTheFlag)
{
    expectError(plan("--flatten 3-4"), "--flatten 3-4: '3-4' is not a run I:J");
    expectError(plan("--flatten 3:3"), "must end after it starts");
    expectError(plan("--drop 1,x"), "--drop 1,x: 'x' is not a block number");
    expectError(plan("--flatten-ratio 1.5"), "--flatten-ratio expects a fraction in [0, 1), got '1.5'");
    expectError(plan("--slice -0.1"), "--slice expects a fraction");
    expectError(plan("--drop-count -1"), "--drop-count must be >= 0");
}

TEST_F(PlanCommand, ImpossibleRequestsNameTheFlag)
{
    expectError(plan("--drop-count 9"), "--drop-count 9: suggest plan: cannot drop 9 blocks");
    expectError(plan("--flatten-ratio 0.75 --protect-first 2"), "--flatten-ratio 0.75: suggest plan: cannot flatten");
    expectError(plan("--drop 0 --protect-first 1"), "--drop 0: block 0 is protected by --protect-first 1");
    expectError(plan("--flatten 2:3 --drop 3"), "--drop 3: block 3 is also flattened by --flatten");
    expectError(plan("--flatten 1:2 --flatten-ratio 0.25"), "--flatten and --flatten-ratio exclude each other");
    expectError(plan("--rounding 4"), "--rounding and --slice-head shape slicing; they need --slice R");
    expectError(plan("--protect-first 4 --protect-last 4"), "protect all 8 blocks");
    EXPECT_FALSE(fs::exists(output()));
}

TEST_F(PlanCommand, MissingOutputAndBadSessionAreErrors)
{
    const test::CliResult noOut = test::runCli("plan " + test::quoted(m_session) + " --drop-count 1");
    expectError(noOut, "plan needs -o PLAN.json");
    test::writeFile(m_scratch / "bad.flatslice.h5", std::string("not hdf5"));
    const test::CliResult bad = test::runCli("plan " + test::quoted(m_scratch / "bad.flatslice.h5") + " -o " +
                                             test::quoted(output()));
    EXPECT_EQ(bad.exitCode, 1);
    EXPECT_NE(bad.err.find("bad.flatslice.h5"), std::string::npos) << bad.err;
}

TEST(PlanFromAnalyze, SessionOfTheTinyFixtureGivesAPlanForThatModel)
{
    const fs::path calib = fs::path(FLATSLICE_SHARED_DATA) / "wikitext-2" / "valid.txt";
    if (!fs::exists(calib))
        FLATSLICE_SKIP_UNLESS_REQUIRED() << "calibration text not present: " << calib;
    const fs::path model = test::dataDir() / "tiny-llama" / "tiny-llama.gguf";
    test::ScratchDir scratch;
    const fs::path session = scratch / "tiny.flatslice.h5";
    const test::CliResult analyzed = test::runCli("analyze " + test::quoted(model) + " --calib " + test::quoted(calib) +
                                                  " --samples 2 --seqlen 16 --threads 1 -o " + test::quoted(session));
    ASSERT_EQ(analyzed.exitCode, 0) << analyzed.err;
    const core::AnalysisResult a = core::readSession(session);
    const std::int64_t lowest = a.blocks[0].blockInfluence <= a.blocks[1].blockInfluence ? 0 : 1;

    const test::CliResult r = test::runCli("plan " + test::quoted(session) + " --drop-count 1 -o " +
                                           test::quoted(scratch / "p.json"));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto p = nlohmann::json::parse(test::readFile(scratch / "p.json"));
    EXPECT_EQ(p["drop"].get<Blocks>(), Blocks{lowest});
    EXPECT_EQ(p["model"]["path"], model.string());
    EXPECT_EQ(p["model"]["format"], "gguf");
    EXPECT_EQ(p["calibration"]["seqlen"], 16);
    EXPECT_NE(r.out.find("layers 2 -> 1"), std::string::npos) << r.out;
}
