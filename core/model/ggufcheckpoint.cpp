// SPDX-License-Identifier: GPL-3.0-or-later
#include "model/ggufcheckpoint.h"

#include <algorithm>
#include <charconv>
#include <string_view>

#include "format/ggmltype.h"
#include "util/error.h"

namespace flatslice::core {

namespace {

std::string fileName(const GgufFile& file)
{
    return file.path().filename().string();
}

std::int64_t requireUInt(const GgufFile& file, const std::string& key)
{
    const GgufValue* value = file.find(key);
    if (!value)
        throw Error(fileName(file) + ": metadata key '" + key + "' is missing");
    return static_cast<std::int64_t>(value->asUInt());
}

std::int64_t uintOr(const GgufFile& file, const std::string& key, std::int64_t fallback)
{
    const GgufValue* value = file.find(key);
    return value ? static_cast<std::int64_t>(value->asUInt()) : fallback;
}

double floatOr(const GgufFile& file, const std::string& key, double fallback)
{
    const GgufValue* value = file.find(key);
    return value ? value->asFloat() : fallback;
}

// Per-block GGUF suffix -> Hugging Face suffix, and which head count un-permutes it (0: none).
struct BlockTensor {
    std::string_view gguf;
    std::string_view hf;
    enum { None, Query, Key } permute;
};
constexpr BlockTensor kBlockTensors[] = {
    {"attn_norm.weight", "input_layernorm.weight", BlockTensor::None},
    {"attn_q.weight", "self_attn.q_proj.weight", BlockTensor::Query},
    {"attn_q.bias", "self_attn.q_proj.bias", BlockTensor::Query},
    {"attn_k.weight", "self_attn.k_proj.weight", BlockTensor::Key},
    {"attn_k.bias", "self_attn.k_proj.bias", BlockTensor::Key},
    {"attn_v.weight", "self_attn.v_proj.weight", BlockTensor::None},
    {"attn_v.bias", "self_attn.v_proj.bias", BlockTensor::None},
    {"attn_output.weight", "self_attn.o_proj.weight", BlockTensor::None},
    {"attn_output.bias", "self_attn.o_proj.bias", BlockTensor::None},
    {"ffn_norm.weight", "post_attention_layernorm.weight", BlockTensor::None},
    {"ffn_gate.weight", "mlp.gate_proj.weight", BlockTensor::None},
    {"ffn_up.weight", "mlp.up_proj.weight", BlockTensor::None},
    {"ffn_down.weight", "mlp.down_proj.weight", BlockTensor::None},
};

// Order of suffixes within a block in our listing (HF's own module order).
constexpr std::string_view kHfOrder[] = {
    "self_attn.q_proj.weight",
    "self_attn.q_proj.bias",
    "self_attn.k_proj.weight",
    "self_attn.k_proj.bias",
    "self_attn.v_proj.weight",
    "self_attn.v_proj.bias",
    "self_attn.o_proj.weight",
    "self_attn.o_proj.bias",
    "mlp.gate_proj.weight",
    "mlp.up_proj.weight",
    "mlp.down_proj.weight",
    "input_layernorm.weight",
    "post_attention_layernorm.weight",
};

// Sort key that lists embeddings first, blocks in numeric order, then the final norm and head.
std::pair<std::int64_t, std::int64_t> orderKey(const std::string& hfName)
{
    if (hfName == "model.embed_tokens.weight")
        return {-1, 0};
    if (hfName == "model.norm.weight")
        return {1 << 30, 0};
    if (hfName == "lm_head.weight")
        return {1 << 30, 1};
    constexpr std::string_view prefix = "model.layers.";
    const std::string_view rest = std::string_view(hfName).substr(prefix.size());
    std::int64_t layer = 0;
    const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), layer);
    const std::string_view suffix = rest.substr(static_cast<std::size_t>(ptr - rest.data()) + 1);
    const auto it = std::find(std::begin(kHfOrder), std::end(kHfOrder), suffix);
    return {layer, it - std::begin(kHfOrder)};
}

} // namespace

