// SPDX-License-Identifier: GPL-3.0-or-later
#include "model/hfcheckpoint.h"

#include "util/error.h"
#include "util/filereader.h"

namespace flatslice::core {

namespace {

std::string readConfig(const std::filesystem::path& directory)
{
    const auto path = directory / "config.json";
    if (!std::filesystem::is_regular_file(path))
        throw Error(directory.string() + ": no config.json (a Hugging Face model directory needs one)");
    return readFile(path, "config.json");
}

} // namespace

HfCheckpoint::HfCheckpoint(const std::filesystem::path& directory)
    : m_path(directory), m_config(parseHfConfig(readConfig(directory), (directory / "config.json").string())),
      m_weights(directory)
{
    for (const auto& name : m_weights.names()) {
        const auto info = m_weights.info(name);
        CheckpointTensorInfo t;
        t.name = name;
        t.shape = info.shape;
        t.dtype = info.dtype;
        t.storedAs = std::string(dtypeName(info.dtype));
        t.storedBytes = info.end - info.begin;
        m_infos.push_back(std::move(t));
    }
    if (!findTensor("model.embed_tokens.weight") && !m_infos.empty() &&
        (m_config.modelType == "llama" || m_config.modelType == "mistral"))
        throw Error(directory.string() + ": no tensor 'model.embed_tokens.weight' in the safetensors files");
}

} // namespace flatslice::core
