// SPDX-License-Identifier: GPL-3.0-or-later
#include "model/weightloader.h"

#include "model/torchbridge.h"
#include "util/error.h"

namespace flatslice::core {

namespace {

class Loader {
public:
    Loader(const Checkpoint& checkpoint, torch::Dtype dtype) : m_checkpoint(checkpoint), m_dtype(dtype) {}

    bool has(const std::string& name) const { return m_checkpoint.findTensor(name) != nullptr; }

    torch::Tensor get(const std::string& name, std::vector<std::int64_t> expectedShape = {}) const
    {
        if (!has(name))
            throw Error(m_checkpoint.path().string() + ": missing tensor '" + name + "'");
        torch::Tensor t = toTorch(m_checkpoint.tensor(name));
        if (!expectedShape.empty() && t.sizes() != torch::IntArrayRef(expectedShape))
            throw Error(m_checkpoint.path().string() + ": tensor '" + name + "' has shape " + shapeText(t.sizes()) +
                        ", expected " + shapeText(expectedShape));
        // fp16 matmul is not implemented on CPU in libtorch 1.13: everything computes in f32 or bf16.
        return t.scalar_type() == m_dtype ? t : t.to(m_dtype);
    }

    torch::Tensor optional(const std::string& name) const { return has(name) ? get(name) : torch::Tensor(); }

private:
    static std::string shapeText(torch::IntArrayRef sizes)
    {
        std::string s = "[";
        for (std::size_t i = 0; i < sizes.size(); ++i)
            s += (i ? ", " : "") + std::to_string(sizes[i]);
        return s + "]";
    }