ModelConfig GgufCheckpoint::configFromMetadata(const GgufFile& file)
{
    const std::string arch = file.get("general.architecture").asString();
    if (arch != "llama")
        throw Error(fileName(file) + ": GGUF architecture '" + arch +
                    "' is not supported; supported: llama (Llama, Mistral, SmolLM, TinyLlama and other "
                    "llama-family models)");
    const std::string p = arch + ".";
    ModelConfig c;
    c.architecture = "LlamaForCausalLM";
    c.modelType = "llama";
    c.hiddenSize = requireUInt(file, p + "embedding_length");
    c.intermediateSize = requireUInt(file, p + "feed_forward_length");
    c.numLayers = requireUInt(file, p + "block_count");
    c.numHeads = requireUInt(file, p + "attention.head_count");
    c.numKvHeads = uintOr(file, p + "attention.head_count_kv", c.numHeads);
    c.headDim = uintOr(file, p + "attention.key_length", c.numHeads > 0 ? c.hiddenSize / c.numHeads : 0);
    c.maxPositionEmbeddings = uintOr(file, p + "context_length", 2048);
    c.normEps = floatOr(file, p + "attention.layer_norm_rms_epsilon", 1e-5);
    c.ropeTheta = floatOr(file, p + "rope.freq_base", 10000.0);
    if (const GgufValue* type = file.find(p + "rope.scaling.type"); type && type->asString() != "none") {
        c.ropeScaling.type = type->asString();
        c.ropeScaling.factor = floatOr(file, p + "rope.scaling.factor", 1.0);
        c.ropeScaling.originalMaxPositionEmbeddings = uintOr(file, p + "rope.scaling.original_context_length", 0);
    }
    if (const GgufValue* vocab = file.find(p + "vocab_size"))
        c.vocabSize = static_cast<std::int64_t>(vocab->asUInt());
    else if (const GgufValue* tokens = file.find("tokenizer.ggml.tokens"))
        c.vocabSize = static_cast<std::int64_t>(tokens->size());
    const std::int64_t rotary = uintOr(file, p + "rope.dimension_count", c.headDim);
    if (rotary != c.headDim)
        throw Error(fileName(file) + ": rope.dimension_count " + std::to_string(rotary) + " differs from head_dim " +
                    std::to_string(c.headDim) + "; partial rotary is not a llama-family layout");
    c.tieWordEmbeddings = file.findTensor("output.weight") == nullptr;
    c.hiddenAct = "silu";
    c.validate(fileName(file));
    return c;
}

void GgufCheckpoint::unpermuteRows(std::vector<float>& data, std::int64_t nHeads, std::int64_t rows, std::int64_t cols)
{
    if (nHeads <= 0 || rows % nHeads != 0 || (rows / nHeads) % 2 != 0)
        throw Error("cannot un-permute " + std::to_string(rows) + " rows into " + std::to_string(nHeads) +
                    " heads of even size");
    const std::int64_t headDim = rows / nHeads;
    const std::int64_t half = headDim / 2;
    const std::vector<float> source = data;
    // llama.cpp stored HF row (h, j, i) (j in {0,1} picks the rotate-half, i < half) at row (h, i, j).
    for (std::int64_t h = 0; h < nHeads; ++h)
        for (std::int64_t j = 0; j < 2; ++j)
            for (std::int64_t i = 0; i < half; ++i) {
                const std::int64_t hfRow = h * headDim + j * half + i;
                const std::int64_t ggufRow = h * headDim + 2 * i + j;
                std::copy_n(source.begin() + ggufRow * cols, cols, data.begin() + hfRow * cols);
            }
}

