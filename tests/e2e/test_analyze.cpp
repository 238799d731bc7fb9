// SPDX-License-Identifier: GPL-3.0-or-later
// `flatslice analyze` on the real demo model with a small protocol (label `slow`): exit codes, the JSON summary,
// the session file, protocol warnings, and Ctrl-C. The numbers themselves are checked against transformers by
// tests/reference/check_analysis_hf.py. The usage errors (AnalyzeCli) need no model: label `fast`.
#include <gtest/gtest.h>

#include <csignal>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/sessionfile.h"
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

std::string quoted(const fs::path& p)
{
    return "'" + p.string() + "'";
}

const fs::path kCalib = fs::path(FLATSLICE_SHARED_DATA) / "wikitext-2" / "valid.txt";
const fs::path kEval = fs::path(FLATSLICE_SHARED_DATA) / "wikitext-2-raw" / "wiki.test.raw";

bool anyContains(const nlohmann::json& warnings, const std::string& text)
{
    for (const auto& w : warnings)
        if (w.get<std::string>().find(text) != std::string::npos)
            return true;
    return false;
}

class DemoAnalyze : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_model = test::demoModel();
        if (m_model.empty())
            FLATSLICE_SKIP_UNLESS_REQUIRED() << "demo model not present (run ./dev setup)";
        for (const fs::path& text : {kCalib, kEval})
            if (!fs::exists(text))
                FLATSLICE_SKIP_UNLESS_REQUIRED() << "shared WikiText-2 text not present: " << text;
    }
    std::string small() const
    {
        return "analyze " + quoted(m_model) + " --calib " + quoted(kCalib) + " --samples 4 --seqlen 128 --threads 2";
    }
    fs::path m_model;
};

} // namespace

TEST_F(DemoAnalyze, JsonHasThirtyBlocksRankedPairsAndTheWindows)
{
    test::ScratchDir scratch;
    const fs::path session = scratch / "demo.flatslice.h5";
    const Output r = run(small() + " --json -o " + quoted(session));
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["blocks"].size(), 30u);
    ASSERT_EQ(j["pairs"].size(), 29u);
    for (std::size_t i = 1; i < j["pairs"].size(); ++i)
        EXPECT_GE(j["pairs"][i - 1]["similarity"].get<double>(), j["pairs"][i]["similarity"].get<double>());
    const auto first = j["pairs"][0]["blocks"][0].get<std::size_t>();
    EXPECT_DOUBLE_EQ(j["pairs"][0]["similarity"].get<double>(), j["blocks"][first]["cos_in_out"].get<double>());
    for (const auto& b : j["blocks"]) {
        EXPECT_GE(b["cos_in_out"].get<double>(), -1.0);
        EXPECT_LE(b["cos_in_out"].get<double>(), 1.0);
        EXPECT_EQ(b["head_score"].size(), 9u);
        EXPECT_EQ(b["top_heads"].size(), 3u);
        EXPECT_GE(b["attn_dim95"].get<int>(), 1);
        EXPECT_GT(b["attn_input_trace"].get<double>(), 0.0);
    }
    EXPECT_EQ(j["any_to_any"].size(), 31u);
    EXPECT_EQ(j["windows"]["offsets"].size(), 4u);
    EXPECT_EQ(j["windows"]["ids_sha256"].get<std::string>().size(), 64u);
    EXPECT_EQ(j["protocol"]["samples"], 4);
    EXPECT_EQ(j["protocol"]["seqlen"], 128);
    EXPECT_EQ(j["protocol"]["seed"], 42);
    EXPECT_EQ(j["protocol"]["corpus_sha256"], "f0737ed31fc1329026e95cb8b98e19c2a182c39c240ab909dc31abf2f8af58e8");
    // 512 tokens < hidden size 576: the covariance is rank-deficient and the run says so.
    EXPECT_TRUE(anyContains(j["warnings"], "hidden size 576"));

    const core::AnalysisResult back = core::readSession(session);
    ASSERT_EQ(back.blocks.size(), 30u);
    EXPECT_DOUBLE_EQ(back.blocks[first].cosInOut, j["blocks"][first]["cos_in_out"].get<double>());
    EXPECT_EQ(back.protocol.samples, 4);
}

TEST_F(DemoAnalyze, TextSummaryNamesTheMostRedundantPairs)
{
    const Output r = run(small());
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.out.find("most redundant adjacent pairs"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("  1. blocks "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("   29  "), std::string::npos) << r.out; // the table's last block row
}

TEST_F(DemoAnalyze, SameSeedSameWindowsOtherSeedOtherWindows)
{
    const std::string base = "analyze " + quoted(m_model) + " --calib " + quoted(kCalib) +
                             " --samples 1 --seqlen 16 --threads 2 --json";
    const auto a = nlohmann::json::parse(run(base + " --seed 5").out);
    const auto b = nlohmann::json::parse(run(base + " --seed 5").out);
    const auto c = nlohmann::json::parse(run(base + " --seed 6").out);
    EXPECT_EQ(a["windows"]["offsets"], b["windows"]["offsets"]);
    EXPECT_EQ(a["blocks"][10]["cos_in_out"], b["blocks"][10]["cos_in_out"]);
    EXPECT_NE(a["windows"]["offsets"], c["windows"]["offsets"]);
}

TEST_F(DemoAnalyze, CalibratingOnTheEvaluationTextIsFlagged)
{
    const Output r = run("analyze " + quoted(m_model) + " --calib " + quoted(kEval) + " --eval " + quoted(kEval) +
                         " --samples 1 --seqlen 16 --threads 2 --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_TRUE(anyContains(nlohmann::json::parse(r.out)["warnings"], "flattering"));
    const Output clean = run("analyze " + quoted(m_model) + " --calib " + quoted(kCalib) + " --eval " + quoted(kEval) +
                             " --samples 1 --seqlen 16 --threads 2 --json");
    ASSERT_EQ(clean.exitCode, 0) << clean.err;
    EXPECT_FALSE(anyContains(nlohmann::json::parse(clean.out)["warnings"], "flattering"));
}

TEST_F(DemoAnalyze, InterruptExits130AndWritesNoSession)
{
    test::ScratchDir scratch;
    const fs::path session = scratch / "cancelled.flatslice.h5";
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        const int fd = ::open((scratch / "out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        execl(FLATSLICE_CLI, FLATSLICE_CLI, "analyze", m_model.c_str(), "--calib", kCalib.c_str(), "--samples", "64",
              "--seqlen", "512", "--threads", "2", "-o", session.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    sleep(6); // past loading, inside the analysis
    kill(child, SIGINT);
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 130) << test::readFile(scratch / "out");
    EXPECT_FALSE(fs::exists(session));
    for (const auto& entry : fs::directory_iterator(scratch.path()))
        EXPECT_EQ(entry.path().filename(), "out") << "left behind: " << entry.path();
}

TEST(AnalyzeCli, UsageErrors)
{
    EXPECT_EQ(run("analyze model.gguf").exitCode, 2);                         // no --calib
    EXPECT_EQ(run("analyze model.gguf --calib x.txt --seed -1").exitCode, 2); // negative seed
    EXPECT_EQ(run("analyze model.gguf --calib x.txt --samples 0").exitCode, 2);
    EXPECT_EQ(run("analyze model.gguf --calib x.txt --frobnicate").exitCode, 2);
    EXPECT_EQ(run("analyze --help").exitCode, 0);
}
