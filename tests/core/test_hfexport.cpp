// SPDX-License-Identifier: GPL-3.0-or-later
// HfExporter: a compressed model written as a Hugging Face directory reloads with the same logits.
#include <gtest/gtest.h>

#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

#include "compress/compressor.h"
#include "export/hfexporter.h"
#include "model/checkpoint.h"
#include "model/transformer.h"
#include "model/transformerimpl.h"
#include "testsupport.h"

using namespace flatslice::core;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<Transformer> load(const fs::path& path)
{
    return Transformer::load(*Checkpoint::open(path), {});
}

std::vector<std::vector<std::int32_t>> windows(std::int64_t vocab)
{
    std::vector<std::vector<std::int32_t>> out(2);
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t j = 0; j < 16; ++j)
            out[i].push_back(static_cast<std::int32_t>((i * 31 + j * 7 + 1) % static_cast<std::size_t>(vocab)));
    return out;
}

class HfExportRoundTrip : public ::testing::TestWithParam<std::string> {};

} // namespace

TEST_P(HfExportRoundTrip, FlattenedModelReloadsWithTheSameLogits)
{
    const fs::path source = flatslice::test::dataDir() / "families" / GetParam();
    const auto model = load(source);
    Plan plan;
    plan.flatten = {{0, 1}};
    Compressor compressor(model->impl(), plan);
    compressor.run(windows(model->config().vocabSize), 1);

    flatslice::test::ScratchDir scratch;
    HfExportOptions options;
    options.tokenizerSource = source;
    options.flatsliceJson = R"({"plan": {"flatten": [[0, 1]]}})";
    options.selfCheckTokens = {1, 5, 9, 20, 3, 7, 11, 2};
    const HfExportResult r = HfExporter(options).write(compressor.result(), scratch / "out");
    EXPECT_NEAR(r.selfCheckReloaded / r.selfCheckInMemory, 1.0, 1e-5);
    for (const char* file :
         {"config.json", "model.safetensors", "generation_config.json", "flatslice.json", "README.md"})
        EXPECT_TRUE(fs::exists(scratch / "out" / file)) << file;

    const auto reloaded = load(scratch / "out");
    EXPECT_EQ(reloaded->config().numLayers, 1);
    EXPECT_EQ(reloaded->config().numHeads, model->config().numHeads);
    c10::InferenceMode guard;
    const torch::Tensor ids = torch::randint(0, model->config().vocabSize, {1, 12}, torch::kInt64);
    EXPECT_TRUE(torch::allclose(reloaded->impl().forward(ids, {}), compressor.result().forward(ids, {}), 1e-5, 1e-5));

    const auto meta = nlohmann::json::parse(flatslice::test::readFile(scratch / "out" / "flatslice.json"));
    EXPECT_EQ(meta["format"], "flatslice-export");
    EXPECT_EQ(meta["plan"]["flatten"][0][1], 1);
    EXPECT_EQ(meta["export"]["layers"], 1);
    EXPECT_EQ(meta["self_check"]["ids"].size(), 8u);
}

