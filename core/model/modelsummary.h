// SPDX-License-Identifier: GPL-3.0-or-later
// What `flatslice inspect` and the workbench's model pane show: architecture and parameter counts by part.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/modelconfig.h"

namespace flatslice::core {

class Checkpoint;

struct ModelSummary {
    std::string path;
    std::string format; // "gguf" or "safetensors"
    ModelConfig config;
    // Parameters by part; a tied head counts zero (it shares the embedding matrix).
    std::int64_t embeddingParams = 0;
    std::int64_t attentionParams = 0;
    std::int64_t mlpParams = 0;
    std::int64_t normParams = 0;
    std::int64_t headParams = 0;
    std::int64_t otherParams = 0;
    std::map<std::string, std::int64_t> tensorsByStoredType; // e.g. {"Q4_1": 210, "F32": 61}
    std::map<std::string, std::uint64_t> bytesByStoredType;  // bytes of tensor data per stored type
    std::int64_t tensorCount = 0;
    std::uint64_t bytesOnDisk = 0;
    std::vector<std::string> files;

    std::int64_t totalParams() const
    {
        return embeddingParams + attentionParams + mlpParams + normParams + headParams + otherParams;
    }

    static ModelSummary of(const Checkpoint& checkpoint);

    std::string toText() const;
    std::string toJson() const;
};

} // namespace flatslice::core
