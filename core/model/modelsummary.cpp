// SPDX-License-Identifier: GPL-3.0-or-later
#include "model/modelsummary.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "model/checkpoint.h"

namespace flatslice::core {

namespace {

std::string grouped(std::int64_t n)
{
    std::string digits = std::to_string(n < 0 ? -n : n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0)
            out += ',';
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

std::string bytesText(std::uint64_t bytes)
{
    char buffer[32];
    const double b = static_cast<double>(bytes);
    if (b >= 1e9)
        std::snprintf(buffer, sizeof buffer, "%.2f GB", b / 1e9);
    else if (b >= 1e6)
        std::snprintf(buffer, sizeof buffer, "%.1f MB", b / 1e6);
    else
        std::snprintf(buffer, sizeof buffer, "%.1f KB", b / 1e3);
    return buffer;
}

} // namespace

ModelSummary ModelSummary::of(const Checkpoint& checkpoint)
{
    ModelSummary s;
    s.path = checkpoint.path().string();
    s.format = checkpoint.format() == Checkpoint::Format::Gguf ? "gguf" : "safetensors";
    s.config = checkpoint.config();
    for (const auto& t : checkpoint.tensors()) {
        std::int64_t n = 1;
        for (const auto d : t.shape)
            n *= d;
        const std::string& name = t.name;
        if (name.find("embed_tokens") != std::string::npos || name.find("embed_positions") != std::string::npos ||
            name.find("wte") != std::string::npos || name.find("wpe") != std::string::npos)
            s.embeddingParams += n;
        else if (name.starts_with("lm_head"))
            s.headParams += n;
        else if (name.find("norm") != std::string::npos || name.find(".ln_") != std::string::npos)
            s.normParams += n;
        else if (name.find("attn") != std::string::npos || name.find("attention") != std::string::npos)
            s.attentionParams += n;
        else if (name.find("mlp") != std::string::npos || name.find("fc") != std::string::npos)
            s.mlpParams += n;
        else
            s.otherParams += n;
        ++s.tensorsByStoredType[t.storedAs];
        s.bytesByStoredType[t.storedAs] += t.storedBytes;
        ++s.tensorCount;
    }
    s.bytesOnDisk = checkpoint.bytesOnDisk();
    for (const auto& f : checkpoint.files())
        s.files.push_back(f.string());
    return s;
}

std::string ModelSummary::toText() const
{
    const ModelConfig& c = config;
    std::ostringstream out;
    out << "model         " << path << " (" << format << ")\n"
        << "architecture  " << c.architecture << " (" << c.modelType << ")\n"
        << "layers        " << c.numLayers << "\n"
        << "hidden        " << c.hiddenSize << "\n"
        << "intermediate  " << c.intermediateSize << "\n"
        << "heads         " << c.numHeads << " (head_dim " << c.headDim << ")\n"
        << "kv heads      " << c.numKvHeads << "\n"
        << "vocab         " << c.vocabSize << "\n"
        << "context       " << c.maxPositionEmbeddings << "\n"
        << "rope theta    " << c.ropeTheta << (c.ropeScaling.type.empty() ? "" : " (" + c.ropeScaling.type + ")")
        << "\n"
        << "norm eps      " << c.normEps << "\n"
        << "tied head     " << (c.tieWordEmbeddings ? "yes" : "no") << "\n"
        << "parameters    " << grouped(totalParams()) << "\n"
        << "  embeddings  " << grouped(embeddingParams) << "\n"
        << "  attention   " << grouped(attentionParams) << "\n"
        << "  mlp         " << grouped(mlpParams) << "\n"
        << "  norms       " << grouped(normParams) << "\n"
        << "  head        " << (c.tieWordEmbeddings && headParams == 0 ? "tied to embeddings" : grouped(headParams))
        << "\n";
    if (otherParams)
        out << "  other       " << grouped(otherParams) << "\n";
    out << "tensors       " << tensorCount << " (";
    bool first = true;
    for (const auto& [type, count] : tensorsByStoredType) {
        out << (first ? "" : ", ") << count << " " << type;
        first = false;
    }
    out << ")\n"
        << "on disk       " << bytesText(bytesOnDisk) << " in " << files.size() << " file"
        << (files.size() == 1 ? "" : "s") << "\n";
    return out.str();
}

std::string ModelSummary::toJson() const
{
    const ModelConfig& c = config;
    nlohmann::ordered_json j = {
        {"path", path},
        {"format", format},
        {"architecture", c.architecture},
        {"model_type", c.modelType},
        {"layers", c.numLayers},
        {"hidden_size", c.hiddenSize},
        {"intermediate_size", c.intermediateSize},
        {"heads", c.numHeads},
        {"kv_heads", c.numKvHeads},
        {"head_dim", c.headDim},
        {"vocab_size", c.vocabSize},
        {"context_length", c.maxPositionEmbeddings},
        {"rope_theta", c.ropeTheta},
        {"norm_eps", c.normEps},
        {"tie_word_embeddings", c.tieWordEmbeddings},
        {"parameters",
         {{"total", totalParams()},
          {"embeddings", embeddingParams},
          {"attention", attentionParams},
          {"mlp", mlpParams},
          {"norms", normParams},
          {"head", headParams},
          {"other", otherParams}}},
        {"tensors", tensorCount},
        {"stored_types", tensorsByStoredType},
        {"bytes_by_stored_type", bytesByStoredType},
        {"bytes_on_disk", bytesOnDisk},
        {"files", files},
    };
    return j.dump(2) + "\n";
}

} // namespace flatslice::core
