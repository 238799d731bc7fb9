// `flatslice compress` on the real demo model (label `slow`): flatten two pairs with a small calibration set and
// check that the exported directory loads, has 28 layers and a finite perplexity.
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
        GTEST_SKIP() << "demo model not present (run ./dev setup)";
    test::ScratchDir scratch;
    test::writeFile(scratch / "plan.json", R"({"format": "flatslice-plan", "version": 1, "flatten": [[20, 21], [24, 25]]})");
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
