// SPDX-License-Identifier: GPL-3.0-or-later
#include "export/ggufconverter.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "format/atomicdirectory.h"
#include "format/safetensorswriter.h"
#include "model/ggufcheckpoint.h"
#include "util/error.h"

namespace flatslice::core {

namespace {

TensorView toDtype(TensorView view, DType dtype)
{
    if (view.dtype == dtype)
        return view;
    const std::vector<float> values = toFloatVector(view);
    if (dtype == DType::F32)
        return makeOwnedF32(view.name, view.shape, values);
    if (dtype != DType::BF16)
        throw Error("cannot write tensors as " + std::string(dtypeName(dtype)) + "; use F32 or BF16");
    auto storage = std::make_shared<std::vector<unsigned short>>(values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
        (*storage)[i] = floatToBf16(values[i]);
    TensorView out;
    out.name = view.name;
    out.dtype = DType::BF16;
    out.shape = view.shape;
    out.bytes = std::as_bytes(std::span<const unsigned short>(*storage));
    out.owner = storage;
    return out;
}

} // namespace

ConvertResult convertGgufToHf(const std::filesystem::path& gguf, const std::filesystem::path& outDir,
                              const ConvertOptions& options, const Progress& progress)
{
    const auto start = std::chrono::steady_clock::now();
    if (options.dtype != DType::F32 && options.dtype != DType::BF16)
        throw Error("--dtype must be f32 or bf16");
    const GgufCheckpoint checkpoint(gguf);
    ModelConfig config = checkpoint.config();
    config.torchDtype = options.dtype == DType::BF16 ? "bfloat16" : "float32";

    // Build the tokenizer files first: an unsupported tokenizer fails before any weight is written.
    const std::string tokenizerJson = toHfTokenizerJson(checkpoint.tokenizer());
    const std::string tokenizerConfig = toHfTokenizerConfigJson(checkpoint.tokenizer(), config.maxPositionEmbeddings);

    AtomicDirectory out(outDir, options.overwrite);
    ConvertResult result;
    result.outDir = outDir;

    const auto& infos = checkpoint.tensors();
    std::vector<TensorSpec> specs;
    for (const auto& info : infos) {
        specs.push_back({info.name, options.dtype, info.shape});
        std::uint64_t n = 1;
        for (const auto d : info.shape)
            n *= static_cast<std::uint64_t>(d);
        result.weightBytes += n * dtypeSize(options.dtype);
    }
    const auto total = static_cast<std::int64_t>(infos.size());
    writeSafetensorsSharded(
        out.staging(), specs, {{"format", "pt"}},
        [&](std::size_t i) {
            progress.step(static_cast<std::int64_t>(i), total, "writing " + infos[i].name);
            return toDtype(checkpoint.tensor(infos[i].name), options.dtype);
        },
        options.maxShardBytes);
    progress.step(total, total, "writing tokenizer and config");
    out.writeText("config.json", toHfConfigJson(config));
    out.writeText("generation_config.json", toHfGenerationConfigJson(config));
    out.writeText("tokenizer.json", tokenizerJson);
    out.writeText("tokenizer_config.json", tokenizerConfig);
    out.writeText("special_tokens_map.json", toHfSpecialTokensMapJson(checkpoint.tokenizer()));
    out.commit();

    result.tensors = total;
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

} // namespace flatslice::core
