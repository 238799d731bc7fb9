// SPDX-License-Identifier: GPL-3.0-or-later
// The real CLI on the real demo model (DemoModel, label `slow`), and on usage errors and crafted malformed files
// (Cli, Cli/MalformedFile: label `fast`).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "model/checkpoint.h"
#include "testsupport.h"

using namespace flatslice;
namespace fs = std::filesystem;

namespace {

// Little-endian byte builder for crafted files.
struct Bytes {
    std::vector<unsigned char> data;
    Bytes& u8(std::uint8_t v)
    {
        data.push_back(v);
        return *this;
    }
    Bytes& u32(std::uint32_t v)
    {
        for (int i = 0; i < 4; ++i)
            data.push_back(static_cast<unsigned char>(v >> (8 * i)));
        return *this;
    }
    Bytes& u64(std::uint64_t v)
    {
        for (int i = 0; i < 8; ++i)
            data.push_back(static_cast<unsigned char>(v >> (8 * i)));
        return *this;
    }
    Bytes& str(const std::string& s)
    {
        u64(s.size());
        data.insert(data.end(), s.begin(), s.end());
        return *this;
    }
    Bytes& raw(const std::string& s)
    {
        data.insert(data.end(), s.begin(), s.end());
        return *this;
    }
    Bytes& zeros(std::size_t n)
    {
        data.insert(data.end(), n, 0);
        return *this;
    }
};

std::vector<unsigned char> safetensors(const std::string& header, std::size_t dataBytes)
{
    Bytes b;
    b.u64(header.size()).raw(header).zeros(dataBytes);
    return b.data;
}

// A GGUF v3 header with one string key, then `tensors` tensor infos appended by the caller.
Bytes ggufStart(std::uint32_t version, std::uint64_t tensorCount, std::uint64_t kvCount)
{
    Bytes b;
    b.raw("GGUF").u32(version).u64(tensorCount).u64(kvCount);
    return b;
}

} // namespace

class DemoModel : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_model = test::demoModel();
        if (m_model.empty())
            FLATSLICE_SKIP_UNLESS_REQUIRED() << "demo model not present (run ./dev setup)";
    }
    fs::path m_model;
};

TEST_F(DemoModel, InspectReportsSmolLM2Shape)
{
    const test::CliResult run = test::runCli("inspect --json " + test::quoted(m_model));
    ASSERT_EQ(run.exitCode, 0) << run.err;
    const auto j = nlohmann::json::parse(run.out);
    EXPECT_EQ(j["layers"], 30);
    EXPECT_EQ(j["hidden_size"], 576);
    EXPECT_EQ(j["heads"], 9);
    EXPECT_EQ(j["kv_heads"], 3);
    EXPECT_EQ(j["intermediate_size"], 1536);
    EXPECT_EQ(j["vocab_size"], 49152);
    EXPECT_EQ(j["tie_word_embeddings"], true);
    // SmolLM2-135M: 134,515,008 parameters with the tied head counted once.
    EXPECT_EQ(j["parameters"]["total"], 134515008);
}

TEST_F(DemoModel, ConvertProducesADirectoryOurReaderLoadsWithEqualTensors)
{
    test::ScratchDir scratch;
    const fs::path out = scratch / "hf";
    const test::CliResult run = test::runCli("convert " + test::quoted(m_model) + " -o " + test::quoted(out));
    ASSERT_EQ(run.exitCode, 0) << run.err;
    for (const char* file : {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                             "generation_config.json", "special_tokens_map.json"})
        EXPECT_TRUE(fs::exists(out / file)) << file;

    const auto source = core::Checkpoint::open(m_model);
    const auto converted = core::Checkpoint::open(out);
    ASSERT_EQ(converted->tensors().size(), source->tensors().size());
    EXPECT_EQ(converted->config().numLayers, 30);
    EXPECT_EQ(converted->config().numKvHeads, 3);
    for (const auto& info : source->tensors()) {
        SCOPED_TRACE(info.name);
        const auto a = core::toFloatVector(source->tensor(info.name));
        const auto b = core::toFloatVector(converted->tensor(info.name));
        ASSERT_EQ(a.size(), b.size());
        EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0) << "f32 export must be exact";
    }

    const test::CliResult inspect = test::runCli("inspect --json " + test::quoted(out));
    ASSERT_EQ(inspect.exitCode, 0) << inspect.err;
    const auto j = nlohmann::json::parse(inspect.out);
    EXPECT_EQ(j["layers"], 30);
    EXPECT_EQ(j["hidden_size"], 576);
    EXPECT_EQ(j["heads"], 9);
    EXPECT_EQ(j["kv_heads"], 3);
}

TEST_F(DemoModel, ConvertRefusesToOverwriteWithoutForce)
{
    test::ScratchDir scratch;
    fs::create_directory(scratch / "taken");
    test::writeFile(scratch / "taken" / "keep.txt", std::string("mine"));
    const test::CliResult run = test::runCli("convert " + test::quoted(m_model) + " -o " +
                                             test::quoted(scratch / "taken"));
    EXPECT_EQ(run.exitCode, 1);
    EXPECT_NE(run.err.find("already exists"), std::string::npos) << run.err;
    EXPECT_EQ(test::readFile(scratch / "taken" / "keep.txt"), "mine");
}

