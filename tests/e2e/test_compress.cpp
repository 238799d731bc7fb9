// SPDX-License-Identifier: GPL-3.0-or-later
// `flatslice compress` on the real demo model (label `slow`): flatten two pairs with a small calibration set and
// check that the exported directory loads, has 28 layers and a finite perplexity. CompressCli (also `slow`: it
// calibrates on the shared WikiText-2 text) compresses the tiny GGUF fixture.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "testsupport.h"

using namespace flatslice;
namespace fs = std::filesystem;

namespace {

const std::string kValid = std::string(FLATSLICE_SHARED_DATA) + "/wikitext-2/valid.txt";
const std::string kWikiTest = std::string(FLATSLICE_SHARED_DATA) + "/wikitext-2-raw/wiki.test.raw";

} // namespace

TEST(DemoCompress, FlattenTwoPairsExportsA28LayerModel)
{
    const fs::path model = test::demoModel();
    if (model.empty())
        FLATSLICE_SKIP_UNLESS_REQUIRED() << "demo model not present (run ./dev setup)";
    if (!fs::exists(kValid) || !fs::exists(kWikiTest))
        FLATSLICE_SKIP_UNLESS_REQUIRED() << "shared WikiText-2 text not present: " << kValid << ", " << kWikiTest;
    test::ScratchDir scratch;
    test::writeFile(scratch / "plan.json",
                    R"({"format": "flatslice-plan", "version": 1, "flatten": [[20, 21], [24, 25]]})");
    const test::CliResult r = test::runCli("compress " + test::quoted(model) + " --plan " +
                                           test::quoted(scratch / "plan.json") + " --calib " + test::quoted(kValid) +
                                           " --samples 8 --seqlen 128 -o " + test::quoted(scratch / "out") +
                                           " --eval " + test::quoted(kWikiTest) + " --max-tokens 1024");
    ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
    const auto config = nlohmann::json::parse(test::readFile(scratch / "out" / "config.json"));
    EXPECT_EQ(config["num_hidden_layers"], 28);
    for (const char* file : {"model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json",
                             "flatslice.json", "README.md"})
        EXPECT_TRUE(fs::exists(scratch / "out" / file)) << file;
    const auto meta = nlohmann::json::parse(test::readFile(scratch / "out" / "flatslice.json"));
    const double ppl = meta["evaluation"]["perplexity"];
    EXPECT_TRUE(std::isfinite(ppl));
    EXPECT_GT(ppl, 1.0);

    // The exported directory is a model flatslice loads.
    const test::CliResult e = test::runCli("eval " + test::quoted(scratch / "out") + " --data " +
                                           test::quoted(kWikiTest) + " --seqlen 512 --max-tokens 1024 --json");
    ASSERT_EQ(e.exitCode, 0) << e.err;
    EXPECT_NEAR(nlohmann::json::parse(e.out)["perplexity"].get<double>() / ppl, 1.0, 1e-4);
}

TEST(CompressCli, MissingPlanIsAUsageError)
{
    EXPECT_EQ(test::runCli("compress model.gguf -o out").exitCode, 2);
}

namespace {

const fs::path kTinyLlama = fs::path(FLATSLICE_TEST_DATA) / "tiny-llama" / "tiny-llama.gguf";

test::CliResult compressTiny(const test::ScratchDir& scratch, const std::string& plan, const std::string& extra)
{
    test::writeFile(scratch / "plan.json", plan);
    return test::runCli("compress " + test::quoted(kTinyLlama) + " --plan " + test::quoted(scratch / "plan.json") +
                        " --calib " + test::quoted(kValid) + " --samples 4 --seqlen 32 " + extra);
}

} // namespace

TEST(CompressCli, SlicedExportCarriesRemoteCodeAndReloads)
{
    if (!fs::exists(kValid))
        FLATSLICE_SKIP_UNLESS_REQUIRED() << "shared WikiText-2 text not present: " << kValid;
    test::ScratchDir scratch;
    const test::CliResult r = compressTiny(scratch,
                                           R"({"format": "flatslice-plan", "version": 1, "slice": {"ratio": 0.25}})",
                                           "-o " + test::quoted(scratch / "out"));
    ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
    const auto config = nlohmann::json::parse(test::readFile(scratch / "out" / "config.json"));
    EXPECT_EQ(config["architectures"][0], "FlatsliceSlicedForCausalLM");
    EXPECT_TRUE(config.contains("auto_map"));
    EXPECT_TRUE(fs::exists(scratch / "out" / "modeling_flatslice.py"));
    const auto meta = nlohmann::json::parse(test::readFile(scratch / "out" / "flatslice.json"));
    EXPECT_FALSE(meta["compression"]["slice_widths"].empty());
    EXPECT_FALSE(meta["compression"]["kept_variance"].empty());
    const test::CliResult inspect = test::runCli("inspect " + test::quoted(scratch / "out") + " --json");
    ASSERT_EQ(inspect.exitCode, 0) << inspect.err;
}

TEST(CompressCli, GgufExportOfADropPlanReadsBack)
{
    if (!fs::exists(kValid))
        FLATSLICE_SKIP_UNLESS_REQUIRED() << "shared WikiText-2 text not present: " << kValid;
    test::ScratchDir scratch;
    const test::CliResult r = compressTiny(scratch, R"({"format": "flatslice-plan", "version": 1, "drop": [1]})",
                                           "--format gguf --out-type q8_0 -o " + test::quoted(scratch / "out.gguf"));
    ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
    const test::CliResult inspect = test::runCli("inspect " + test::quoted(scratch / "out.gguf") + " --json");
    ASSERT_EQ(inspect.exitCode, 0) << inspect.err;
    const auto info = nlohmann::json::parse(inspect.out);
    const auto source = nlohmann::json::parse(test::runCli("inspect " + test::quoted(kTinyLlama) + " --json").out);
    EXPECT_EQ(info["layers"].get<int>(), source["layers"].get<int>() - 1);
}

TEST(CompressCli, GgufExportOfASlicedPlanIsRefusedBeforeAnyWork)
{
    if (!fs::exists(kValid))
        FLATSLICE_SKIP_UNLESS_REQUIRED() << "shared WikiText-2 text not present: " << kValid;
    test::ScratchDir scratch;
    const test::CliResult r = compressTiny(scratch,
                                           R"({"format": "flatslice-plan", "version": 1, "slice": {"ratio": 0.25}})",
                                           "--format gguf -o " + test::quoted(scratch / "out.gguf"));
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.err.find("--format hf"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(scratch / "out.gguf"));
}