    const Checkpoint& m_checkpoint;
    torch::Dtype m_dtype;
};

NormWeights norm(const Loader& l, const std::string& prefix, bool layerNorm)
{
    NormWeights n;
    n.weight = l.get(prefix + ".weight");
    if (layerNorm)
        n.bias = l.get(prefix + ".bias");
    return n;
}

LinearWeights linear(const Loader& l, const std::string& prefix, bool bias)
{
    LinearWeights w;
    w.weight = l.get(prefix + ".weight");
    w.bias = bias ? l.get(prefix + ".bias") : l.optional(prefix + ".bias");
    return w;
}

// The projections (and Qwen3 q/k norms) of a Llama-family block under prefix `p`, dense or sliced alike.
void llamaProjections(const Loader& l, const ModelConfig& c, const std::string& p, BlockWeights& b)
{
    b.q = linear(l, p + "self_attn.q_proj", c.qkvBias);
    b.k = linear(l, p + "self_attn.k_proj", c.qkvBias);
    b.v = linear(l, p + "self_attn.v_proj", c.qkvBias);
    b.o = linear(l, p + "self_attn.o_proj", c.outputBias);
    if (c.qkNorm) {
        b.qNorm = norm(l, p + "self_attn.q_norm", false);
        b.kNorm = norm(l, p + "self_attn.k_norm", false);
    }
    b.gate = linear(l, p + "mlp.gate_proj", c.mlpBias);
    b.up = linear(l, p + "mlp.up_proj", c.mlpBias);
    b.down = linear(l, p + "mlp.down_proj", c.mlpBias);
}

// A SliceGPT export: weightless norms dividing by the dense width, per-layer widths, optional shortcut matrices.
void loadSlicedLlamaLike(const Loader& l, const ModelConfig& c, ModelWeights& m, const Progress& progress,
                         const std::string& path)
{
    NormWeights rmsn;
    rmsn.divisor = c.slicedNormDivisor;
    m.embed = l.get("model.embed_tokens.weight");
    std::int64_t width = m.embed.dim() == 2 && m.embed.size(0) == c.vocabSize ? m.embed.size(1) : -1;
    if (width <= 0 || width > c.hiddenSize)
        throw Error(path + ": model.embed_tokens.weight must be [" + std::to_string(c.vocabSize) +
                    ", <= " + std::to_string(c.hiddenSize) + "]");
    // Each residual width must chain into the next reader: a mismatch would otherwise surface as a torch error.
    auto expect = [&](const torch::Tensor& t, std::int64_t dim, std::int64_t size, const std::string& name) {
        if (t.dim() != 2 || t.size(dim) != size)
            throw Error(path + ": " + name + " does not fit the residual width " + std::to_string(size) +
                        " entering it (shape [" + std::to_string(t.dim() == 2 ? t.size(0) : -1) + ", " +
                        std::to_string(t.dim() == 2 ? t.size(1) : -1) + "])");
    };
    for (std::int64_t i = 0; i < c.numLayers; ++i) {
        progress.step(i, c.numLayers, "loading block " + std::to_string(i));
        const std::string p = "model.layers." + std::to_string(i) + ".";
        BlockWeights b;
        b.attnNorm = rmsn;
        b.mlpNorm = rmsn;
        llamaProjections(l, c, p, b);
        b.attnShortcut = l.optional(p + "attn_shortcut_Q");
        b.mlpShortcut = l.optional(p + "mlp_shortcut_Q");
        for (const auto* w : {&b.q, &b.k, &b.v})
            expect(w->weight, 1, width, p + "self_attn q/k/v_proj");
        const std::int64_t mid = b.o.weight.dim() == 2 ? b.o.weight.size(0) : -1;
        if (b.attnShortcut.defined()) {
            expect(b.attnShortcut, 0, width, p + "attn_shortcut_Q");
            expect(b.attnShortcut, 1, mid, p + "attn_shortcut_Q");
        } else if (mid != width) {
            throw Error(path + ": " + p + "self_attn.o_proj writes width " + std::to_string(mid) +
                        " into a residual of width " + std::to_string(width) + " without a shortcut");
        }
        expect(b.gate.weight, 1, mid, p + "mlp.gate_proj");
        expect(b.up.weight, 1, mid, p + "mlp.up_proj");
        const std::int64_t out = b.down.weight.dim() == 2 ? b.down.weight.size(0) : -1;
        if (b.mlpShortcut.defined()) {
            expect(b.mlpShortcut, 0, mid, p + "mlp_shortcut_Q");
            expect(b.mlpShortcut, 1, out, p + "mlp_shortcut_Q");
        } else if (out != mid) {
            throw Error(path + ": " + p + "mlp.down_proj writes width " + std::to_string(out) +
                        " into a residual of width " + std::to_string(mid) + " without a shortcut");
        }
        if (out <= 0 || out > c.hiddenSize)
            throw Error(path + ": " + p + "mlp.down_proj: output width " + std::to_string(out) + " out of range");
        width = out;
        m.blocks.push_back(std::move(b));
    }
    m.finalNorm = rmsn;
    m.head = linear(l, "lm_head", c.lmHeadBias);
    expect(m.head.weight, 1, width, "lm_head.weight");
}

void loadLlamaLike(const Loader& l, const ModelConfig& c, ModelWeights& m, const Progress& progress)
{
    m.embed = l.get("model.embed_tokens.weight", {c.vocabSize, c.hiddenSize});
    for (std::int64_t i = 0; i < c.numLayers; ++i) {
        progress.step(i, c.numLayers, "loading block " + std::to_string(i));
        const std::string p = "model.layers." + std::to_string(i) + ".";
        BlockWeights b;
        b.attnNorm = norm(l, p + "input_layernorm", false);
        b.mlpNorm = norm(l, p + "post_attention_layernorm", false);
        llamaProjections(l, c, p, b);
        m.blocks.push_back(std::move(b));
    }
    m.finalNorm = norm(l, "model.norm", false);
    m.head.weight = c.tieWordEmbeddings || !l.has("lm_head.weight") ? m.embed : l.get("lm_head.weight");
}

void loadOpt(const Loader& l, const ModelConfig& c, ModelWeights& m, const Progress& progress)
{
    const std::string d = "model.decoder.";
    m.embed = l.get(d + "embed_tokens.weight", {c.vocabSize, c.hiddenSize});
    m.positions = l.get(d + "embed_positions.weight");
    for (std::int64_t i = 0; i < c.numLayers; ++i) {
        progress.step(i, c.numLayers, "loading block " + std::to_string(i));
        const std::string p = d + "layers." + std::to_string(i) + ".";
        BlockWeights b;
        b.attnNorm = norm(l, p + "self_attn_layer_norm", true);
        b.mlpNorm = norm(l, p + "final_layer_norm", true);
        b.q = linear(l, p + "self_attn.q_proj", true);
        b.k = linear(l, p + "self_attn.k_proj", true);
        b.v = linear(l, p + "self_attn.v_proj", true);
        b.o = linear(l, p + "self_attn.out_proj", true);
        b.up = linear(l, p + "fc1", true);
        b.down = linear(l, p + "fc2", true);
        m.blocks.push_back(std::move(b));
    }
    m.finalNorm = norm(l, d + "final_layer_norm", true);
    m.head.weight = c.tieWordEmbeddings || !l.has("lm_head.weight") ? m.embed : l.get("lm_head.weight");
}

void loadGpt2(const Loader& l, const ModelConfig& c, ModelWeights& m, const Progress& progress)
{
    // Checkpoints saved from GPT2LMHeadModel prefix "transformer."; some saved from GPT2Model do not.
    const std::string t = l.has("transformer.wte.weight") ? "transformer." : "";
    m.embed = l.get(t + "wte.weight", {c.vocabSize, c.hiddenSize});
    m.positions = l.get(t + "wpe.weight");
    const std::int64_t h = c.hiddenSize;
    for (std::int64_t i = 0; i < c.numLayers; ++i) {
        progress.step(i, c.numLayers, "loading block " + std::to_string(i));
        const std::string p = t + "h." + std::to_string(i) + ".";
        BlockWeights b;
        b.attnNorm = norm(l, p + "ln_1", true);
        b.mlpNorm = norm(l, p + "ln_2", true);
        // Conv1D stores [in, out]; c_attn fuses q, k, v along out.
        const torch::Tensor qkv = l.get(p + "attn.c_attn.weight", {h, 3 * h}).t();
        const torch::Tensor qkvBias = l.get(p + "attn.c_attn.bias", {3 * h});
        b.q = {qkv.narrow(0, 0, h).contiguous(), qkvBias.narrow(0, 0, h).contiguous()};
        b.k = {qkv.narrow(0, h, h).contiguous(), qkvBias.narrow(0, h, h).contiguous()};
        b.v = {qkv.narrow(0, 2 * h, h).contiguous(), qkvBias.narrow(0, 2 * h, h).contiguous()};
        b.o = {l.get(p + "attn.c_proj.weight", {h, h}).t().contiguous(), l.get(p + "attn.c_proj.bias")};
        b.up = {l.get(p + "mlp.c_fc.weight", {h, c.intermediateSize}).t().contiguous(), l.get(p + "mlp.c_fc.bias")};
        b.down = {l.get(p + "mlp.c_proj.weight", {c.intermediateSize, h}).t().contiguous(),
                  l.get(p + "mlp.c_proj.bias")};
        m.blocks.push_back(std::move(b));
    }
    m.finalNorm = norm(l, t + "ln_f", true);
    m.head.weight = c.tieWordEmbeddings || !l.has("lm_head.weight") ? m.embed : l.get("lm_head.weight");
}

void loadPhi(const Loader& l, const ModelConfig& c, ModelWeights& m, const Progress& progress)
{
    m.embed = l.get("model.embed_tokens.weight", {c.vocabSize, c.hiddenSize});
    for (std::int64_t i = 0; i < c.numLayers; ++i) {
        progress.step(i, c.numLayers, "loading block " + std::to_string(i));
        const std::string p = "model.layers." + std::to_string(i) + ".";
        BlockWeights b;
        b.attnNorm = norm(l, p + "input_layernorm", true);
        b.q = linear(l, p + "self_attn.q_proj", true);
        b.k = linear(l, p + "self_attn.k_proj", true);
        b.v = linear(l, p + "self_attn.v_proj", true);
        b.o = linear(l, p + "self_attn.dense", true);
        b.up = linear(l, p + "mlp.fc1", true);
        b.down = linear(l, p + "mlp.fc2", true);
        m.blocks.push_back(std::move(b));
    }
    m.finalNorm = norm(l, "model.final_layernorm", true);
    m.head = linear(l, "lm_head", true);
}

} // namespace

ModelWeights loadWeights(const Checkpoint& checkpoint, const ModelConfig& c, torch::Dtype dtype,
                         const Progress& progress)
{
    const Loader l(checkpoint, dtype);
    ModelWeights m;
    const std::string& a = c.architecture;
    if (a == "OPTForCausalLM")
        loadOpt(l, c, m, progress);
    else if (a == "GPT2LMHeadModel")
        loadGpt2(l, c, m, progress);
    else if (a == "PhiForCausalLM")
        loadPhi(l, c, m, progress);
    else if (c.sliced())
        loadSlicedLlamaLike(l, c, m, progress, checkpoint.path().string());
    else
        loadLlamaLike(l, c, m, progress);
    for (auto& b : m.blocks) {
        b.numHeads = b.q.weight.size(0) / c.headDim;
        b.numKvHeads = b.k.weight.size(0) / c.headDim;
        if (b.numHeads * c.headDim != b.q.weight.size(0) || b.numKvHeads * c.headDim != b.k.weight.size(0) ||
            b.numKvHeads == 0 || b.numHeads % b.numKvHeads != 0)
            throw Error(checkpoint.path().string() + ": attention projections do not split into heads of " +
                        std::to_string(c.headDim));
    }
    progress.step(c.numLayers, c.numLayers, "weights loaded");
    return m;
}

} // namespace flatslice::core