TEST_F(DemoModel, ConvertBf16RoundsEveryValue)
{
    test::ScratchDir scratch;
    const test::CliResult run = test::runCli("convert " + test::quoted(m_model) + " -o " +
                                             test::quoted(scratch / "bf16") + " --dtype bf16");
    ASSERT_EQ(run.exitCode, 0) << run.err;
    const auto converted = core::Checkpoint::open(scratch / "bf16");
    const auto* info = converted->findTensor("model.layers.0.self_attn.q_proj.weight");
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->dtype, core::DType::BF16);
    EXPECT_EQ(converted->config().torchDtype, "bfloat16");
    const auto source = core::Checkpoint::open(m_model);
    const auto a = core::toFloatVector(source->tensor(info->name));
    const auto b = core::toFloatVector(converted->tensor(info->name));
    for (std::size_t i = 0; i < a.size(); ++i)
        ASSERT_LE(std::fabs(a[i] - b[i]), std::fabs(a[i]) * (1.0f / 256.0f) + 1e-30f) << i;
}

TEST(Cli, UsageErrorsExitWithTwo)
{
    EXPECT_EQ(test::runCli("inspect").exitCode, 2);
    EXPECT_EQ(test::runCli("inspect a b").exitCode, 2);
    EXPECT_EQ(test::runCli("convert x.gguf").exitCode, 2);
    EXPECT_EQ(test::runCli("inspect --bogus x").exitCode, 2);
    EXPECT_EQ(test::runCli("no-such-command").exitCode, 2);
    EXPECT_EQ(test::runCli("--help").exitCode, 0);
    EXPECT_EQ(test::runCli("inspect --help").exitCode, 0);
}

// Malformed files: each must exit 1 with one line that names the problem, never crash or hang.
struct Malformed {
    std::string name;
    std::vector<unsigned char> bytes;
    std::string expect; // a word the message must contain
};

// Readable test output: name the case rather than dumping the struct's bytes.
void PrintTo(const Malformed& m, std::ostream* os)
{
    *os << m.name;
}

class MalformedFile : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedFile, InspectExitsOneWithOneLine)
{
    test::ScratchDir scratch;
    const Malformed& m = GetParam();
    const fs::path path = scratch / m.name;
    test::writeFile(path, m.bytes);
    const test::CliResult run = test::runCli("inspect " + test::quoted(path));
    EXPECT_EQ(run.exitCode, 1) << run.err;
    ASSERT_FALSE(run.err.empty());
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    EXPECT_NE(run.err.find(m.name), std::string::npos) << "message must name the file: " << run.err;
    std::string lower = run.err;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    EXPECT_NE(lower.find(m.expect), std::string::npos) << run.err;
}

std::vector<Malformed> malformedFiles()
{
    std::vector<Malformed> files;
    // safetensors
    files.push_back({"short.safetensors", {1, 2, 3}, "short"});
    files.push_back({"hdrlen.safetensors", Bytes().u64(1000).raw("{}").data, "header"});
    files.push_back({"notjson.safetensors", safetensors("{not json", 0), "json"});
    files.push_back(
        {"dtype.safetensors", safetensors(R"({"w":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}})", 1), "dtype"});
    files.push_back(
        {"outside.safetensors", safetensors(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8), "16"});
    files.push_back(
        {"size.safetensors", safetensors(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", 16), "w"});
    files.push_back({"overlap.safetensors",
                     safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                 R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                 12),
                     "overlap"});
    files.push_back({"negative.safetensors",
                     safetensors(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4), "shape"});
    // GGUF
    files.push_back({"magic.gguf", Bytes().raw("GGUX").u32(3).u64(0).u64(0).data, "magic"});
    files.push_back({"version.gguf", Bytes().raw("GGUF").u32(1).u64(0).u64(0).data, "version"});
    files.push_back({"truncated.gguf", Bytes().raw("GGUF").u32(3).data, "truncated"});
    files.push_back({"tensorcount.gguf", ggufStart(3, 1ull << 40, 0).data, "tensor"});
    files.push_back({"strlen.gguf", ggufStart(3, 0, 1).u64(1ull << 40).zeros(16).data, "length"});
    files.push_back({"valuetype.gguf", ggufStart(3, 0, 1).str("general.x").u32(99).data, "type"});
    files.push_back({"arraylen.gguf", ggufStart(3, 0, 1).str("a").u32(9).u32(4).u64(1ull << 40).data, "array"});
    files.push_back(
        {"dupkey.gguf", ggufStart(3, 0, 2).str("k").u32(4).u32(1).str("k").u32(4).u32(2).data, "duplicate"});
    files.push_back({"ndims.gguf", ggufStart(3, 1, 0).str("t").u32(7).data, "dim"});
    files.push_back({"ggmltype.gguf", ggufStart(3, 1, 0).str("t").u32(1).u64(32).u32(1234).u64(0).data, "type"});
    files.push_back({"pastend.gguf", ggufStart(3, 1, 0).str("t").u32(1).u64(1024).u32(0).u64(0).zeros(16).data, "end"});
    files.push_back(
        {"notllama.gguf", ggufStart(3, 0, 1).str("general.architecture").u32(8).str("mamba").data, "architecture"});
    return files;
}

INSTANTIATE_TEST_SUITE_P(Cli, MalformedFile, ::testing::ValuesIn(malformedFiles()),
                         [](const ::testing::TestParamInfo<Malformed>& param) {
                             std::string n = param.param.name;
                             std::replace(n.begin(), n.end(), '.', '_');
                             return n;
                         });
