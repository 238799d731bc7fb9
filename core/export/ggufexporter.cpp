// SPDX-License-Identifier: GPL-3.0-or-later
#include "export/ggufexporter.h"

#include <algorithm>
#include <c10/core/InferenceMode.h>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>

#include "export/exportselfcheck.h"
#include "format/ggmltype.h"
#include "format/ggufdequant.h"
#include "format/gguffile.h"
#include "format/ggufquantize.h"
#include "format/ggufwriter.h"
#include "model/transformerimpl.h"
#include "util/error.h"

namespace flatslice::core {

namespace {

using nlohmann::ordered_json;

constexpr std::uint32_t kQuantizationVersion = 2; // GGML_QNT_VERSION, what llama.cpp's converter records

// One tensor to write: its GGUF name, the weight in Hugging Face layout, and how to store it.
struct Item {
    std::string name;
    torch::Tensor weight;
    std::int64_t permuteHeads = 0; // 0: as is; else llama.cpp's q/k permutation with this head count
    GgmlType type = GgmlType::F32;
};

Item makeItem(std::string name, torch::Tensor weight, std::int64_t permuteHeads = 0)
{
    return Item{std::move(name), std::move(weight), permuteHeads, GgmlType::F32};
}

struct WeightType {
    GgmlType type;
    std::uint32_t fileType; // llama.cpp's LLAMA_FTYPE for general.file_type
};

WeightType parseType(const std::string& text)
{
    if (text == "f32")
        return {GgmlType::F32, 0};
    if (text == "f16")
        return {GgmlType::F16, 1};
    if (text == "q8_0")
        return {GgmlType::Q8_0, 7};
    if (text == "bf16")
        return {GgmlType::BF16, 32};
    throw Error("GGUF export: type '" + text + "' is not supported; use f32, f16, bf16 or q8_0");
}

// llama.cpp's rule: vectors stay F32; Q8_0 needs whole 32-value blocks per row, else F16.
GgmlType typeFor(const torch::Tensor& weight, GgmlType weights)
{
    if (weight.dim() < 2 || weights == GgmlType::F32)
        return GgmlType::F32;
    if (weight.size(-1) % static_cast<std::int64_t>(ggmlBlockSize(weights)) != 0)
        return GgmlType::F16;
    return weights;
}

std::string shapeText(torch::IntArrayRef shape)
{
    std::string out = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        out += (i ? ", " : "") + std::to_string(shape[i]);
    return out + "]";
}

void requireShape(const torch::Tensor& t, std::vector<std::int64_t> expected, const std::string& what)
{
    if (!t.defined())
        throw Error("GGUF export: " + what + " is missing");
    if (t.sizes() != torch::IntArrayRef(expected))
        throw Error("GGUF export: " + what + " has shape " + shapeText(t.sizes()) + ", a standard layer has " +
                    shapeText(expected) +
                    "; a model with per-layer widths (sliced, or pruned unevenly) is not a plain llama GGUF");
}

void requireNoBias(const torch::Tensor& bias, const std::string& what)
{
    if (bias.defined())
        throw Error("GGUF export: " + what + " has a bias, which a llama GGUF cannot hold");
}

// A weightless RMSNorm (as slicing leaves) is the same function as a gain of ones.
torch::Tensor normGain(const NormWeights& n, std::int64_t width)
{
    return n.weight.defined() ? n.weight : torch::ones({width}, torch::kFloat32);
}

std::vector<Item> llamaTensors(const TransformerImpl& model)
{
    const ModelConfig& c = model.config();
    const ModelWeights& w = model.weights();
    std::string why;
    if (c.normKind != NormKind::RmsNorm)
        why = "LayerNorm";
    else if (!c.gatedMlp)
        why = "an ungated MLP";
    else if (c.activation != Activation::Silu)
        why = "a non-SiLU activation";
    else if (c.parallelBlock)
        why = "parallel attention and MLP";
    else if (c.learnedPositions || c.partialRotary != 1.0)
        why = "positions other than full-width RoPE";
    else if (c.qkNorm)
        why = "q/k norms";
    else if (c.mlpBias || c.lmHeadBias)
        why = "MLP or LM head biases";
    if (!why.empty())
        throw Error("GGUF export: only Llama-family models (RMSNorm, gated SiLU MLP, RoPE) can be written as a "
                    "llama GGUF; " +
                    c.architecture + " has " + why);
    if (!c.ropeScaling.type.empty() && c.ropeScaling.type != "linear" && c.ropeScaling.type != "yarn")
        throw Error("GGUF export: RoPE scaling '" + c.ropeScaling.type +
                    "' cannot be written as llama.* metadata (supported: none, linear, yarn)");
    const std::int64_t d = c.hiddenSize;
    const std::int64_t q = c.numHeads * c.headDim;
    const std::int64_t kv = c.numKvHeads * c.headDim;
    const std::int64_t ffn = c.intermediateSize;
    if (w.blocks.empty())
        throw Error("GGUF export: the model has no blocks");

    std::vector<Item> out;
    requireShape(w.embed, {c.vocabSize, d}, "the token embedding");
    out.push_back(makeItem("token_embd.weight", w.embed));
    for (std::size_t i = 0; i < w.blocks.size(); ++i) {
        const BlockWeights& b = w.blocks[i];
        const std::string layer = "layer " + std::to_string(i);
        if (b.numHeads != c.numHeads || b.numKvHeads != c.numKvHeads)
            throw Error("GGUF export: " + layer + " has " + std::to_string(b.numHeads) + " heads and " +
                        std::to_string(b.numKvHeads) + " KV heads, the model " + std::to_string(c.numHeads) + " and " +
                        std::to_string(c.numKvHeads) + "; a llama GGUF has one width for every layer");
        if (b.qNorm.weight.defined() || b.kNorm.weight.defined())
            throw Error("GGUF export: " + layer + " has q/k norms, which a llama GGUF cannot hold");
        requireShape(b.q.weight, {q, d}, layer + " q_proj");
        requireShape(b.k.weight, {kv, d}, layer + " k_proj");
        requireShape(b.v.weight, {kv, d}, layer + " v_proj");
        requireShape(b.o.weight, {d, q}, layer + " o_proj");
        requireShape(b.gate.weight, {ffn, d}, layer + " gate_proj");
        requireShape(b.up.weight, {ffn, d}, layer + " up_proj");
        requireShape(b.down.weight, {d, ffn}, layer + " down_proj");
        requireNoBias(b.gate.bias, layer + " gate_proj");
        requireNoBias(b.up.bias, layer + " up_proj");
        requireNoBias(b.down.bias, layer + " down_proj");
        const torch::Tensor attnNorm = normGain(b.attnNorm, d);
        const torch::Tensor mlpNorm = normGain(b.mlpNorm, d);
        requireShape(attnNorm, {d}, layer + " input_layernorm");
        requireShape(mlpNorm, {d}, layer + " post_attention_layernorm");
        requireNoBias(b.attnNorm.bias, layer + " input_layernorm");
        requireNoBias(b.mlpNorm.bias, layer + " post_attention_layernorm");

        const std::string p = "blk." + std::to_string(i) + ".";
        out.push_back(makeItem(p + "attn_norm.weight", attnNorm));
        out.push_back(makeItem(p + "attn_q.weight", b.q.weight, c.numHeads));
        if (b.q.bias.defined()) {
            requireShape(b.q.bias, {q}, layer + " q_proj bias");
            out.push_back(makeItem(p + "attn_q.bias", b.q.bias, c.numHeads));
        }
        out.push_back(makeItem(p + "attn_k.weight", b.k.weight, c.numKvHeads));
        if (b.k.bias.defined()) {
            requireShape(b.k.bias, {kv}, layer + " k_proj bias");
            out.push_back(makeItem(p + "attn_k.bias", b.k.bias, c.numKvHeads));
        }
        out.push_back(makeItem(p + "attn_v.weight", b.v.weight));
        if (b.v.bias.defined()) {
            requireShape(b.v.bias, {kv}, layer + " v_proj bias");
            out.push_back(makeItem(p + "attn_v.bias", b.v.bias));
        }
        out.push_back(makeItem(p + "attn_output.weight", b.o.weight));
        if (b.o.bias.defined()) {
            requireShape(b.o.bias, {d}, layer + " o_proj bias");
            out.push_back(makeItem(p + "attn_output.bias", b.o.bias));
        }
        out.push_back(makeItem(p + "ffn_norm.weight", mlpNorm));
        out.push_back(makeItem(p + "ffn_gate.weight", b.gate.weight));
        out.push_back(makeItem(p + "ffn_up.weight", b.up.weight));
        out.push_back(makeItem(p + "ffn_down.weight", b.down.weight));
    }
    const torch::Tensor finalNorm = normGain(w.finalNorm, d);
    requireShape(finalNorm, {d}, "the final norm");
    requireNoBias(w.finalNorm.bias, "the final norm");
    out.push_back(makeItem("output_norm.weight", finalNorm));
    // llama.cpp reads a missing output.weight as "tied to token_embd"; so does our reader.
    const torch::Tensor& head = w.head.weight;
    const bool tied = !head.defined() || head.data_ptr() == w.embed.data_ptr() ||
                      (c.tieWordEmbeddings && head.sizes() == w.embed.sizes() && torch::equal(head, w.embed));
    if (!tied) {
        requireShape(head, {c.vocabSize, d}, "the LM head");
        out.push_back(makeItem("output.weight", head));
    }
    return out;
}

std::vector<float> valuesOf(const torch::Tensor& t)
{
    const torch::Tensor f = t.to(torch::kFloat32).contiguous();
    const float* p = f.data_ptr<float>();
    return std::vector<float>(p, p + f.numel());
}

// What the reader gives back for `weight` stored as `type`: our encoder, then the reader's own decoder.
torch::Tensor throughType(const torch::Tensor& weight, GgmlType type)
{
    if (type == GgmlType::F32)
        return weight.to(torch::kFloat32);
    const std::vector<std::byte> bytes = quantize(type, valuesOf(weight));
    torch::Tensor out = torch::empty(weight.sizes(), torch::kFloat32);
    dequantize(type, bytes, std::span<float>(out.data_ptr<float>(), static_cast<std::size_t>(out.numel())));
    return out;
}

GgufValue u32(std::int64_t value)
{
    return GgufValue::makeUnsigned(GgufValueType::UInt32, static_cast<std::uint64_t>(value));
}

GgufValue f32(double value)
{
    return GgufValue::makeFloat(GgufValueType::Float32, value);
}

// The tokenizer.* keys of the source GGUF, checked against the model's vocabulary.
std::vector<GgufKeyValue> tokenizerMetadata(const std::filesystem::path& source, std::int64_t vocab)
{
    namespace fs = std::filesystem;
    if (source.empty())
        throw Error("GGUF export: a GGUF file carries its tokenizer; name the source .gguf as the tokenizer source");
    std::error_code ec;
    if (fs::is_directory(source, ec))
        throw Error("GGUF export: " + source.string() +
                    ": converting a Hugging Face tokenizer directory to tokenizer.ggml.* is not supported yet; "
                    "name a .gguf of the same model as the tokenizer source");
    if (source.extension() != ".gguf")
        throw Error("GGUF export: tokenizer source " + source.string() + " is not a .gguf file");
    const GgufFile file = GgufFile::open(source);
    std::vector<GgufKeyValue> out;
    for (const GgufKeyValue& kv : file.metadata())
        if (kv.key.starts_with("tokenizer."))
            out.push_back(kv);
    const GgufValue* tokens = file.find("tokenizer.ggml.tokens");
    if (!tokens || !file.find("tokenizer.ggml.model"))
        throw Error("GGUF export: " + source.string() + " has no tokenizer (tokenizer.ggml.model and .tokens)");
    if (static_cast<std::int64_t>(tokens->size()) != vocab)
        throw Error("GGUF export: the tokenizer of " + source.filename().string() + " has " +
                    std::to_string(tokens->size()) + " tokens, the model's embedding " + std::to_string(vocab) +
                    " rows; llama.cpp needs them equal");
    return out;
}

} // namespace

void GgufExporter::permuteRows(std::vector<float>& data, std::int64_t nHeads, std::int64_t rows, std::int64_t cols)
{
    if (nHeads <= 0 || rows % nHeads != 0 || (rows / nHeads) % 2 != 0 || cols < 0 ||
        static_cast<std::uint64_t>(rows * cols) != data.size())
        throw Error("cannot permute " + std::to_string(rows) + " rows of " + std::to_string(cols) + " into " +
                    std::to_string(nHeads) + " heads of even size");
    const std::int64_t headDim = rows / nHeads;
    const std::int64_t half = headDim / 2;
    const std::vector<float> source = data;
    // reshape(n_head, 2, head_dim / 2, cols).swapaxes(1, 2): HF row (h, j, i) becomes row (h, i, j).
    for (std::int64_t h = 0; h < nHeads; ++h)
        for (std::int64_t j = 0; j < 2; ++j)
            for (std::int64_t i = 0; i < half; ++i) {
                const std::int64_t hfRow = h * headDim + j * half + i;
                const std::int64_t ggufRow = h * headDim + 2 * i + j;
                std::copy_n(source.begin() + hfRow * cols, cols, data.begin() + ggufRow * cols);
            }
}

GgufExporter::GgufExporter(GgufExportOptions options) : m_options(std::move(options)) {}

GgufExportResult GgufExporter::write(const TransformerImpl& model, const std::filesystem::path& outFile,
                                     const Progress& progress) const
{
    const auto start = std::chrono::steady_clock::now();
    const GgufExportOptions& o = m_options;
    const WeightType weights = parseType(o.type);
    if (outFile.extension() != ".gguf")
        throw Error("GGUF export: " + outFile.string() + ": the file name must end in .gguf");
    ordered_json extra;
    try {
        extra = ordered_json::parse(o.flatsliceJson.empty() ? "{}" : o.flatsliceJson);
    } catch (const std::exception& e) {
        throw Error(std::string("GGUF export: the flatslice provenance is not JSON: ") + e.what());
    }
    if (!extra.is_object())
        throw Error("GGUF export: the flatslice provenance must be a JSON object");

    c10::InferenceMode guard;
    const ModelConfig& c = model.config();
    std::vector<Item> items = llamaTensors(model);
    for (Item& item : items)
        item.type = typeFor(item.weight, weights.type);
    const std::vector<GgufKeyValue> tokenizer = tokenizerMetadata(o.tokenizerSource, c.vocabSize);

    GgufWriter writer(outFile, o.overwrite);
    const auto layers = static_cast<std::int64_t>(model.weights().blocks.size());
    writer.addMetadata("general.architecture", GgufValue::makeString("llama"));
    writer.addMetadata("general.name", GgufValue::makeString(o.modelName));
    writer.addMetadata("general.file_type", u32(weights.fileType));
    writer.addMetadata("general.quantization_version", u32(kQuantizationVersion));
    writer.addMetadata("llama.context_length", u32(c.maxPositionEmbeddings));
    writer.addMetadata("llama.embedding_length", u32(c.hiddenSize));
    writer.addMetadata("llama.block_count", u32(layers));
    writer.addMetadata("llama.feed_forward_length", u32(c.intermediateSize));
    writer.addMetadata("llama.attention.head_count", u32(c.numHeads));
    writer.addMetadata("llama.attention.head_count_kv", u32(c.numKvHeads));
    writer.addMetadata("llama.attention.layer_norm_rms_epsilon", f32(c.normEps));
    writer.addMetadata("llama.rope.freq_base", f32(c.ropeTheta));
    writer.addMetadata("llama.rope.dimension_count", u32(c.headDim));
    if (c.numHeads * c.headDim != c.hiddenSize) { // llama.cpp derives head_dim from these unless told
        writer.addMetadata("llama.attention.key_length", u32(c.headDim));
        writer.addMetadata("llama.attention.value_length", u32(c.headDim));
    }
    writer.addMetadata("llama.vocab_size", u32(c.vocabSize));
    if (!c.ropeScaling.type.empty()) {
        writer.addMetadata("llama.rope.scaling.type", GgufValue::makeString(c.ropeScaling.type));
        writer.addMetadata("llama.rope.scaling.factor", f32(c.ropeScaling.factor));
        if (c.ropeScaling.originalMaxPositionEmbeddings > 0)
            writer.addMetadata("llama.rope.scaling.original_context_length",
                               u32(c.ropeScaling.originalMaxPositionEmbeddings));
    }
    for (const GgufKeyValue& kv : tokenizer)
        writer.addMetadata(kv.key, kv.value);

    GgufExportResult result;
    result.path = outFile;
    std::int64_t parameters = 0;
    for (const Item& item : items) {
        writer.addTensor(item.name, item.type,
                         std::vector<std::int64_t>(item.weight.sizes().begin(), item.weight.sizes().end()));
        parameters += item.weight.numel();
    }
    ordered_json meta = {{"format", "flatslice-export"}, {"version", 1}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        meta[it.key()] = it.value();
    meta["export"] = {{"format", "gguf"},
                      {"type", o.type},
                      {"layers", layers},
                      {"parameters", parameters},
                      {"data_bytes", writer.dataBytes()},
                      {"flatslice_version", FLATSLICE_VERSION}};
    std::string provenance;
    try {
        provenance = meta.dump();
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("GGUF export: the flatslice provenance is not valid UTF-8: ") + e.what());
    }
    writer.addMetadata("flatslice.provenance", GgufValue::makeString(std::move(provenance)));

    const auto total = static_cast<std::int64_t>(items.size()) + 2;
    writer.writeHeader();
    for (std::size_t i = 0; i < items.size(); ++i) {
        const Item& item = items[i];
        progress.step(static_cast<std::int64_t>(i), total, "writing " + item.name);
        std::vector<float> values = valuesOf(item.weight);
        if (item.permuteHeads > 0)
            permuteRows(values, item.permuteHeads, item.weight.size(0),
                        item.weight.dim() > 1 ? item.weight.size(1) : 1);
        const std::vector<std::byte> bytes = quantize(item.type, values);
        writer.writeTensorData(bytes);
        result.weightBytes += bytes.size();
    }
    writer.finish();
    result.tensors = static_cast<std::int64_t>(items.size());

    // Self-check: the file must run like the in-memory model with the file's rounding applied. Permuting rows
    // and quantizing along rows commute, so rounding the Hugging Face layout gives the reader's exact values.
    ExportCheckOptions check;
    check.tokens = o.selfCheckTokens;
    check.tolerance = o.selfCheckTolerance;
    check.evalTokens = o.evalTokens;
    check.evalOptions = o.evalOptions;
    const ExportCheckResult checked = checkExport(
        model, [&](const torch::Tensor& t) { return throughType(t, typeFor(t, weights.type)); }, writer.partialPath(),
        check, progress, total - 2, total);
    result.selfCheckInMemory = checked.inMemory;
    result.selfCheckReloaded = checked.reloaded;
    result.evaluation = checked.evaluation;
    writer.commit();
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

} // namespace flatslice::core
