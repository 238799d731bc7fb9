// SPDX-License-Identifier: GPL-3.0-or-later
// The `pre_tokenizer` of a tokenizer.json, flattened into a list of steps; internal to core/text.
//
// Supported types: Sequence, ByteLevel (with GPT-2's regex when `use_regex`), Split (String or Regex pattern, every
// `behavior`, `invert`), Digits, Metaspace, Whitespace, WhitespaceSplit. Each step cuts every piece further exactly
// as `PreTokenizedString::split` does (empty pieces dropped). Thread-safety: built once, then `apply` is const and
// thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace flatslice::core {

class PreTokenizer {
public:
    struct Piece {
        std::string text;
        // The piece begins at offset 0 of the original input (Metaspace's prepend_scheme "first" asks this).
        bool atStart = false;
    };

    PreTokenizer();
    ~PreTokenizer();
    PreTokenizer(PreTokenizer&&) noexcept;
    PreTokenizer& operator=(PreTokenizer&&) noexcept;

    // `json` may be null (no pre-tokenizer).
    static PreTokenizer fromJson(const nlohmann::json& json, const std::string& context);
    // SentencePiece-style: Metaspace("▁", prepend_scheme, split=false), as transformers' LlamaTokenizer builds.
    static PreTokenizer metaspace(bool prependFirst);

    void apply(std::vector<Piece>& pieces) const;

private:
    struct Step;
    void parseInto(const nlohmann::json& json, const std::string& context, int depth = 0);
    std::vector<std::unique_ptr<Step>> m_steps;
};

} // namespace flatslice::core
