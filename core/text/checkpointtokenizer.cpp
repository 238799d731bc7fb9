// SPDX-License-Identifier: GPL-3.0-or-later
#include "text/checkpointtokenizer.h"

#include "model/ggufcheckpoint.h"
#include "util/error.h"

namespace flatslice::core {

Tokenizer tokenizerFor(const Checkpoint& checkpoint)
{
    if (const auto* gguf = dynamic_cast<const GgufCheckpoint*>(&checkpoint))
        return Tokenizer::fromGguf(gguf->tokenizer());
    const auto json = checkpoint.path() / "tokenizer.json";
    std::error_code ec;
    if (!std::filesystem::exists(json, ec))
        throw Error(checkpoint.path().string() + ": no tokenizer.json beside the model");
    return Tokenizer::fromHfJson(json);
}

} // namespace flatslice::core