TEST_P(HfExportRoundTrip, SlicedModelReloadsWithTheSameLogitsAndRemoteCode)
{
    const fs::path source = flatslice::test::dataDir() / "families" / GetParam();
    const auto model = load(source);
    Plan plan;
    plan.slice = SlicePlan{};
    plan.slice->dims = {{56, 48}, {40, 64}}; // every width differs: the export must record each
    Compressor compressor(model->impl(), plan);
    compressor.run(windows(model->config().vocabSize), 1);

    flatslice::test::ScratchDir scratch;
    HfExportOptions options;
    options.tokenizerSource = source;
    options.selfCheckTokens = {1, 5, 9, 20, 3, 7, 11, 2};
    const HfExportResult r = HfExporter(options).write(compressor.result(), scratch / "out");
    EXPECT_NEAR(r.selfCheckReloaded / r.selfCheckInMemory, 1.0, 1e-5);
    for (const char* file : {"modeling_flatslice.py", "configuration_flatslice.py"})
        EXPECT_TRUE(fs::exists(scratch / "out" / file)) << file;
    const auto config = nlohmann::json::parse(flatslice::test::readFile(scratch / "out" / "config.json"));
    EXPECT_EQ(config["architectures"][0], "FlatsliceSlicedForCausalLM");
    EXPECT_EQ(config["auto_map"]["AutoModelForCausalLM"], "modeling_flatslice.FlatsliceSlicedForCausalLM");
    EXPECT_EQ(config["flatslice_slicing"]["layers"][0]["mid"], 48);
    EXPECT_EQ(config["flatslice_slicing"]["embedding_width"], 56);

    const auto reloaded = load(scratch / "out");
    EXPECT_TRUE(reloaded->config().sliced());
    EXPECT_EQ(reloaded->impl().weights().blocks[1].q.weight.size(1), 40);
    c10::InferenceMode guard;
    const torch::Tensor ids = torch::randint(0, model->config().vocabSize, {1, 12}, torch::kInt64);
    EXPECT_TRUE(torch::allclose(reloaded->impl().forward(ids, {}), compressor.result().forward(ids, {}), 1e-5, 1e-5));
}

TEST(HfExport, SlicedCheckpointWithBrokenWidthChainIsAClearError)
{
    const fs::path source = flatslice::test::dataDir() / "families" / "llama";
    const auto model = load(source);
    Plan plan;
    plan.slice = SlicePlan{};
    plan.slice->ratio = 0.25;
    Compressor compressor(model->impl(), plan);
    compressor.run(windows(model->config().vocabSize), 1);
    flatslice::test::ScratchDir scratch;
    HfExportOptions options;
    HfExporter(options).write(compressor.result(), scratch / "out");
    // Claim the model is a plain Llama: the weights' widths no longer fit and loading must say so.
    auto config = nlohmann::json::parse(flatslice::test::readFile(scratch / "out" / "config.json"));
    config["flatslice_slicing"]["norm_divisor"] = 7;
    flatslice::test::writeFile(scratch / "out" / "config.json", config.dump());
    EXPECT_THROW(load(scratch / "out"), Error);
    config["flatslice_slicing"]["norm_divisor"] = model->config().hiddenSize;
    config["architectures"] = {"LlamaForCausalLM"};
    flatslice::test::writeFile(scratch / "out" / "config.json", config.dump());
    EXPECT_THROW(load(scratch / "out"), Error);
}

INSTANTIATE_TEST_SUITE_P(Families, HfExportRoundTrip, ::testing::Values("llama", "qwen3", "qwen2", "llama-tied"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                             std::string name = param.param;
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

TEST(HfExport, Bf16WeightsPassTheSelfCheckAgainstTheRoundedModel)
{
    const auto model = load(flatslice::test::dataDir() / "families" / "llama");
    flatslice::test::ScratchDir scratch;
    HfExportOptions options;
    options.dtype = DType::BF16;
    options.selfCheckTokens = {1, 5, 9, 20, 3, 7, 11, 2};
    const HfExportResult r = HfExporter(options).write(model->impl(), scratch / "out");
    EXPECT_NEAR(r.selfCheckReloaded / r.selfCheckInMemory, 1.0, 1e-4);
    const auto config = nlohmann::json::parse(flatslice::test::readFile(scratch / "out" / "config.json"));
    EXPECT_EQ(config["torch_dtype"], "bfloat16");
}

TEST(HfExport, ExistingDirectoryIsAnErrorWithoutOverwrite)
{
    const auto model = load(flatslice::test::dataDir() / "families" / "llama");
    flatslice::test::ScratchDir scratch;
    fs::create_directories(scratch / "out");
    EXPECT_THROW(HfExporter(HfExportOptions{}).write(model->impl(), scratch / "out"), Error);
}
