// SPDX-License-Identifier: GPL-3.0-or-later
// The `decoder` of a tokenizer.json, flattened into a list of steps; internal to core/text.
//
// Supported types: Sequence, ByteLevel, ByteFallback, Fuse, Strip, Replace, Metaspace. Each step is the
// `decode_chain` of `tokenizers`; the results are joined with "". Without a decoder, tokens are joined with " ".
// Thread-safety: built once, then `decode` is const and thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace flatslice::core {

class TokenDecoder {
public:
    TokenDecoder();
    ~TokenDecoder();
    TokenDecoder(TokenDecoder&&) noexcept;
    TokenDecoder& operator=(TokenDecoder&&) noexcept;

    // `json` may be null (no decoder).
    static TokenDecoder fromJson(const nlohmann::json& json, const std::string& context);
    // transformers' LlamaTokenizer decoder: Replace("▁", " "), ByteFallback, Fuse, and Strip(" ", 1, 0) when the
    // tokenizer adds a prefix space.
    static TokenDecoder sentencePiece(bool stripLeadingSpace);

    std::string decode(std::vector<std::string> tokens) const;

private:
    struct Step;
    void parseInto(const nlohmann::json& json, const std::string& context, int depth = 0);
    bool m_present = false;
    std::vector<std::unique_ptr<Step>> m_steps;
};

} // namespace flatslice::core
