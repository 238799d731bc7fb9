// SPDX-License-Identifier: GPL-3.0-or-later
// GGUF -> Hugging Face view of a llama model, checked against what transformers loads from the same file
// (tests/reference/make_tiny_llama_gguf.py wrote both).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "format/safetensorsfile.h"
#include "model/checkpoint.h"
#include "model/ggufcheckpoint.h"
#include "testsupport.h"
#include "util/error.h"

using namespace flatslice::core;

namespace {

std::filesystem::path tinyLlama()
{
    return flatslice::test::dataDir() / "tiny-llama" / "tiny-llama.gguf";
}

nlohmann::json expectedJson()
{
    std::ifstream in(flatslice::test::dataDir() / "tiny-llama" / "expected.json");
    return nlohmann::json::parse(in);
}

} // namespace

TEST(GgufCheckpoint, ConfigMatchesTransformers)
{
    const GgufCheckpoint checkpoint(tinyLlama());
    const auto expected = expectedJson()["config"];
    const ModelConfig& c = checkpoint.config();
    EXPECT_EQ(c.architecture, "LlamaForCausalLM");
    EXPECT_EQ(c.numLayers, expected["num_hidden_layers"].get<std::int64_t>());
    EXPECT_EQ(c.hiddenSize, expected["hidden_size"].get<std::int64_t>());
    EXPECT_EQ(c.intermediateSize, expected["intermediate_size"].get<std::int64_t>());
    EXPECT_EQ(c.numHeads, expected["num_attention_heads"].get<std::int64_t>());
    EXPECT_EQ(c.numKvHeads, expected["num_key_value_heads"].get<std::int64_t>());
    EXPECT_EQ(c.vocabSize, expected["vocab_size"].get<std::int64_t>());
    EXPECT_EQ(c.maxPositionEmbeddings, expected["max_position_embeddings"].get<std::int64_t>());
    EXPECT_NEAR(c.normEps, expected["rms_norm_eps"].get<double>(), 1e-12);
    EXPECT_DOUBLE_EQ(c.ropeTheta, expected["rope_theta"].get<double>());
    EXPECT_EQ(c.tieWordEmbeddings, expected["tie_word_embeddings"].get<bool>());
    EXPECT_EQ(c.bosTokenId.value_or(-1), 1);
}

TEST(GgufCheckpoint, EveryTensorEqualsTransformersGgufLoader)
{
    const GgufCheckpoint checkpoint(tinyLlama());
    const SafetensorsFile expected = SafetensorsFile::open(flatslice::test::dataDir() / "tiny-llama" /
                                                           "expected.safetensors");
    ASSERT_EQ(checkpoint.tensors().size(), expected.names().size());
    for (const auto& info : checkpoint.tensors()) {
        SCOPED_TRACE(info.name);
        ASSERT_TRUE(expected.contains(info.name));
        const TensorView want = expected.tensor(info.name);
        const TensorView got = checkpoint.tensor(info.name);
        ASSERT_EQ(got.shape, want.shape);
        const auto a = toFloatVector(got);
        const auto b = toFloatVector(want);
        float worst = 0.0f;
        for (std::size_t i = 0; i < a.size(); ++i)
            worst = std::max(worst, std::fabs(a[i] - b[i]));
        EXPECT_LE(worst, 1e-6f) << "max abs diff";
    }
}

TEST(GgufCheckpoint, TensorsAreListedInHuggingFaceOrder)
{
    const GgufCheckpoint checkpoint(tinyLlama());
    const auto& t = checkpoint.tensors();
    ASSERT_FALSE(t.empty());
    EXPECT_EQ(t.front().name, "model.embed_tokens.weight");
    EXPECT_EQ(t[1].name, "model.layers.0.self_attn.q_proj.weight");
    EXPECT_EQ(t.back().name, "lm_head.weight");
    EXPECT_EQ(t[t.size() - 2].name, "model.norm.weight");
}

TEST(GgufCheckpoint, UnpermuteInvertsLlamaCppPermutation)
{
    // Two heads of dim 4, two columns; llama.cpp's permute moves HF row (h, j, i) to (h, i, j).
    const std::int64_t heads = 2, headDim = 4, cols = 2, rows = heads * headDim;
    std::vector<float> hf(static_cast<std::size_t>(rows * cols));
    for (std::size_t i = 0; i < hf.size(); ++i)
        hf[i] = static_cast<float>(i);
    std::vector<float> permuted(hf.size());
    for (std::int64_t h = 0; h < heads; ++h)
        for (std::int64_t j = 0; j < 2; ++j)
            for (std::int64_t i = 0; i < headDim / 2; ++i)
                for (std::int64_t c = 0; c < cols; ++c)
                    permuted[static_cast<std::size_t>((h * headDim + 2 * i + j) * cols + c)] =
                        hf[static_cast<std::size_t>((h * headDim + j * headDim / 2 + i) * cols + c)];
    GgufCheckpoint::unpermuteRows(permuted, heads, rows, cols);
    EXPECT_EQ(permuted, hf);
}

TEST(GgufCheckpoint, UnpermuteRejectsOddHeadDim)
{
    std::vector<float> data(6);
    EXPECT_THROW(GgufCheckpoint::unpermuteRows(data, 2, 6, 1), Error);
}

TEST(GgufCheckpoint, OpenDispatchesOnExtension)
{
    const auto checkpoint = Checkpoint::open(tinyLlama());
    EXPECT_EQ(checkpoint->format(), Checkpoint::Format::Gguf);
    EXPECT_NE(checkpoint->findTensor("model.layers.1.mlp.down_proj.weight"), nullptr);
    EXPECT_EQ(checkpoint->findTensor("model.layers.2.mlp.down_proj.weight"), nullptr);
}

TEST(GgufCheckpoint, MissingPathIsAnErrorNamingIt)
{
    try {
        Checkpoint::open("/nonexistent/model.gguf");
        FAIL() << "expected Error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/model.gguf"), std::string::npos);
    }
}

TEST(GgufCheckpoint, TokenizerMetadataIsKept)
{
    const GgufCheckpoint checkpoint(tinyLlama());
    const auto& tok = checkpoint.tokenizer();
    EXPECT_EQ(tok.model, "gpt2");
    EXPECT_EQ(tok.pre, "smollm");
    EXPECT_EQ(static_cast<std::int64_t>(tok.tokens.size()), checkpoint.config().vocabSize);
    EXPECT_EQ(tok.tokens[1], "<|im_start|>");
    EXPECT_EQ(tok.tokenTypes[1], GgufTokenizerInfo::Control);
    EXPECT_FALSE(tok.merges.empty());
    EXPECT_EQ(tok.eosId.value_or(-1), 2);
    EXPECT_FALSE(tok.addBos);
}
