// SPDX-License-Identifier: GPL-3.0-or-later
// The architecture-neutral description of a decoder-only transformer.
//
// Every loader (Hugging Face config.json, GGUF metadata) fills this one struct; everything downstream (runtime,
// analysis, estimator, exporter) reads only it. Family quirks beyond these fields belong to the family adapter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flatslice::core {

struct RopeScaling {
    std::string type; // "" (none), "linear", "llama3", ...
    double factor = 1.0;
    double lowFreqFactor = 1.0;
    double highFreqFactor = 4.0;
    std::int64_t originalMaxPositionEmbeddings = 0;
};

enum class NormKind { RmsNorm, LayerNorm };
enum class Activation { Silu, GeluExact, GeluTanh, Relu };

struct ModelConfig {
    std::string architecture; // Hugging Face `architectures[0]`, e.g. "LlamaForCausalLM"
    std::string modelType;    // Hugging Face `model_type`, e.g. "llama"
    std::int64_t vocabSize = 0;
    std::int64_t hiddenSize = 0;
    std::int64_t intermediateSize = 0;
    std::int64_t numLayers = 0;
    std::int64_t numHeads = 0;
    std::int64_t numKvHeads = 0;
    std::int64_t headDim = 0; // hiddenSize / numHeads unless the checkpoint says otherwise
    std::int64_t maxPositionEmbeddings = 0;
    double normEps = 1e-5;
    double ropeTheta = 10000.0;
    RopeScaling ropeScaling;
    std::string hiddenAct = "silu";
    bool tieWordEmbeddings = false;
    bool attentionBias = false;
    bool mlpBias = false;
    std::optional<std::int64_t> bosTokenId;
    std::vector<std::int64_t> eosTokenIds; // HF allows one id or a list
    std::optional<std::int64_t> padTokenId;
    std::string torchDtype = "float32"; // the precision the weights are stored in

    // Family traits (set by the family adapter from the architecture; defaults are Llama's).
    NormKind normKind = NormKind::RmsNorm;
    Activation activation = Activation::Silu;
    bool gatedMlp = true;            // SwiGLU gate/up/down; false: fc1 -> act -> fc2
    bool parallelBlock = false;      // Phi-2: attention and MLP both read the same normed input
    bool qkNorm = false;             // Qwen3: RMSNorm over each head of q and k, before RoPE
    bool qkvBias = false;            // Qwen2, OPT, GPT-2, Phi-2
    bool outputBias = false;         // bias on the attention output projection
    bool lmHeadBias = false;         // Phi-2
    double partialRotary = 1.0;      // fraction of head_dim that RoPE rotates (Phi-2: 0.4/0.5)
    bool learnedPositions = false;   // OPT, GPT-2: position embedding table instead of RoPE
    std::int64_t positionOffset = 0; // OPT: learned positions start at index 2
    std::int64_t slidingWindow = 0;  // Mistral; 0 = none

    // A SliceGPT result (0 = not sliced): block and final norms are weightless RMSNorms that divide by this (the
    // original hidden size, = hiddenSize) whatever width they see; residual widths vary per layer and are read from
    // the weights; skip connections may carry shortcut matrices. `architecture` stays the family the model was
    // sliced from (Llama-family layouts only for files on disk: "FlatsliceSlicedForCausalLM" in config.json).
    std::int64_t slicedNormDivisor = 0;
    bool sliced() const { return slicedNormDivisor > 0; }

    std::int64_t rotaryDim() const
    {
        return learnedPositions ? 0 : static_cast<std::int64_t>(static_cast<double>(headDim) * partialRotary);
    }

    // Checks internal consistency (positive sizes, heads divide hidden, KV heads divide heads); throws Error
    // naming the field. `source` names the file for the message.
    void validate(const std::string& source) const;
};

// Parses a Hugging Face config.json text for any supported family (see supportedArchitectures()). Unknown fields
// are ignored; missing required ones are an Error that names the field and `source`; an unsupported
// `architectures` value is an Error listing what is supported.
ModelConfig parseHfConfig(const std::string& jsonText, const std::string& source);

// The Hugging Face architectures flatslice runs.
std::vector<std::string> supportedArchitectures();

// generation_config.json text (bos/eos/pad ids) for any config.
std::string toHfGenerationConfigJson(const ModelConfig& config);

// Writes the Hugging Face config.json text for a Llama-family config (pretty-printed).
std::string toHfConfigJson(const ModelConfig& config);

} // namespace flatslice::core
