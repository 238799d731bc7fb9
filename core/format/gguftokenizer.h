// SPDX-License-Identifier: GPL-3.0-or-later
// The tokenizer a GGUF file carries in its `tokenizer.ggml.*` metadata, and its Hugging Face equivalent.
//
// llama.cpp stores the vocabulary as parallel arrays (tokens, token types, scores), BPE merges as
// "a b" strings, special ids, and the pre-tokenizer only by name ("smollm", "llama-bpe", "qwen2", ...).
// `toHfTokenizerJson` rebuilds a `tokenizer.json` that the `tokenizers` library loads and that encodes text
// exactly as the original Hugging Face tokenizer did; the name -> regex table is in the .cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flatslice::core {

class GgufFile;

struct GgufTokenizerInfo {
    // llama.cpp token types
    enum TokenType : std::int32_t { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };

    std::string model; // "gpt2" (byte-level BPE) or "llama" (SentencePiece)
    std::string pre;   // pre-tokenizer name, e.g. "smollm"; "" when absent
    std::vector<std::string> tokens;
    std::vector<std::int32_t> tokenTypes; // empty or one per token
    std::vector<float> scores;            // empty or one per token (SentencePiece)
    std::vector<std::string> merges;      // "left right"
    std::optional<std::int64_t> bosId, eosId, padId, unkId;
    bool addBos = false;
    bool addEos = false;
    bool addSpacePrefix = false;
    std::string chatTemplate;

    // Reads `tokenizer.ggml.*`; throws Error naming the key when something is missing or inconsistent.
    static GgufTokenizerInfo fromGguf(const GgufFile& file);
};

// The pre-tokenizer names `toHfTokenizerJson` knows, for error messages and docs.
std::vector<std::string> supportedPreTokenizers();

// tokenizer.json text for a byte-level BPE ("gpt2") tokenizer. Throws Error for an unsupported tokenizer model
// or pre-tokenizer name, naming it and listing the supported ones.
std::string toHfTokenizerJson(const GgufTokenizerInfo& info);

// special_tokens_map.json text (bos/eos/pad/unk as token strings).
std::string toHfSpecialTokensMapJson(const GgufTokenizerInfo& info);

// tokenizer_config.json text (special tokens, add_bos/eos, chat template, model_max_length).
std::string toHfTokenizerConfigJson(const GgufTokenizerInfo& info, std::int64_t modelMaxLength);

} // namespace flatslice::core
