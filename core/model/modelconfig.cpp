#include "model/modelconfig.h"

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace flatslice::core {

using nlohmann::json;

namespace {

std::int64_t requireInt(const json& j, const char* key, const std::string& source)
{
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer())
        throw Error(source + ": config field '" + key + "' is missing or not an integer");
    return it->get<std::int64_t>();
}

std::int64_t intOr(const json& j, const char* key, std::int64_t fallback, const std::string& source)
{
    const auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return fallback;
    if (!it->is_number_integer())
        throw Error(source + ": config field '" + key + "' is not an integer");
    return it->get<std::int64_t>();
}

double doubleOr(const json& j, const char* key, double fallback, const std::string& source)
{
    const auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return fallback;
    if (!it->is_number())
        throw Error(source + ": config field '" + key + "' is not a number");
    return it->get<double>();
}

} // namespace

void ModelConfig::validate(const std::string& source) const
{
    auto positive = [&](std::int64_t value, const char* field) {
        if (value <= 0)
            throw Error(source + ": " + field + " must be positive, got " + std::to_string(value));
    };
    positive(vocabSize, "vocab_size");
    positive(hiddenSize, "hidden_size");
    positive(intermediateSize, "intermediate_size");
    positive(numLayers, "num_hidden_layers");
    positive(numHeads, "num_attention_heads");
    positive(numKvHeads, "num_key_value_heads");
    positive(headDim, "head_dim");
    if (numHeads % numKvHeads != 0)
        throw Error(source + ": num_attention_heads " + std::to_string(numHeads) +
                    " is not a multiple of num_key_value_heads " + std::to_string(numKvHeads));
    if (!(normEps > 0.0))
        throw Error(source + ": norm epsilon must be positive");
}

ModelConfig parseHfConfig(const std::string& jsonText, const std::string& source)
{
    json j;
    try {
        j = json::parse(jsonText);
    } catch (const json::exception& e) {
        throw Error(source + ": not valid JSON: " + e.what());
    }
    if (!j.is_object())
        throw Error(source + ": expected a JSON object");

    ModelConfig c;
    if (const auto it = j.find("architectures"); it != j.end() && it->is_array() && !it->empty() &&
                                                 it->front().is_string())
        c.architecture = it->front().get<std::string>();
    if (const auto it = j.find("model_type"); it != j.end() && it->is_string())
        c.modelType = it->get<std::string>();
    c.vocabSize = requireInt(j, "vocab_size", source);
    c.hiddenSize = requireInt(j, "hidden_size", source);
    c.intermediateSize = requireInt(j, "intermediate_size", source);
    c.numLayers = requireInt(j, "num_hidden_layers", source);
    c.numHeads = requireInt(j, "num_attention_heads", source);
    c.numKvHeads = intOr(j, "num_key_value_heads", c.numHeads, source);
    c.headDim = intOr(j, "head_dim", c.numHeads > 0 ? c.hiddenSize / c.numHeads : 0, source);
    c.maxPositionEmbeddings = intOr(j, "max_position_embeddings", 2048, source);
    c.normEps = doubleOr(j, "rms_norm_eps", doubleOr(j, "layer_norm_eps", 1e-5, source), source);
    c.ropeTheta = doubleOr(j, "rope_theta", 10000.0, source);
    if (const auto it = j.find("rope_scaling"); it != j.end() && it->is_object()) {
        const json& r = *it;
        if (const auto t = r.find("rope_type"); t != r.end() && t->is_string())
            c.ropeScaling.type = t->get<std::string>();
        else if (const auto t2 = r.find("type"); t2 != r.end() && t2->is_string())
            c.ropeScaling.type = t2->get<std::string>();
        c.ropeScaling.factor = doubleOr(r, "factor", 1.0, source);
        c.ropeScaling.lowFreqFactor = doubleOr(r, "low_freq_factor", 1.0, source);
        c.ropeScaling.highFreqFactor = doubleOr(r, "high_freq_factor", 4.0, source);
        c.ropeScaling.originalMaxPositionEmbeddings = intOr(r, "original_max_position_embeddings", 0, source);
    }
    if (const auto it = j.find("hidden_act"); it != j.end() && it->is_string())
        c.hiddenAct = it->get<std::string>();
    if (const auto it = j.find("tie_word_embeddings"); it != j.end() && it->is_boolean())
        c.tieWordEmbeddings = it->get<bool>();
    if (const auto it = j.find("attention_bias"); it != j.end() && it->is_boolean())
        c.attentionBias = it->get<bool>();
    if (const auto it = j.find("mlp_bias"); it != j.end() && it->is_boolean())
        c.mlpBias = it->get<bool>();
    if (const auto it = j.find("bos_token_id"); it != j.end() && it->is_number_integer())
        c.bosTokenId = it->get<std::int64_t>();
    if (const auto it = j.find("eos_token_id"); it != j.end()) {
        if (it->is_number_integer())
            c.eosTokenIds.push_back(it->get<std::int64_t>());
        else if (it->is_array())
            for (const auto& v : *it)
                if (v.is_number_integer())
                    c.eosTokenIds.push_back(v.get<std::int64_t>());
    }
    if (const auto it = j.find("pad_token_id"); it != j.end() && it->is_number_integer())
        c.padTokenId = it->get<std::int64_t>();
    if (const auto it = j.find("torch_dtype"); it != j.end() && it->is_string())
        c.torchDtype = it->get<std::string>();
    c.validate(source);
    return c;
}

