// SPDX-License-Identifier: GPL-3.0-or-later
#include "model/modelconfig.h"

#include <map>
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

std::vector<std::string> supportedArchitectures()
{
    return {"LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM",
            "OPTForCausalLM",   "GPT2LMHeadModel",    "PhiForCausalLM"};
}

namespace {

Activation activationFrom(const std::string& name, const std::string& source)
{
    if (name == "silu" || name == "swish")
        return Activation::Silu;
    if (name == "gelu")
        return Activation::GeluExact;
    if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast")
        return Activation::GeluTanh;
    if (name == "relu")
        return Activation::Relu;
    throw Error(source + ": activation '" + name +
                "' is not supported (silu, gelu, gelu_new, gelu_pytorch_tanh, relu)");
}

std::string stringOr(const json& j, const char* key, const std::string& fallback)
{
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

bool boolOr(const json& j, const char* key, bool fallback)
{
    const auto it = j.find(key);
    return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

// Rope settings: transformers < 5 writes rope_theta + rope_scaling; transformers 5 writes rope_parameters.
void parseRope(const json& j, ModelConfig& c, const std::string& source)
{
    c.ropeTheta = doubleOr(j, "rope_theta", 10000.0, source);
    const json* scaling = nullptr;
    if (const auto it = j.find("rope_parameters"); it != j.end() && it->is_object()) {
        c.ropeTheta = doubleOr(*it, "rope_theta", c.ropeTheta, source);
        scaling = &*it;
    }
    if (const auto it = j.find("rope_scaling"); it != j.end() && it->is_object())
        scaling = &*it;
    if (!scaling)
        return;
    const json& r = *scaling;
    std::string type = stringOr(r, "rope_type", stringOr(r, "type", ""));
    if (type == "default")
        type.clear();
    c.ropeScaling.type = type;
    c.ropeScaling.factor = doubleOr(r, "factor", 1.0, source);
    c.ropeScaling.lowFreqFactor = doubleOr(r, "low_freq_factor", 1.0, source);
    c.ropeScaling.highFreqFactor = doubleOr(r, "high_freq_factor", 4.0, source);
    c.ropeScaling.originalMaxPositionEmbeddings = intOr(r, "original_max_position_embeddings", 0, source);
    if (!type.empty() && type != "llama3" && type != "linear")
        throw Error(source + ": rope scaling type '" + type + "' is not supported (llama3, linear)");
    if (const auto it = r.find("partial_rotary_factor"); it != r.end() && it->is_number())
        c.partialRotary = it->get<double>();
}

void parseTokenIds(const json& j, ModelConfig& c)
{
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
}

void parseLlamaLike(const json& j, ModelConfig& c, const std::string& source)
{
    c.vocabSize = requireInt(j, "vocab_size", source);
    c.hiddenSize = requireInt(j, "hidden_size", source);
    c.intermediateSize = requireInt(j, "intermediate_size", source);
    c.numLayers = requireInt(j, "num_hidden_layers", source);
    c.numHeads = requireInt(j, "num_attention_heads", source);
    c.numKvHeads = intOr(j, "num_key_value_heads", c.numHeads, source);
    c.headDim = intOr(j, "head_dim", c.numHeads > 0 ? c.hiddenSize / c.numHeads : 0, source);
    c.maxPositionEmbeddings = intOr(j, "max_position_embeddings", 2048, source);
    c.normEps = doubleOr(j, "rms_norm_eps", 1e-6, source);
    parseRope(j, c, source);
    c.activation = activationFrom(stringOr(j, "hidden_act", "silu"), source);
    c.hiddenAct = stringOr(j, "hidden_act", "silu");
    c.tieWordEmbeddings = boolOr(j, "tie_word_embeddings", false);
    c.attentionBias = boolOr(j, "attention_bias", false);
    c.mlpBias = boolOr(j, "mlp_bias", false);
    c.qkvBias = c.attentionBias;
    c.outputBias = c.attentionBias;
}

constexpr const char* kSlicedArchitecture = "FlatsliceSlicedForCausalLM";

} // namespace

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
    if (const auto it = j.find("architectures");
        it != j.end() && it->is_array() && !it->empty() && it->front().is_string())
        c.architecture = it->front().get<std::string>();
    if (c.architecture == kSlicedArchitecture) {
        // A SliceGPT export: the base family's config plus flatslice_slicing (widths come from the weights).
        const auto slicing = j.find("flatslice_slicing");
        if (slicing == j.end() || !slicing->is_object())
            throw Error(source + ": flatslice_slicing: missing (a sliced checkpoint needs it)");
        const std::string base = stringOr(*slicing, "base_architecture", "");
        if (base.empty() || base == kSlicedArchitecture)
            throw Error(source + ": flatslice_slicing.base_architecture: missing or invalid");
        json plain = j;
        plain["architectures"] = json::array({base});
        plain["model_type"] = stringOr(*slicing, "base_model_type", "");
        plain["tie_word_embeddings"] = false;
        ModelConfig sliced = parseHfConfig(plain.dump(), source);
        if (sliced.normKind != NormKind::RmsNorm || !sliced.gatedMlp || sliced.parallelBlock || sliced.learnedPositions)
            throw Error(source + ": flatslice_slicing.base_architecture = " + base +
                        ": only Llama-family sliced checkpoints can be read");
        sliced.slicedNormDivisor = intOr(*slicing, "norm_divisor", 0, source);
        if (sliced.slicedNormDivisor != sliced.hiddenSize)
            throw Error(source + ": flatslice_slicing.norm_divisor = " + std::to_string(sliced.slicedNormDivisor) +
                        ": must equal hidden_size " + std::to_string(sliced.hiddenSize));
        return sliced;
    }
    c.modelType = stringOr(j, "model_type", "");
    if (c.architecture.empty()) {
        static const std::map<std::string, std::string> byType = {
            {"llama", "LlamaForCausalLM"}, {"mistral", "MistralForCausalLM"}, {"qwen2", "Qwen2ForCausalLM"},
            {"qwen3", "Qwen3ForCausalLM"}, {"opt", "OPTForCausalLM"},         {"gpt2", "GPT2LMHeadModel"},
            {"phi", "PhiForCausalLM"}};
        if (const auto it = byType.find(c.modelType); it != byType.end())
            c.architecture = it->second;
    }
    const std::string& a = c.architecture;
    if (a == "LlamaForCausalLM" || a == "MistralForCausalLM" || a == "Qwen2ForCausalLM" || a == "Qwen3ForCausalLM") {
        parseLlamaLike(j, c, source);
        if (a == "MistralForCausalLM")
            c.slidingWindow = intOr(j, "sliding_window", 0, source);
        if (a == "Qwen2ForCausalLM") {
            c.qkvBias = true; // Qwen2 always has q/k/v biases and no o_proj bias
            c.outputBias = false;
        }
        if (a == "Qwen3ForCausalLM")
            c.qkNorm = true;
    } else if (a == "OPTForCausalLM") {
        c.vocabSize = requireInt(j, "vocab_size", source);
        c.hiddenSize = requireInt(j, "hidden_size", source);
        c.intermediateSize = requireInt(j, "ffn_dim", source);
        c.numLayers = requireInt(j, "num_hidden_layers", source);
        c.numHeads = requireInt(j, "num_attention_heads", source);
        c.numKvHeads = c.numHeads;
        c.headDim = c.hiddenSize / c.numHeads;
        c.maxPositionEmbeddings = intOr(j, "max_position_embeddings", 2048, source);
        if (!boolOr(j, "do_layer_norm_before", true))
            throw Error(source + ": post-LayerNorm OPT (do_layer_norm_before=false, e.g. OPT-350m) is not supported");
        if (intOr(j, "word_embed_proj_dim", c.hiddenSize, source) != c.hiddenSize)
            throw Error(source + ": OPT with word_embed_proj_dim != hidden_size (project_in/out) is not supported");
        if (!boolOr(j, "enable_bias", true) || !boolOr(j, "layer_norm_elementwise_affine", true))
            throw Error(source + ": OPT without biases or without affine LayerNorms is not supported");
        c.normKind = NormKind::LayerNorm;
        c.normEps = 1e-5; // hard-coded in transformers' OPT
        c.activation = activationFrom(stringOr(j, "activation_function", "relu"), source);
        c.hiddenAct = stringOr(j, "activation_function", "relu");
        c.gatedMlp = false;
        c.qkvBias = c.outputBias = c.mlpBias = true;
        c.learnedPositions = true;
        c.positionOffset = 2;
        c.tieWordEmbeddings = boolOr(j, "tie_word_embeddings", true);
    } else if (a == "GPT2LMHeadModel") {
        c.vocabSize = requireInt(j, "vocab_size", source);
        c.hiddenSize = requireInt(j, "n_embd", source);
        c.numLayers = requireInt(j, "n_layer", source);
        c.numHeads = requireInt(j, "n_head", source);
        c.intermediateSize = intOr(j, "n_inner", 4 * c.hiddenSize, source);
        c.numKvHeads = c.numHeads;
        c.headDim = c.hiddenSize / c.numHeads;
        c.maxPositionEmbeddings = intOr(j, "n_positions", 1024, source);
        c.normKind = NormKind::LayerNorm;
        c.normEps = doubleOr(j, "layer_norm_epsilon", 1e-5, source);
        c.activation = activationFrom(stringOr(j, "activation_function", "gelu_new"), source);
        c.hiddenAct = stringOr(j, "activation_function", "gelu_new");
        c.gatedMlp = false;
        c.qkvBias = c.outputBias = c.mlpBias = true;
        c.learnedPositions = true;
        c.tieWordEmbeddings = boolOr(j, "tie_word_embeddings", true);
        if (boolOr(j, "scale_attn_by_inverse_layer_idx", false) || boolOr(j, "reorder_and_upcast_attn", false))
            throw Error(source + ": GPT-2 variants with scale_attn_by_inverse_layer_idx are not supported");
    } else if (a == "PhiForCausalLM") {
        c.vocabSize = requireInt(j, "vocab_size", source);
        c.hiddenSize = requireInt(j, "hidden_size", source);
        c.intermediateSize = requireInt(j, "intermediate_size", source);
        c.numLayers = requireInt(j, "num_hidden_layers", source);
        c.numHeads = requireInt(j, "num_attention_heads", source);
        c.numKvHeads = intOr(j, "num_key_value_heads", c.numHeads, source);
        c.headDim = c.hiddenSize / c.numHeads;
        c.maxPositionEmbeddings = intOr(j, "max_position_embeddings", 2048, source);
        c.partialRotary = doubleOr(j, "partial_rotary_factor", 0.5, source);
        parseRope(j, c, source);
        c.normKind = NormKind::LayerNorm;
        c.normEps = doubleOr(j, "layer_norm_eps", 1e-5, source);
        c.activation = activationFrom(stringOr(j, "hidden_act", "gelu_new"), source);
        c.hiddenAct = stringOr(j, "hidden_act", "gelu_new");
        c.gatedMlp = false;
        c.parallelBlock = true;
        c.qkvBias = c.outputBias = c.mlpBias = c.lmHeadBias = true;
        c.tieWordEmbeddings = boolOr(j, "tie_word_embeddings", false);
        if (boolOr(j, "qk_layernorm", false))
            throw Error(source + ": Phi with qk_layernorm is not supported");
    } else {
        std::string list;
        for (const auto& s : supportedArchitectures())
            list += (list.empty() ? "" : ", ") + s;
        throw Error(source + ": architecture '" + (a.empty() ? c.modelType : a) +
                    "' is not supported; supported: " + list);
    }
    parseTokenIds(j, c);
    c.torchDtype = stringOr(j, "torch_dtype", stringOr(j, "dtype", "float32"));
    c.validate(source);
    return c;
}

std::string toHfConfigJson(const ModelConfig& c)
{
    if (c.sliced()) {
        ModelConfig base = c;
        base.slicedNormDivisor = 0;
        json j = json::parse(toHfConfigJson(base));
        json slicing = {{"base_architecture", j["architectures"][0]},
                        {"base_model_type", j["model_type"]},
                        {"norm_divisor", c.slicedNormDivisor},
                        {"qkv_bias", c.qkvBias || c.attentionBias},
                        {"o_bias", c.outputBias || c.attentionBias},
                        {"mlp_bias", c.mlpBias},
                        {"lm_head_bias", c.lmHeadBias},
                        {"qk_norm", c.qkNorm},
                        {"sliding_window", c.slidingWindow},
                        {"rope_theta", c.ropeTheta},
                        {"rope_scaling", j["rope_scaling"]}};
        j["architectures"] = json::array({kSlicedArchitecture});
        j["model_type"] = "flatslice_sliced";
        j["tie_word_embeddings"] = false;
        j["auto_map"] = {{"AutoConfig", "configuration_flatslice.FlatsliceSlicedConfig"},
                         {"AutoModelForCausalLM", "modeling_flatslice.FlatsliceSlicedForCausalLM"}};
        j["flatslice_slicing"] = slicing;
        return j.dump(2) + "\n";
    }
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

std::string toHfGenerationConfigJson(const ModelConfig& config)
{
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    if (config.bosTokenId)
        j["bos_token_id"] = *config.bosTokenId;
    if (config.eosTokenIds.size() == 1)
        j["eos_token_id"] = config.eosTokenIds.front();
    else if (!config.eosTokenIds.empty())
        j["eos_token_id"] = config.eosTokenIds;
    if (config.padTokenId)
        j["pad_token_id"] = *config.padTokenId;
    return j.dump(2) + "\n";
}

} // namespace flatslice::core
