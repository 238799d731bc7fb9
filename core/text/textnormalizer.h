// SPDX-License-Identifier: GPL-3.0-or-later
// The `normalizer` of a tokenizer.json, flattened into a list of steps; internal to core/text.
//
// Supported types: Sequence, Prepend, Replace (String or Regex pattern), NFC, Strip, ByteLevel. Anything else is
// an Error naming the type and listing these. Thread-safety: built once, then `normalize` is const and thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace flatslice::core {

class TextNormalizer {
public:
    TextNormalizer();
    ~TextNormalizer();
    TextNormalizer(TextNormalizer&&) noexcept;
    TextNormalizer& operator=(TextNormalizer&&) noexcept;

    // `json` may be null (no normalizer). `context` prefixes error messages ("tokenizer.json: normalizer").
    static TextNormalizer fromJson(const nlohmann::json& json, const std::string& context);
    // The SentencePiece-style normalizer: Prepend("▁") then Replace(" ", "▁").
    static TextNormalizer metaspaceStyle();

    bool empty() const;
    std::string normalize(std::string_view text) const;

private:
    struct Step;
    void parseInto(const nlohmann::json& json, const std::string& context, int depth = 0);
    std::vector<std::unique_ptr<Step>> m_steps;
};

} // namespace flatslice::core
