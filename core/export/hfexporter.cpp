// SPDX-License-Identifier: GPL-3.0-or-later
#include "export/hfexporter.h"
#include "export/remotecode.h"

#include <c10/core/InferenceMode.h>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "export/exportselfcheck.h"
#include "format/atomicdirectory.h"
#include "format/safetensorswriter.h"
#include "model/checkpoint.h"
#include "model/ggufcheckpoint.h"
#include "model/transformer.h"
#include "model/transformerimpl.h"
#include "util/error.h"

namespace flatslice::core {

namespace {

using nlohmann::ordered_json;

struct Entry {
    std::string name;
    torch::Tensor tensor;
};

void add(std::vector<Entry>& entries, const std::string& name, const torch::Tensor& t)
{
    if (t.defined())
        entries.push_back({name, t});
}

void addLinear(std::vector<Entry>& entries, const std::string& prefix, const LinearWeights& w)
{
    add(entries, prefix + ".weight", w.weight);
    add(entries, prefix + ".bias", w.bias);
}

// The Llama-family HF names (Mistral, Qwen2 and Qwen3 share them).
std::vector<Entry> hfTensors(const TransformerImpl& model)
{
    const ModelConfig& c = model.config();
    const ModelWeights& w = model.weights();
    if (c.normKind != NormKind::RmsNorm || !c.gatedMlp || c.parallelBlock || c.learnedPositions)
        throw Error("export: only Llama-family models (RMSNorm, gated MLP) can be exported yet, not " + c.architecture);
    std::vector<Entry> out;
    add(out, "model.embed_tokens.weight", w.embed);
    for (std::size_t i = 0; i < w.blocks.size(); ++i) {
        const BlockWeights& b = w.blocks[i];
        if (b.numHeads != c.numHeads || b.numKvHeads != c.numKvHeads || b.up.weight.size(0) != c.intermediateSize)
            throw Error("export: layer " + std::to_string(i) + " has non-standard widths (" +
                        std::to_string(b.numHeads) + " heads, " + std::to_string(b.numKvHeads) + " KV heads, " +
                        std::to_string(b.up.weight.size(0)) + " channels); a plain config cannot describe it");
        if (b.qNorm.weight.defined() && b.qNorm.weight.dim() != 1)
            throw Error("export: layer " + std::to_string(i) + " has per-head q/k norm gains");
        const std::string p = "model.layers." + std::to_string(i) + ".";
        add(out, p + "input_layernorm.weight", b.attnNorm.weight);
        addLinear(out, p + "self_attn.q_proj", b.q);
        addLinear(out, p + "self_attn.k_proj", b.k);
        addLinear(out, p + "self_attn.v_proj", b.v);
        addLinear(out, p + "self_attn.o_proj", b.o);
        add(out, p + "self_attn.q_norm.weight", b.qNorm.weight);
        add(out, p + "self_attn.k_norm.weight", b.kNorm.weight);
        add(out, p + "post_attention_layernorm.weight", b.mlpNorm.weight);
        add(out, p + "attn_shortcut_Q", b.attnShortcut);
        add(out, p + "mlp_shortcut_Q", b.mlpShortcut);
        addLinear(out, p + "mlp.gate_proj", b.gate);
        addLinear(out, p + "mlp.up_proj", b.up);
        addLinear(out, p + "mlp.down_proj", b.down);
    }
    add(out, "model.norm.weight", w.finalNorm.weight);
    if (!c.tieWordEmbeddings)
        addLinear(out, "lm_head", w.head);
    return out;
}

// Every residual width of a sliced model, for the remote code to build its modules before loading weights.
nlohmann::json slicedLayerWidths(const TransformerImpl& model)
{
    nlohmann::json layers = nlohmann::json::array();
    for (const BlockWeights& b : model.weights().blocks)
        layers.push_back({{"in", b.q.weight.size(1)},
                          {"mid", b.o.weight.size(0)},
                          {"out", b.down.weight.size(0)},
                          {"attn_shortcut", b.attnShortcut.defined()},
                          {"mlp_shortcut", b.mlpShortcut.defined()}});
    return layers;
}

TensorView toView(const std::string& name, const torch::Tensor& t, DType dtype)
{
    auto tensor = std::make_shared<torch::Tensor>(
        t.to(dtype == DType::BF16 ? torch::kBFloat16 : torch::kFloat32).contiguous());
    TensorView view;
    view.name = name;
    view.dtype = dtype;
    view.shape.assign(tensor->sizes().begin(), tensor->sizes().end());
    view.bytes = std::span<const std::byte>(static_cast<const std::byte*>(tensor->data_ptr()),
                                            static_cast<std::size_t>(tensor->nbytes()));
    view.owner = tensor;
    return view;
}

void writeTokenizer(const std::filesystem::path& source, const AtomicDirectory& out, std::int64_t maxLength)
{
    namespace fs = std::filesystem;
    if (source.empty())
        return;
    if (fs::is_directory(source)) {
        for (const char* name : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json",
                                 "merges.txt", "tokenizer.model", "added_tokens.json", "chat_template.jinja"}) {
            if (fs::exists(source / name))
                fs::copy_file(source / name, out.staging() / name, fs::copy_options::overwrite_existing);
        }
        return;
    }
    const GgufCheckpoint gguf(source);
    out.writeText("tokenizer.json", toHfTokenizerJson(gguf.tokenizer()));
    out.writeText("tokenizer_config.json", toHfTokenizerConfigJson(gguf.tokenizer(), maxLength));
    out.writeText("special_tokens_map.json", toHfSpecialTokensMapJson(gguf.tokenizer()));
}

std::string modelCard(const HfExportOptions& o, const ModelConfig& c, std::int64_t parameters, const HfExportResult& r)
{
    std::string card =
        "---\nlibrary_name: transformers\ntags:\n- flatslice\n- pruned\n---\n\n# " + o.modelName +
        "\n\nA structurally compressed " + c.architecture + " written by flatslice: " + std::to_string(c.numLayers) +
        " layers of the standard width (" + std::to_string(c.numHeads) + " heads, " + std::to_string(c.numKvHeads) +
        " KV heads, " + std::to_string(c.intermediateSize) + " MLP channels), " + std::to_string(parameters) +
        " parameters. " +
        (c.sliced() ? std::string("Its residual stream was rotated and sliced by SliceGPT (per-layer widths and "
                                  "shortcut matrices), so it needs the bundled modeling_flatslice.py: "
                                  "`AutoModelForCausalLM.from_pretrained(dir, trust_remote_code=True)`.\n\n")
                    : "It is a plain `" + c.modelType +
                          "` checkpoint: `AutoModelForCausalLM.from_pretrained(dir)` loads it without remote "
                          "code.\n\n") +
        "`flatslice.json` records the plan (which blocks were flattened or dropped), the calibration "
        "protocol and the measured figures.\n";
    if (r.evaluation) {
        char line[256];
        std::snprintf(line, sizeof line, "\nPerplexity %.4f on %s (%lld tokens, windows of %lld).\n",
                      r.evaluation->perplexity, o.evalName.c_str(), static_cast<long long>(r.evaluation->tokens),
                      static_cast<long long>(r.evaluation->seqlen));
        card += line;
    }
    return card;
}

} // namespace