GgufCheckpoint::GgufCheckpoint(const std::filesystem::path& path)
    : m_path(path), m_file(GgufFile::open(path)), m_config(configFromMetadata(m_file)),
      m_tokenizer(GgufTokenizerInfo::fromGguf(m_file))
{
    m_config.bosTokenId = m_tokenizer.bosId;
    if (m_tokenizer.eosId)
        m_config.eosTokenIds = {*m_tokenizer.eosId};
    m_config.padTokenId = m_tokenizer.padId;

    struct Entry {
        CheckpointTensorInfo info;
        Source source;
    };
    std::vector<Entry> entries;
    for (const GgufTensorInfo& t : m_file.tensors()) {
        Entry e;
        e.source.ggufName = t.name;
        std::string hf;
        if (t.name == "token_embd.weight") {
            hf = "model.embed_tokens.weight";
        } else if (t.name == "output_norm.weight") {
            hf = "model.norm.weight";
        } else if (t.name == "output.weight") {
            hf = "lm_head.weight";
        } else if (t.name == "rope_freqs.weight") {
            continue; // derived from the config by the runtime, not a Hugging Face parameter
        } else if (t.name.starts_with("blk.")) {
            const std::string_view rest = std::string_view(t.name).substr(4);
            std::int64_t layer = -1;
            const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), layer);
            if (ec != std::errc() || ptr == rest.data() + rest.size() || *ptr != '.' || layer < 0 ||
                layer >= m_config.numLayers)
                throw Error(fileName(m_file) + ": tensor '" + t.name + "' names a block outside 0.." +
                            std::to_string(m_config.numLayers - 1));
            const std::string_view suffix = rest.substr(static_cast<std::size_t>(ptr - rest.data()) + 1);
            const auto* match = std::find_if(std::begin(kBlockTensors), std::end(kBlockTensors),
                                             [&](const BlockTensor& b) { return b.gguf == suffix; });
            if (match == std::end(kBlockTensors))
                throw Error(fileName(m_file) + ": tensor '" + t.name + "' is not part of a llama block");
            hf = "model.layers." + std::to_string(layer) + "." + std::string(match->hf);
            if (match->permute == BlockTensor::Query)
                e.source.permuteHeads = m_config.numHeads;
            else if (match->permute == BlockTensor::Key)
                e.source.permuteHeads = m_config.numKvHeads;
        } else {
            throw Error(fileName(m_file) + ": tensor '" + t.name + "' is not part of a llama model");
        }
        e.info.name = hf;
        e.info.shape = t.shape;
        e.info.dtype = DType::F32;
        e.info.storedAs = std::string(ggmlTypeName(t.type));
        e.info.storedBytes = t.nbytes;
        entries.push_back(std::move(e));
    }
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return orderKey(a.info.name) < orderKey(b.info.name); });
    for (auto& e : entries) {
        m_infos.push_back(std::move(e.info));
        m_sources.push_back(std::move(e.source));
    }
    if (!findTensor("model.embed_tokens.weight"))
        throw Error(fileName(m_file) + ": tensor 'token_embd.weight' is missing");
    const auto& embed = *findTensor("model.embed_tokens.weight");
    if (embed.shape.size() != 2 || embed.shape[1] != m_config.hiddenSize)
        throw Error(fileName(m_file) + ": token_embd.weight has the wrong shape for hidden size " +
                    std::to_string(m_config.hiddenSize));
    m_config.vocabSize = embed.shape[0];
    const std::int64_t expected = 2 + m_config.numLayers * 9 + (m_config.tieWordEmbeddings ? 0 : 1);
    if (static_cast<std::int64_t>(m_infos.size()) < expected)
        throw Error(fileName(m_file) + ": " + std::to_string(m_infos.size()) + " tensors, a " +
                    std::to_string(m_config.numLayers) + "-block llama model needs at least " +
                    std::to_string(expected));
}

TensorView GgufCheckpoint::tensor(const std::string& name) const
{
    const auto it = std::find_if(m_infos.begin(), m_infos.end(),
                                 [&](const CheckpointTensorInfo& i) { return i.name == name; });
    if (it == m_infos.end())
        throw Error(fileName(m_file) + ": no tensor '" + name + "'");
    const Source& source = m_sources[static_cast<std::size_t>(it - m_infos.begin())];
    TensorView view = m_file.dequantize(source.ggufName);
    view.name = name;
    if (source.permuteHeads == 0)
        return view;
    std::vector<float> values = toFloatVector(view);
    const std::int64_t rows = view.shape.at(0);
    const std::int64_t cols = view.shape.size() > 1 ? view.shape[1] : 1;
    unpermuteRows(values, source.permuteHeads, rows, cols);
    return makeOwnedF32(name, view.shape, std::move(values));
}

} // namespace flatslice::core
