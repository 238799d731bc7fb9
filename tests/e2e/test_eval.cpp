// SPDX-License-Identifier: GPL-3.0-or-later
// `flatslice eval` and `generate` on the real demo model (label `slow`): perplexity must agree with what
// transformers computed from the same GGUF (tests/reference/make_demo_eval_reference.py), within 0.5%. The usage
// errors (EvalCli) need no model: label `fast`.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "testsupport.h"

using namespace flatslice;
namespace fs = std::filesystem;

namespace {

nlohmann::json reference()
{
    std::ifstream in(test::dataDir() / "demo-eval.json");
    return nlohmann::json::parse(in);
}

const std::string kWikiTest = std::string(FLATSLICE_SHARED_DATA) + "/wikitext-2-raw/wiki.test.raw";

class DemoEval : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_model = test::demoModel();
        if (m_model.empty())
            FLATSLICE_SKIP_UNLESS_REQUIRED() << "demo model not present (run ./dev setup)";
        if (!fs::exists(kWikiTest))
            FLATSLICE_SKIP_UNLESS_REQUIRED() << "shared WikiText-2 text not present: " << kWikiTest;
    }
    fs::path m_model;
};

} // namespace

TEST_F(DemoEval, GgufPerplexityMatchesTransformersWithinHalfAPercent)
{
    const test::CliResult r = test::runCli("eval '" + m_model.string() + "' --data '" + kWikiTest +
                                           "' --seqlen 512 --max-tokens 2048 --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto got = nlohmann::json::parse(r.out);
    const auto ref = reference();
    const double ppl = got["perplexity"];
    EXPECT_EQ(got["windows"], 4);
    EXPECT_EQ(got["predicted"], 2044);
    EXPECT_EQ(got["protocol"]["data_sha256"], ref["data_sha256"]);
    // Our tokenizer reproduces the `tokenizers` library on the converted tokenizer.json id for id ...
    EXPECT_EQ(got["protocol"]["tokens_in_file"], ref["tokenizers_ids"]["tokens_in_file"]);
    // ... so on the same ids the model math must agree with transformers almost exactly,
    const double sameIds = ref["tokenizers_ids"]["seqlen512_2048"]["perplexity"];
    EXPECT_LE(std::fabs(ppl / sameIds - 1.0), 0.0005) << "flatslice " << ppl << " vs transformers " << sameIds;
    // and end to end (transformers tokenizing the GGUF its own way) within the 0.5%.
    const double gguf = ref["gguf"]["seqlen512_2048"]["perplexity"];
    EXPECT_LE(std::fabs(ppl / gguf - 1.0), 0.005) << "flatslice " << ppl << " vs transformers " << gguf;
}

TEST_F(DemoEval, ConvertedDirectoryGivesTheSamePerplexity)
{
    test::ScratchDir scratch;
    ASSERT_EQ(test::runCli("convert '" + m_model.string() + "' -o '" + (scratch / "hf").string() + "'").exitCode, 0);
    const test::CliResult r = test::runCli("eval '" + (scratch / "hf").string() + "' --data '" + kWikiTest +
                                           "' --seqlen 512 --max-tokens 2048 --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const double want = reference()["converted"]["seqlen512_2048"]["perplexity"];
    EXPECT_LE(std::fabs(nlohmann::json::parse(r.out)["perplexity"].get<double>() / want - 1.0), 0.005);
}

TEST_F(DemoEval, GenerateNamesTheCapitalOfFrance)
{
    const test::CliResult r = test::runCli("generate '" + m_model.string() +
                                           "' --prompt 'The capital of France is' --max-new 12");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.out.find("Paris"), std::string::npos) << r.out;
}

TEST(EvalCli, MissingDataIsAUsageError)
{
    EXPECT_EQ(test::runCli("eval model.gguf").exitCode, 2);
    EXPECT_EQ(test::runCli("generate model.gguf").exitCode, 2);
}
