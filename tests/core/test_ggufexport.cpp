// SPDX-License-Identifier: GPL-3.0-or-later
// GgufExporter and GgufWriter: what is written reads back through our reader (and in llama.cpp's layout), bad
// models and bad input are clear Errors, and the output file appears whole or not at all.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "export/ggufexporter.h"
#include "format/ggufdequant.h"
#include "format/gguffile.h"
#include "format/ggufquantize.h"
#include "format/ggufwriter.h"
#include "model/checkpoint.h"
#include "model/ggufcheckpoint.h"
#include "model/transformer.h"
#include "model/transformerimpl.h"
#include "testsupport.h"

using namespace flatslice::core;
namespace fs = std::filesystem;

namespace {

fs::path tinyGguf()
{
    return flatslice::test::dataDir() / "tiny-llama" / "tiny-llama.gguf";
}

std::unique_ptr<Transformer> loadTiny()
{
    return Transformer::load(*Checkpoint::open(tinyGguf()), {});
}

GgufExportOptions optionsFor(const std::string& type)
{
    GgufExportOptions o;
    o.type = type;
    o.tokenizerSource = tinyGguf();
    o.flatsliceJson = R"({"plan": {"drop": [5]}})";
    o.modelName = "tiny-export";
    o.selfCheckTokens = {54, 260, 223, 20, 277, 280, 85, 271, 280, 320, 223, 21};
    return o;
}

std::vector<std::string> filesIn(const fs::path& dir)
{
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// The tiny model with different weights, same config: `edit` changes the weights.
std::unique_ptr<TransformerImpl> edited(const TransformerImpl& model,
                                        const std::function<void(ModelConfig&, ModelWeights&)>& edit)
{
    ModelConfig config = model.config();
    ModelWeights weights = model.weights();
    edit(config, weights);
    return std::make_unique<TransformerImpl>(config, std::move(weights), torch::kFloat32);
}

float maxAbs(const std::vector<float>& v)
{
    float m = 0.0f;
    for (const float x : v)
        m = std::max(m, std::fabs(x));
    return m;
}

} // namespace

TEST(GgufExport, F32RoundTripIsBitForBitThroughOurReader)
{
    const auto model = loadTiny();
    flatslice::test::ScratchDir scratch;
    const GgufExportResult r = GgufExporter(optionsFor("f32")).write(model->impl(), scratch / "out.gguf");
    EXPECT_EQ(r.tensors, 21);
    const auto source = Checkpoint::open(tinyGguf());
    const auto written = Checkpoint::open(scratch / "out.gguf");
    ASSERT_EQ(written->tensors().size(), source->tensors().size());
    for (const CheckpointTensorInfo& info : source->tensors()) {
        const std::vector<float> a = toFloatVector(source->tensor(info.name));
        const std::vector<float> b = toFloatVector(written->tensor(info.name));
        ASSERT_EQ(a.size(), b.size()) << info.name;
        EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0) << info.name;
        EXPECT_EQ(written->findTensor(info.name)->shape, info.shape) << info.name;
    }
    EXPECT_NEAR(r.selfCheckReloaded / r.selfCheckInMemory, 1.0, 1e-6);
}

TEST(GgufExport, QueryAndKeyRowsAreStoredInLlamaCppOrder)
{
    const auto model = loadTiny();
    flatslice::test::ScratchDir scratch;
    GgufExporter(optionsFor("f32")).write(model->impl(), scratch / "out.gguf");
    const GgufFile file = GgufFile::open(scratch / "out.gguf");
    const auto source = Checkpoint::open(tinyGguf());
    for (const auto& [gguf, hf, heads] :
         {std::tuple{"blk.1.attn_q.weight", "model.layers.1.self_attn.q_proj.weight", 4},
          std::tuple{"blk.1.attn_k.weight", "model.layers.1.self_attn.k_proj.weight", 2}}) {
        std::vector<float> expected = toFloatVector(source->tensor(hf));
        const auto rows = static_cast<std::int64_t>(expected.size() / 64);
        GgufExporter::permuteRows(expected, heads, rows, 64);
        EXPECT_EQ(toFloatVector(file.dequantize(gguf)), expected) << gguf;
    }
}

