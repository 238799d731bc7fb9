// SPDX-License-Identifier: GPL-3.0-or-later
// Text <-> token ids, as Hugging Face `tokenizers` does it.
//
// One class for the BPE tokenizers LLMs use: byte-level BPE (GPT-2, Llama-3, Qwen2/Qwen3, SmolLM2) and
// SentencePiece-style BPE with byte fallback and the "▁" metaspace (Llama-2, Mistral, TinyLlama). Built from a
// tokenizer.json, from GPT-2's encoder.json + vocab.bpe, or from the vocabulary a GGUF file carries.
//
// `encode(text)` gives the ids `tokenizers.Tokenizer.encode(text, add_special_tokens=True).ids` gives for the same
// tokenizer.json, and `decode(ids)` the string `Tokenizer.decode(ids)` gives: added tokens cut out first, the
// normalizer applied to the rest, pre-tokenizer, BPE, post-processor (BOS/EOS). Input that is not valid UTF-8 is
// read with each invalid byte sequence as U+FFFD (what Python's `errors="replace"` would hand `tokenizers`).
//
// Errors: every factory throws flatslice::core::Error with one line naming the file and the problem (not JSON,
// missing field, unsupported component, merge of an unknown token, invalid regex, id out of range). Untrusted files
// never crash the process.
// Thread-safety: a built Tokenizer is immutable; all const members are safe to call from any number of threads.
// Copying shares the immutable state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flatslice::core {

struct GgufTokenizerInfo;

class Tokenizer {
public:
    // A tokenizer.json. When a sibling tokenizer_config.json sets `add_bos_token` or `add_eos_token`, BOS/EOS
    // follow it (replacing the post-processor, as transformers' AutoTokenizer does), and its bos/eos/pad token
    // names set bosId()/eosId()/padId().
    static Tokenizer fromHfJson(const std::filesystem::path& tokenizerJson);
    // tokenizer.json text; `sourceName` names it in error messages. Exactly `tokenizers`, no tokenizer_config.
    static Tokenizer fromHfJsonText(const std::string& json, const std::string& sourceName);
    // The vocabulary of a GGUF file. "gpt2" (byte-level BPE) is read through `toHfTokenizerJson`; "llama"
    // (SentencePiece) becomes a BPE whose merges are recovered from the token scores, highest score first, the way
    // transformers' GGUF loader rebuilds it, with byte fallback and the "▁" metaspace. BOS/EOS follow addBos/addEos.
    static Tokenizer fromGguf(const GgufTokenizerInfo& info);
    // GPT-2's original files (as `tokenizers`' ByteLevelBPETokenizer / transformers' GPT2Tokenizer read them):
    // ByteLevel pre-tokenizer without prefix space, ByteLevel decoder, "<|endoftext|>" as special token when present.
    static Tokenizer fromGpt2Files(const std::filesystem::path& encoderJson, const std::filesystem::path& vocabBpe);

    // Token ids of `text`; `addSpecial` adds what the post-processor adds (BOS for Llama, nothing for GPT-2).
    std::vector<std::int32_t> encode(std::string_view text, bool addSpecial = true) const;
    // The text of `ids`; ids outside the vocabulary are skipped (as `tokenizers` does); `skipSpecial` drops special
    // tokens.
    std::string decode(std::span<const std::int32_t> ids, bool skipSpecial = false) const;

    // The token's string as the vocabulary spells it ("Ġthe", "▁the", "<0x0A>"); throws Error for an unknown id.
    std::string tokenText(std::int32_t id) const;
    // The id of a vocabulary string, if any (added tokens included).
    std::optional<std::int32_t> tokenId(std::string_view token) const;
    // One past the largest id (model vocabulary and added tokens).
    std::int32_t vocabSize() const;

    std::optional<std::int32_t> bosId() const;
    std::optional<std::int32_t> eosId() const;
    std::optional<std::int32_t> padId() const;
    // Whether encode(text, true) starts with BOS.
    bool addsBos() const;

    struct Impl; // defined in tokenizer.cpp; public only so that the builders there can name it

private:
    explicit Tokenizer(std::shared_ptr<const Impl> impl);
    std::shared_ptr<const Impl> m_impl;
};

} // namespace flatslice::core