std::string toHfConfigJson(const ModelConfig& c)
{
    json j = json::object();
    j["architectures"] = json::array({c.architecture.empty() ? "LlamaForCausalLM" : c.architecture});
    j["model_type"] = c.modelType.empty() ? "llama" : c.modelType;
    j["vocab_size"] = c.vocabSize;
    j["hidden_size"] = c.hiddenSize;
    j["intermediate_size"] = c.intermediateSize;
    j["num_hidden_layers"] = c.numLayers;
    j["num_attention_heads"] = c.numHeads;
    j["num_key_value_heads"] = c.numKvHeads;
    j["head_dim"] = c.headDim;
    j["max_position_embeddings"] = c.maxPositionEmbeddings;
    j["rms_norm_eps"] = c.normEps;
    j["rope_theta"] = c.ropeTheta;
    if (c.ropeScaling.type.empty()) {
        j["rope_scaling"] = nullptr;
    } else {
        json r = {{"rope_type", c.ropeScaling.type}, {"factor", c.ropeScaling.factor}};
        if (c.ropeScaling.type == "llama3") {
            r["low_freq_factor"] = c.ropeScaling.lowFreqFactor;
            r["high_freq_factor"] = c.ropeScaling.highFreqFactor;
            r["original_max_position_embeddings"] = c.ropeScaling.originalMaxPositionEmbeddings;
        }
        j["rope_scaling"] = r;
    }
    j["hidden_act"] = c.hiddenAct;
    j["tie_word_embeddings"] = c.tieWordEmbeddings;
    j["attention_bias"] = c.attentionBias;
    j["mlp_bias"] = c.mlpBias;
    j["attention_dropout"] = 0.0;
    j["initializer_range"] = 0.02;
    j["pretraining_tp"] = 1;
    j["use_cache"] = true;
    if (c.bosTokenId)
        j["bos_token_id"] = *c.bosTokenId;
    if (c.eosTokenIds.size() == 1)
        j["eos_token_id"] = c.eosTokenIds.front();
    else if (!c.eosTokenIds.empty())
        j["eos_token_id"] = c.eosTokenIds;
    if (c.padTokenId)
        j["pad_token_id"] = *c.padTokenId;
    j["torch_dtype"] = c.torchDtype;
    j["transformers_version"] = "4.46.0";
    return j.dump(2) + "\n";
}

} // namespace flatslice::core
