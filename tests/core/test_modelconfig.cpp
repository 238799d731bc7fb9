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
    expectErrorMentions(R"({"vocab_size": 10})", "hidden_size");
}

TEST(ModelConfig, InvalidJsonIsAnError)
{
    expectErrorMentions("{not json", "not valid JSON");
}

TEST(ModelConfig, HeadsMustDivideIntoKvGroups)
{
    expectErrorMentions(R"({"vocab_size": 10, "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1,
                            "num_attention_heads": 4, "num_key_value_heads": 3})",
                        "num_key_value_heads");
}