HfExporter::HfExporter(HfExportOptions options) : m_options(std::move(options)) {}

HfExportResult HfExporter::write(const TransformerImpl& model, const std::filesystem::path& outDir,
                                 const Progress& progress) const
{
    const auto start = std::chrono::steady_clock::now();
    const HfExportOptions& o = m_options;
    if (o.dtype != DType::F32 && o.dtype != DType::BF16)
        throw Error("export: weights are written as f32 or bf16");
    ordered_json extra;
    try {
        extra = ordered_json::parse(o.flatsliceJson);
    } catch (const std::exception& e) {
        throw Error(std::string("export: flatslice.json content is not JSON: ") + e.what());
    }
    if (!extra.is_object())
        throw Error("export: flatslice.json content must be a JSON object");

    ModelConfig config = model.config();
    config.numLayers = static_cast<std::int64_t>(model.weights().blocks.size());
    config.torchDtype = o.dtype == DType::BF16 ? "bfloat16" : "float32";
    const std::vector<Entry> entries = hfTensors(model);

    AtomicDirectory out(outDir, o.overwrite);
    HfExportResult result;
    result.outDir = outDir;
    std::vector<TensorSpec> specs;
    std::int64_t parameters = 0;
    for (const Entry& e : entries) {
        specs.push_back({e.name, o.dtype, std::vector<std::int64_t>(e.tensor.sizes().begin(), e.tensor.sizes().end())});
        parameters += e.tensor.numel();
        result.weightBytes += static_cast<std::uint64_t>(e.tensor.numel()) * dtypeSize(o.dtype);
    }
    const auto total = static_cast<std::int64_t>(entries.size()) + 2;
    {
        c10::InferenceMode guard;
        writeSafetensorsSharded(
            out.staging(), specs, {{"format", "pt"}},
            [&](std::size_t i) {
                progress.step(static_cast<std::int64_t>(i), total, "writing " + entries[i].name);
                return toView(entries[i].name, entries[i].tensor, o.dtype);
            },
            o.maxShardBytes);
    }
    result.tensors = static_cast<std::int64_t>(entries.size());
    nlohmann::json hfConfig = nlohmann::json::parse(toHfConfigJson(config));
    if (config.slidingWindow > 0)
        hfConfig["sliding_window"] = config.slidingWindow;
    if (config.sliced()) {
        hfConfig["flatslice_slicing"]["layers"] = slicedLayerWidths(model);
        hfConfig["flatslice_slicing"]["embedding_width"] = model.weights().embed.size(1);
        hfConfig["flatslice_slicing"]["head_width"] = model.weights().head.weight.size(1);
        out.writeText("modeling_flatslice.py", std::string(slicedModelingPython()));
        out.writeText("configuration_flatslice.py", std::string(slicedConfigurationPython()));
    }
    out.writeText("config.json", hfConfig.dump(2) + "\n");
    namespace fs = std::filesystem;
    if (fs::is_directory(o.tokenizerSource) && fs::exists(o.tokenizerSource / "generation_config.json"))
        fs::copy_file(o.tokenizerSource / "generation_config.json", out.staging() / "generation_config.json");
    else
        out.writeText("generation_config.json", toHfGenerationConfigJson(config));
    writeTokenizer(o.tokenizerSource, out, config.maxPositionEmbeddings);

    // Self-check: what was written must run like what is in memory.
    const torch::Dtype stored = o.dtype == DType::BF16 ? torch::kBFloat16 : torch::kFloat32;
    ExportCheckOptions check;
    check.tokens = o.selfCheckTokens;
    check.tolerance = o.selfCheckTolerance;
    check.evalTokens = o.evalTokens;
    check.evalOptions = o.evalOptions;
    const ExportCheckResult checked = checkExport(
        model, [&](const torch::Tensor& t) { return t.to(stored).to(torch::kFloat32); }, out.staging(), check, progress,
        total - 2, total);
    ordered_json selfCheck = {{"tokens", o.selfCheckTokens.size()}};
    if (o.selfCheckTokens.size() >= 2) {
        result.selfCheckInMemory = checked.inMemory;
        result.selfCheckReloaded = checked.reloaded;
        selfCheck["ids"] = o.selfCheckTokens;
        selfCheck["perplexity_in_memory"] = result.selfCheckInMemory;
        selfCheck["perplexity_reloaded"] = result.selfCheckReloaded;
    }
    result.evaluation = checked.evaluation;

    ordered_json meta = {{"format", "flatslice-export"}, {"version", 1}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        meta[it.key()] = it.value();
    meta["export"] = {{"dtype", std::string(dtypeName(o.dtype))},
                      {"layers", config.numLayers},
                      {"parameters", parameters},
                      {"weight_bytes", result.weightBytes}};
    meta["self_check"] = selfCheck;
    if (result.evaluation) {
        const PerplexityResult& e = *result.evaluation;
        meta["evaluation"] = {{"data", o.evalName},         {"data_sha256", o.evalSha256},
                              {"seqlen", e.seqlen},         {"max_tokens", o.evalOptions.maxTokens},
                              {"tokens", e.tokens},         {"windows", e.windows},
                              {"perplexity", e.perplexity}, {"tokens_per_second", e.tokensPerSecond}};
    }
    out.writeText("flatslice.json", meta.dump(2) + "\n");
    out.writeText("README.md", modelCard(o, config, parameters, result));
    out.commit();
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

} // namespace flatslice::core
