// SPDX-License-Identifier: GPL-3.0-or-later
#include <gtest/gtest.h>

#include "model/modelconfig.h"
#include "util/error.h"

using namespace flatslice::core;

namespace {
const char* kSmolConfig = R"({
  "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 49152, "hidden_size": 576,
  "intermediate_size": 1536, "num_hidden_layers": 30, "num_attention_heads": 9, "num_key_value_heads": 3,
  "max_position_embeddings": 8192, "rms_norm_eps": 1e-05, "rope_theta": 100000, "tie_word_embeddings": true,
  "bos_token_id": 1, "eos_token_id": [2, 0]
})";

void expectErrorMentions(const std::string& json, const std::string& needle)
{
    try {
        parseHfConfig(json, "config.json");
        FAIL() << "expected Error mentioning " << needle;
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
}
} // namespace

TEST(ModelConfig, ParsesLlamaConfig)
{
    const ModelConfig c = parseHfConfig(kSmolConfig, "config.json");
    EXPECT_EQ(c.numLayers, 30);
    EXPECT_EQ(c.headDim, 64);
    EXPECT_EQ(c.numKvHeads, 3);
    EXPECT_DOUBLE_EQ(c.ropeTheta, 100000.0);
    EXPECT_TRUE(c.tieWordEmbeddings);
    EXPECT_EQ(c.eosTokenIds, (std::vector<std::int64_t>{2, 0}));
}

TEST(ModelConfig, RoundTripsThroughHfJson)
{
    const ModelConfig c = parseHfConfig(kSmolConfig, "config.json");
    const ModelConfig again = parseHfConfig(toHfConfigJson(c), "again.json");
    EXPECT_EQ(again.numLayers, c.numLayers);
    EXPECT_EQ(again.hiddenSize, c.hiddenSize);
    EXPECT_EQ(again.numKvHeads, c.numKvHeads);
    EXPECT_EQ(again.eosTokenIds, c.eosTokenIds);
    EXPECT_DOUBLE_EQ(again.normEps, c.normEps);
}

TEST(ModelConfig, MissingFieldIsNamed)
{
    expectErrorMentions(R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 10})", "hidden_size");
}

TEST(ModelConfig, InvalidJsonIsAnError)
{
    expectErrorMentions("{not json", "not valid JSON");
}

TEST(ModelConfig, HeadsMustDivideIntoKvGroups)
{
    expectErrorMentions(
        R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 10, "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1,
                            "num_attention_heads": 4, "num_key_value_heads": 3})",
        "num_key_value_heads");
}

TEST(ModelConfig, UnsupportedArchitectureListsTheSupportedOnes)
{
    expectErrorMentions(R"({"architectures": ["MambaForCausalLM"], "vocab_size": 10})", "MambaForCausalLM");
    expectErrorMentions(R"({"architectures": ["MambaForCausalLM"], "vocab_size": 10})", "PhiForCausalLM");
}

TEST(ModelConfig, ReadsTransformers5RopeParameters)
{
    const ModelConfig c = parseHfConfig(R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 10, "hidden_size": 8,
        "intermediate_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
        "rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0, "low_freq_factor": 1.0,
                            "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}})",
                                        "config.json");
    EXPECT_DOUBLE_EQ(c.ropeTheta, 500000.0);
    EXPECT_EQ(c.ropeScaling.type, "llama3");
    EXPECT_EQ(c.ropeScaling.originalMaxPositionEmbeddings, 8192);
}

TEST(ModelConfig, Gpt2NamesAndPhiTraitsAreMapped)
{
    const ModelConfig gpt2 = parseHfConfig(R"({"architectures": ["GPT2LMHeadModel"], "vocab_size": 50, "n_embd": 16,
        "n_layer": 2, "n_head": 4, "n_positions": 32, "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new"})",
                                           "config.json");
    EXPECT_EQ(gpt2.hiddenSize, 16);
    EXPECT_EQ(gpt2.intermediateSize, 64); // n_inner absent: 4 x n_embd
    EXPECT_TRUE(gpt2.learnedPositions);
    EXPECT_EQ(gpt2.normKind, NormKind::LayerNorm);
    const ModelConfig phi = parseHfConfig(R"({"architectures": ["PhiForCausalLM"], "vocab_size": 50, "hidden_size": 160,
        "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "partial_rotary_factor": 0.4})",
                                          "config.json");
    EXPECT_TRUE(phi.parallelBlock);
    EXPECT_EQ(phi.rotaryDim(), 32); // Phi-2: head_dim 80 x 0.4
}