TEST(GgufExport, PermutationMatchesConvertHfToGgufAndInvertsOnRead)
{
    std::vector<float> rows = {0, 1, 2, 3, 4, 5, 6, 7}; // two heads of head_dim 4, one column
    GgufExporter::permuteRows(rows, 2, 8, 1);
    EXPECT_EQ(rows, (std::vector<float>{0, 2, 1, 3, 4, 6, 5, 7}));

    std::vector<float> data(3 * 6 * 5);
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<float>(i);
    std::vector<float> roundTrip = data;
    GgufExporter::permuteRows(roundTrip, 3, 18, 5);
    EXPECT_NE(roundTrip, data);
    GgufCheckpoint::unpermuteRows(roundTrip, 3, 18, 5);
    EXPECT_EQ(roundTrip, data);
}

TEST(GgufExport, PermutationRejectsOddHeads)
{
    std::vector<float> data(6);
    EXPECT_THROW(GgufExporter::permuteRows(data, 2, 6, 1), Error);
}

class GgufExportTypes : public ::testing::TestWithParam<std::string> {};

TEST_P(GgufExportTypes, ReloadedWeightsAreWithinTheTypesRounding)
{
    const auto model = loadTiny();
    flatslice::test::ScratchDir scratch;
    const GgufExportResult r = GgufExporter(optionsFor(GetParam())).write(model->impl(), scratch / "out.gguf");
    // The in-memory side is rounded through the same type, so the tight default tolerance holds for every type.
    EXPECT_NEAR(r.selfCheckReloaded / r.selfCheckInMemory, 1.0, 1e-4);
    const auto source = Checkpoint::open(tinyGguf());
    const auto written = Checkpoint::open(scratch / "out.gguf");
    for (const CheckpointTensorInfo& info : source->tensors()) {
        const std::vector<float> a = toFloatVector(source->tensor(info.name));
        const std::vector<float> b = toFloatVector(written->tensor(info.name));
        ASSERT_EQ(a.size(), b.size());
        const float scale = maxAbs(a);
        for (std::size_t i = 0; i < a.size(); ++i) {
            float tolerance = 0.0f; // 1-D tensors stay F32
            if (info.shape.size() == 2) {
                if (GetParam() == "f16")
                    tolerance = std::fabs(a[i]) * 0x1p-11f + 0x1p-24f;
                else if (GetParam() == "bf16")
                    tolerance = std::fabs(a[i]) * 0x1p-8f;
                else // q8_0: half a step of the block's scale d = max|x| / 127, plus d's f16 rounding
                    tolerance = scale / 127.0f * 0.51f + scale * 0x1p-10f;
            }
            ASSERT_LE(std::fabs(a[i] - b[i]), tolerance) << info.name << "[" << i << "]: " << a[i] << " vs " << b[i];
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Types, GgufExportTypes, ::testing::Values("f16", "bf16", "q8_0"));

TEST(GgufExport, TypesFollowLlamaCppConventions)
{
    const auto model = loadTiny();
    flatslice::test::ScratchDir scratch;
    GgufExporter(optionsFor("q8_0")).write(model->impl(), scratch / "out.gguf");
    const GgufFile file = GgufFile::open(scratch / "out.gguf");
    for (const GgufTensorInfo& t : file.tensors())
        EXPECT_EQ(t.type, t.ne.size() == 1 ? GgmlType::F32 : GgmlType::Q8_0) << t.name;
    EXPECT_EQ(file.get("general.file_type").asUInt(), 7u);
}

TEST(GgufExport, MetadataIsReadable)
{
    const auto model = loadTiny();
    flatslice::test::ScratchDir scratch;
    GgufExporter(optionsFor("f16")).write(model->impl(), scratch / "out.gguf");
    const GgufFile file = GgufFile::open(scratch / "out.gguf");
    const GgufFile source = GgufFile::open(tinyGguf());
    EXPECT_EQ(file.version(), 3u);
    EXPECT_EQ(file.get("general.architecture").asString(), "llama");
    EXPECT_EQ(file.get("general.name").asString(), "tiny-export");
    EXPECT_EQ(file.get("general.alignment").asUInt(), 32u);
    EXPECT_EQ(file.get("general.file_type").asUInt(), 1u);
    for (const char* key : {"llama.context_length", "llama.embedding_length", "llama.block_count",
                            "llama.feed_forward_length", "llama.attention.head_count", "llama.attention.head_count_kv",
                            "llama.rope.dimension_count", "llama.vocab_size"})
        EXPECT_EQ(file.get(key).asUInt(), source.get(key).asUInt()) << key;
    EXPECT_FLOAT_EQ(static_cast<float>(file.get("llama.attention.layer_norm_rms_epsilon").asFloat()),
                    static_cast<float>(source.get("llama.attention.layer_norm_rms_epsilon").asFloat()));
    EXPECT_EQ(file.get("tokenizer.ggml.tokens").asStringArray(), source.get("tokenizer.ggml.tokens").asStringArray());
    EXPECT_EQ(file.get("tokenizer.ggml.merges").asStringArray(), source.get("tokenizer.ggml.merges").asStringArray());
    EXPECT_EQ(file.get("tokenizer.ggml.pre").asString(), "smollm");
    EXPECT_EQ(file.dataOffset() % 32, 0u);
    for (const GgufTensorInfo& t : file.tensors())
        EXPECT_EQ(t.offset % 32, 0u) << t.name;
    const auto provenance = nlohmann::json::parse(file.get("flatslice.provenance").asString());
    EXPECT_EQ(provenance["plan"]["drop"][0], 5);
    EXPECT_EQ(provenance["export"]["type"], "f16");
    EXPECT_EQ(provenance["export"]["layers"], 2);

    const ModelConfig config = GgufCheckpoint::configFromMetadata(file);
    EXPECT_EQ(config.numLayers, 2);
    EXPECT_EQ(config.numKvHeads, 2);
    EXPECT_FALSE(config.tieWordEmbeddings);
}

TEST(GgufExport, TiedHeadIsOmittedAndReloadsTied)
{
    const auto model = loadTiny();
    const auto tied = edited(model->impl(), [](ModelConfig& c, ModelWeights& w) {
        c.tieWordEmbeddings = true;
        w.head.weight = w.embed;
    });
    flatslice::test::ScratchDir scratch;
    const GgufExportResult r = GgufExporter(optionsFor("q8_0")).write(*tied, scratch / "out.gguf");
    EXPECT_EQ(r.tensors, 20);
    const GgufFile file = GgufFile::open(scratch / "out.gguf");
    EXPECT_EQ(file.findTensor("output.weight"), nullptr);
    EXPECT_TRUE(Checkpoint::open(scratch / "out.gguf")->config().tieWordEmbeddings);
}

TEST(GgufExport, RejectsANonLlamaFamily)
{
    const auto opt = Transformer::load(*Checkpoint::open(flatslice::test::dataDir() / "families" / "opt"), {});
    flatslice::test::ScratchDir scratch;
    try {
        GgufExporter(optionsFor("f32")).write(opt->impl(), scratch / "out.gguf");
        FAIL() << "expected an Error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("only Llama-family models"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(filesIn(scratch.path()).empty());
}

TEST(GgufExport, RejectsPerLayerWidths)
{
    const auto model = loadTiny();
    const auto uneven = edited(model->impl(), [](ModelConfig&, ModelWeights& w) {
        BlockWeights& b = w.blocks[1]; // an MLP pruned to 96 channels in one layer only
        b.gate.weight = b.gate.weight.narrow(0, 0, 96).clone();
        b.up.weight = b.up.weight.narrow(0, 0, 96).clone();
        b.down.weight = b.down.weight.narrow(1, 0, 96).clone();
    });
    flatslice::test::ScratchDir scratch;
    try {
        GgufExporter(optionsFor("f32")).write(*uneven, scratch / "out.gguf");
        FAIL() << "expected an Error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("layer 1 gate_proj has shape [96, 64]"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(filesIn(scratch.path()).empty());
}

TEST(GgufExport, RejectsASlicedResidualWidth)
{
    const auto model = loadTiny();
    const auto sliced = edited(model->impl(), [](ModelConfig&, ModelWeights& w) {
        BlockWeights& b = w.blocks[0]; // q reads a 48-wide sliced residual stream
        b.q.weight = b.q.weight.narrow(1, 0, 48).clone();
    });
    flatslice::test::ScratchDir scratch;
    EXPECT_THROW(GgufExporter(optionsFor("f32")).write(*sliced, scratch / "out.gguf"), Error);
}

TEST(GgufExport, UnknownTypeIsAnError)
{
    const auto model = loadTiny();
    flatslice::test::ScratchDir scratch;
    EXPECT_THROW(GgufExporter(optionsFor("q4_k")).write(model->impl(), scratch / "out.gguf"), Error);
}

TEST(GgufExport, HfTokenizerDirectoryIsAClearError)
{
    const auto model = loadTiny();
    flatslice::test::ScratchDir scratch;
    GgufExportOptions o = optionsFor("f32");
    o.tokenizerSource = scratch.path();
    try {
        GgufExporter(o).write(model->impl(), scratch / "out.gguf");
        FAIL() << "expected an Error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("not supported yet"), std::string::npos) << e.what();
    }
}

TEST(GgufExport, ExistingFileIsKeptWithoutOverwrite)
{
    const auto model = loadTiny();
    flatslice::test::ScratchDir scratch;
    flatslice::test::writeFile(scratch / "out.gguf", std::string("old"));
    EXPECT_THROW(GgufExporter(optionsFor("f32")).write(model->impl(), scratch / "out.gguf"), Error);
    EXPECT_EQ(flatslice::test::readFile(scratch / "out.gguf"), "old");
    EXPECT_EQ(filesIn(scratch.path()), std::vector<std::string>{"out.gguf"});
}

TEST(GgufExport, OverwriteReplacesTheFile)
{
    const auto model = loadTiny();
    flatslice::test::ScratchDir scratch;
    flatslice::test::writeFile(scratch / "out.gguf", std::string("old"));
    GgufExportOptions o = optionsFor("f32");
    o.overwrite = true;
    GgufExporter(o).write(model->impl(), scratch / "out.gguf");
    EXPECT_EQ(GgufFile::open(scratch / "out.gguf").get("general.architecture").asString(), "llama");
    EXPECT_EQ(filesIn(scratch.path()), std::vector<std::string>{"out.gguf"});
}

TEST(GgufExport, FailureAfterTheDataIsWrittenLeavesNothing)
{
    const auto model = loadTiny();
    flatslice::test::ScratchDir scratch;
    const Progress failing([](std::int64_t, std::int64_t, std::string_view message) -> bool {
        if (message.starts_with("self-check"))
            throw Error("disk vanished");
        return true;
    });
    EXPECT_THROW(GgufExporter(optionsFor("q8_0")).write(model->impl(), scratch / "out.gguf", failing), Error);
    EXPECT_TRUE(filesIn(scratch.path()).empty());
}

TEST(GgufExport, ImpossibleSelfCheckToleranceIsAnErrorAndLeavesNothing)
{
    const auto model = loadTiny();
    flatslice::test::ScratchDir scratch;
    GgufExportOptions o = optionsFor("f32");
    o.selfCheckTolerance = -1.0;
    try {
        GgufExporter(o).write(model->impl(), scratch / "out.gguf");
        FAIL() << "expected an Error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("self-check failed"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(filesIn(scratch.path()).empty());
}

TEST(GgufExport, ProgressReportsEveryTensorAndTheSelfCheck)
{
    const auto model = loadTiny();
    flatslice::test::ScratchDir scratch;
    std::vector<std::string> messages;
    std::int64_t lastTotal = 0;
    const Progress recording([&](std::int64_t done, std::int64_t total, std::string_view message) {
        EXPECT_LT(done, total);
        lastTotal = total;
        messages.emplace_back(message);
        return true;
    });
    GgufExporter(optionsFor("f32")).write(model->impl(), scratch / "out.gguf", recording);
    ASSERT_EQ(messages.size(), 22u); // 21 tensors, then the reload
    EXPECT_EQ(messages.front(), "writing token_embd.weight");
    EXPECT_EQ(messages.back(), "self-check: reloading");
    EXPECT_EQ(lastTotal, 23);
}

TEST(GgufExport, CancellingLeavesNothing)
{
    const auto model = loadTiny();
    flatslice::test::ScratchDir scratch;
    int calls = 0;
    const Progress cancelling([&](std::int64_t, std::int64_t, std::string_view) { return ++calls < 3; });
    EXPECT_THROW(GgufExporter(optionsFor("f32")).write(model->impl(), scratch / "out.gguf", cancelling), Cancelled);
    EXPECT_TRUE(filesIn(scratch.path()).empty());
}

TEST(GgufWriter, EveryValueTypeReadsBack)
{
    flatslice::test::ScratchDir scratch;
    GgufWriter w(scratch / "v.gguf", false);
    w.addMetadata("u8", GgufValue::makeUnsigned(GgufValueType::UInt8, 200));
    w.addMetadata("i8", GgufValue::makeSigned(GgufValueType::Int8, -100));
    w.addMetadata("u16", GgufValue::makeUnsigned(GgufValueType::UInt16, 60000));
    w.addMetadata("i16", GgufValue::makeSigned(GgufValueType::Int16, -30000));
    w.addMetadata("u32", GgufValue::makeUnsigned(GgufValueType::UInt32, 4000000000u));
    w.addMetadata("i32", GgufValue::makeSigned(GgufValueType::Int32, -2000000000));
    w.addMetadata("u64", GgufValue::makeUnsigned(GgufValueType::UInt64, 1ull << 60));
    w.addMetadata("i64", GgufValue::makeSigned(GgufValueType::Int64, -(1ll << 60)));
    w.addMetadata("f32", GgufValue::makeFloat(GgufValueType::Float32, 0.5));
    w.addMetadata("f64", GgufValue::makeFloat(GgufValueType::Float64, 1.0 / 3.0));
    w.addMetadata("bool", GgufValue::makeBool(true));
    w.addMetadata("str", GgufValue::makeString("h\xc3\xa9llo"));
    w.addMetadata("strs", GgufValue::makeStringArray({"a", "", "b c"}));
    std::vector<std::byte> packed(3 * 4);
    const std::int32_t ints[3] = {1, -2, 3};
    std::memcpy(packed.data(), ints, sizeof ints);
    w.addMetadata("ints", GgufValue::makeScalarArray(GgufValueType::Int32, packed));
    w.addMetadata("nested", GgufValue::makeArrayOfArrays({GgufValue::makeStringArray({"x"}),
                                                          GgufValue::makeScalarArray(GgufValueType::Int32, packed)}));
    w.addTensor("t", GgmlType::F32, {2, 3});
    w.writeHeader();
    const std::vector<float> values = {1, 2, 3, 4, 5, 6};
    w.writeTensorData(std::as_bytes(std::span<const float>(values)));
    w.commit();

    const GgufFile f = GgufFile::open(scratch / "v.gguf");
    EXPECT_EQ(f.get("u8").asUInt(), 200u);
    EXPECT_EQ(f.get("i8").asInt(), -100);
    EXPECT_EQ(f.get("u16").asUInt(), 60000u);
    EXPECT_EQ(f.get("i16").asInt(), -30000);
    EXPECT_EQ(f.get("u32").asUInt(), 4000000000u);
    EXPECT_EQ(f.get("i32").asInt(), -2000000000);
    EXPECT_EQ(f.get("u64").asUInt(), 1ull << 60);
    EXPECT_EQ(f.get("i64").asInt(), -(1ll << 60));
    EXPECT_EQ(f.get("f32").type(), GgufValueType::Float32);
    EXPECT_EQ(f.get("f32").asFloat(), 0.5);
    EXPECT_EQ(f.get("f64").asFloat(), 1.0 / 3.0);
    EXPECT_TRUE(f.get("bool").asBool());
    EXPECT_EQ(f.get("str").asString(), "h\xc3\xa9llo");
    EXPECT_EQ(f.get("strs").asStringArray(), (std::vector<std::string>{"a", "", "b c"}));
    EXPECT_EQ(f.get("ints").asIntArray(), (std::vector<std::int64_t>{1, -2, 3}));
    EXPECT_EQ(f.get("nested").size(), 2u);
    EXPECT_EQ(f.get("nested").element(1).asIntArray(), (std::vector<std::int64_t>{1, -2, 3}));
    EXPECT_EQ(f.tensors().at(0).shape, (std::vector<std::int64_t>{2, 3}));
    EXPECT_EQ(toFloatVector(f.dequantize("t")), values);
}

TEST(GgufWriter, DuplicateKeysAndTensorsAreErrors)
{
    flatslice::test::ScratchDir scratch;
    GgufWriter w(scratch / "x.gguf", false);
    w.addMetadata("k", GgufValue::makeBool(true));
    EXPECT_THROW(w.addMetadata("k", GgufValue::makeBool(false)), Error);
    EXPECT_THROW(w.addMetadata("general.alignment", GgufValue::makeBool(false)), Error);
    EXPECT_THROW(w.addMetadata("", GgufValue::makeBool(false)), Error);
    w.addTensor("t", GgmlType::F32, {4});
    EXPECT_THROW(w.addTensor("t", GgmlType::F32, {4}), Error);
}

TEST(GgufWriter, BadTensorShapesAreErrors)
{
    flatslice::test::ScratchDir scratch;
    GgufWriter w(scratch / "x.gguf", false);
    EXPECT_THROW(w.addTensor(std::string(64, 'n'), GgmlType::F32, {4}), Error);
    EXPECT_THROW(w.addTensor("rows", GgmlType::Q8_0, {2, 48}), Error); // 48 is not whole 32-blocks
    EXPECT_THROW(w.addTensor("dims", GgmlType::F32, {1, 1, 1, 1, 1}), Error);
    EXPECT_THROW(w.addTensor("zero", GgmlType::F32, {0}), Error);
    EXPECT_THROW(w.addTensor("huge", GgmlType::F32, {1ll << 40, 1ll << 40}), Error);
    EXPECT_THROW(GgufWriter(scratch / "y.gguf", false, 24), Error);
}

TEST(GgufWriter, WrongDataSizeAndMissingTensorsAreErrorsAndLeaveNothing)
{
    flatslice::test::ScratchDir scratch;
    {
        GgufWriter w(scratch / "x.gguf", false);
        w.addTensor("a", GgmlType::F32, {4});
        w.addTensor("b", GgmlType::F32, {4});
        w.writeHeader();
        const std::vector<float> three = {1, 2, 3};
        EXPECT_THROW(w.writeTensorData(std::as_bytes(std::span<const float>(three))), Error);
        const std::vector<float> four = {1, 2, 3, 4};
        w.writeTensorData(std::as_bytes(std::span<const float>(four)));
        EXPECT_THROW(w.commit(), Error); // "b" is missing
    }
    EXPECT_TRUE(filesIn(scratch.path()).empty());
}

TEST(GgufQuantize, Q8_0RoundTripIsWithinHalfAStep)
{
    std::vector<float> values(64);
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = std::sin(static_cast<float>(i)) * (i < 32 ? 1.0f : 0.01f);
    const std::vector<std::byte> bytes = quantize(GgmlType::Q8_0, values);
    ASSERT_EQ(bytes.size(), 2u * 34u);
    std::vector<float> back(values.size());
    dequantize(GgmlType::Q8_0, bytes, back);
    for (std::size_t i = 0; i < values.size(); ++i) {
        const float scale = i < 32 ? 1.0f : 0.01f;
        EXPECT_LE(std::fabs(back[i] - values[i]), scale / 127.0f * 0.51f) << i;
    }
    EXPECT_THROW(quantize(GgmlType::Q8_0, std::vector<float>(40)), Error);
    EXPECT_THROW(quantize(GgmlType::Q4_K, std::vector<float>(256)), Error);
}

TEST(GgufQuantize, AllZeroBlockStaysZero)
{
    const std::vector<float> zeros(32, 0.0f);
    std::vector<float> back(32, 1.0f);
    dequantize(GgmlType::Q8_0, quantize(GgmlType::Q8_0, zeros), back);
    EXPECT_EQ(back, zeros);
}
