// SPDX-License-Identifier: GPL-3.0-or-later
#include "model/checkpoint.h"

#include <algorithm>

#include "format/safetensorsfile.h"
#include "model/ggufcheckpoint.h"
#include "model/hfcheckpoint.h"
#include "util/error.h"

namespace flatslice::core {

std::unique_ptr<Checkpoint> Checkpoint::open(const std::filesystem::path& path)
{
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        return std::make_unique<HfCheckpoint>(path);
    if (!std::filesystem::exists(path, ec))
        throw Error(path.string() + ": no such file or directory");
    if (path.extension() == ".gguf")
        return std::make_unique<GgufCheckpoint>(path);
    if (path.extension() == ".safetensors")
        SafetensorsFile::open(path); // the file's own problems first, before asking for its config.json
    if (path.filename() == "config.json" || path.extension() == ".safetensors")
        return std::make_unique<HfCheckpoint>(path.parent_path().empty() ? "." : path.parent_path());
    throw Error(path.string() + ": not a model (expected a Hugging Face directory or a .gguf file)");
}

const CheckpointTensorInfo* Checkpoint::findTensor(const std::string& name) const
{
    const auto& all = tensors();
    const auto it = std::find_if(all.begin(), all.end(), [&](const auto& t) { return t.name == name; });
    return it == all.end() ? nullptr : &*it;
}

std::uint64_t Checkpoint::bytesOnDisk() const
{
    std::uint64_t total = 0;
    for (const auto& file : files()) {
        std::error_code ec;
        const auto size = std::filesystem::file_size(file, ec);
        if (!ec)
            total += size;
    }
    return total;
}

} // namespace flatslice::core
