// `flatslice eval` and `generate` on the real demo model (label `slow`): perplexity must agree with what
// transformers computed from the same GGUF (tests/reference/make_demo_eval_reference.py), within 0.5%.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include "testsupport.h"

using namespace flatslice;
namespace fs = std::filesystem;

namespace {

struct Output {
    int exitCode = -1;
    std::string out, err;
};

Output run(const std::string& arguments)
{
    test::ScratchDir scratch;
    const std::string command = std::string(FLATSLICE_CLI) + " " + arguments + " >" + (scratch / "out").string() +
                                " 2>" + (scratch / "err").string() + " </dev/null";
    const int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, test::readFile(scratch / "out"),
            test::readFile(scratch / "err")};
}

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
            GTEST_SKIP() << "demo model not present (run ./dev setup)";
    }
    fs::path m_model;
};

} // namespace

TEST_F(DemoEval, GgufPerplexityMatchesTransformersWithinHalfAPercent)
{
    const Output r = run("eval '" + m_model.string() + "' --data '" + kWikiTest +
                         "' --seqlen 512 --max-tokens 2048 --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto got = nlohmann::json::parse(r.out);
    const auto ref = reference();
    const double want = ref["gguf"]["seqlen512_2048"]["perplexity"];
    EXPECT_EQ(got["windows"], 4);
    EXPECT_EQ(got["predicted"], ref["gguf"]["seqlen512_2048"]["predicted"]);
    EXPECT_EQ(got["protocol"]["data_sha256"], ref["data_sha256"]);
    EXPECT_EQ(got["protocol"]["tokens_in_file"], ref["tokens_in_file"]);
    EXPECT_LE(std::fabs(got["perplexity"].get<double>() / want - 1.0), 0.005)
        << "flatslice " << got["perplexity"] << " vs transformers " << want;
}

TEST_F(DemoEval, ConvertedDirectoryGivesTheSamePerplexity)
{
    test::ScratchDir scratch;
    ASSERT_EQ(run("convert '" + m_model.string() + "' -o '" + (scratch / "hf").string() + "'").exitCode, 0);
    const Output r = run("eval '" + (scratch / "hf").string() + "' --data '" + kWikiTest +
                         "' --seqlen 512 --max-tokens 2048 --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const double want = reference()["converted"]["seqlen512_2048"]["perplexity"];
    EXPECT_LE(std::fabs(nlohmann::json::parse(r.out)["perplexity"].get<double>() / want - 1.0), 0.005);
}

TEST_F(DemoEval, GenerateNamesTheCapitalOfFrance)
{
    const Output r = run("generate '" + m_model.string() + "' --prompt 'The capital of France is' --max-new 12");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.out.find("Paris"), std::string::npos) << r.out;
}

TEST(EvalCli, MissingDataIsAUsageError)
{
    EXPECT_EQ(run("eval model.gguf").exitCode, 2);
    EXPECT_EQ(run("generate model.gguf").exitCode, 2);
}
