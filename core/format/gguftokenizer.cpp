// SPDX-License-Identifier: GPL-3.0-or-later
#include "format/gguftokenizer.h"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "format/gguffile.h"
#include "util/error.h"

namespace flatslice::core {

using nlohmann::json;
using ordered_json = nlohmann::ordered_json;

namespace {

// The regexes Hugging Face tokenizers use for the pre-tokenizers llama.cpp names (llama.cpp's
// `tokenizer.ggml.pre`); the same strings appear in the original tokenizer.json files.
constexpr const char* kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

ordered_json byteLevel(bool useRegex)
{
    return {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", useRegex}};
}

ordered_json splitThenByteLevel(const char* regex)
{
    ordered_json split = {{"type", "Split"},
                          {"pattern", {{"Regex", regex}}},
                          {"behavior", "Isolated"},
                          {"invert", false}};
    return {{"type", "Sequence"}, {"pretokenizers", ordered_json::array({split, byteLevel(false)})}};
}

ordered_json digitsThenByteLevel()
{
    ordered_json digits = {{"type", "Digits"}, {"individual_digits", true}};
    return {{"type", "Sequence"}, {"pretokenizers", ordered_json::array({digits, byteLevel(true)})}};
}

// nullopt-like: returns a null json for an unknown name.
ordered_json preTokenizerFor(const std::string& name)
{
    if (name.empty() || name == "default" || name == "gpt-2" || name == "gpt2")
        return byteLevel(true);
    if (name == "smollm" || name == "starcoder" || name == "refact")
        return digitsThenByteLevel();
    if (name == "llama-bpe" || name == "llama3" || name == "smaug-bpe")
        return splitThenByteLevel(kLlama3Regex);
    if (name == "qwen2")
        return splitThenByteLevel(kQwen2Regex);
    return nullptr;
}

std::string tokenAt(const GgufTokenizerInfo& info, std::optional<std::int64_t> id)
{
    if (!id || *id < 0 || *id >= static_cast<std::int64_t>(info.tokens.size()))
        return {};
    return info.tokens[static_cast<std::size_t>(*id)];
}

std::optional<std::int64_t> optionalId(const GgufFile& file, const char* key)
{
    const GgufValue* value = file.find(key);
    if (!value)
        return std::nullopt;
    return static_cast<std::int64_t>(value->asUInt());
}

bool boolOr(const GgufFile& file, const char* key, bool fallback)
{
    const GgufValue* value = file.find(key);
    return value ? value->asBool() : fallback;
}

bool isAdded(std::int32_t type)
{
    return type == GgufTokenizerInfo::Control || type == GgufTokenizerInfo::UserDefined ||
           type == GgufTokenizerInfo::Unknown;
}

} // namespace

GgufTokenizerInfo GgufTokenizerInfo::fromGguf(const GgufFile& file)
{
    const std::string name = file.path().filename().string();
    GgufTokenizerInfo info;
    info.model = file.get("tokenizer.ggml.model").asString();
    if (const GgufValue* pre = file.find("tokenizer.ggml.pre"))
        info.pre = pre->asString();
    info.tokens = file.get("tokenizer.ggml.tokens").asStringArray();
    const std::size_t n = info.tokens.size();
    if (const GgufValue* types = file.find("tokenizer.ggml.token_type")) {
        for (const std::int64_t t : types->asIntArray())
            info.tokenTypes.push_back(static_cast<std::int32_t>(t));
        if (info.tokenTypes.size() != n)
            throw Error(name + ": tokenizer.ggml.token_type has " + std::to_string(info.tokenTypes.size()) +
                        " entries for " + std::to_string(n) + " tokens");
    }
    if (const GgufValue* scores = file.find("tokenizer.ggml.scores")) {
        for (const double s : scores->asFloatArray())
            info.scores.push_back(static_cast<float>(s));
        if (info.scores.size() != n)
            throw Error(name + ": tokenizer.ggml.scores has " + std::to_string(info.scores.size()) + " entries for " +
                        std::to_string(n) + " tokens");
    }
    if (const GgufValue* merges = file.find("tokenizer.ggml.merges"))
        info.merges = merges->asStringArray();
    info.bosId = optionalId(file, "tokenizer.ggml.bos_token_id");
    info.eosId = optionalId(file, "tokenizer.ggml.eos_token_id");
    info.padId = optionalId(file, "tokenizer.ggml.padding_token_id");
    info.unkId = optionalId(file, "tokenizer.ggml.unknown_token_id");
    for (const auto& [key, id] : {std::pair{"bos", info.bosId}, std::pair{"eos", info.eosId},
                                  std::pair{"padding", info.padId}, std::pair{"unknown", info.unkId}})
        if (id && (*id < 0 || *id >= static_cast<std::int64_t>(n)))
            throw Error(name + ": tokenizer.ggml." + key + "_token_id " + std::to_string(*id) + " is outside the " +
                        std::to_string(n) + "-token vocabulary");
    info.addBos = boolOr(file, "tokenizer.ggml.add_bos_token", info.model == "llama");
    info.addEos = boolOr(file, "tokenizer.ggml.add_eos_token", false);
    info.addSpacePrefix = boolOr(file, "tokenizer.ggml.add_space_prefix", info.model == "llama");
    if (const GgufValue* chat = file.find("tokenizer.chat_template"))
        info.chatTemplate = chat->asString();
    return info;
}

std::vector<std::string> supportedPreTokenizers()
{
    return {"default", "gpt-2", "smollm", "starcoder", "refact", "llama-bpe", "llama3", "smaug-bpe", "qwen2"};
}

std::string toHfTokenizerJson(const GgufTokenizerInfo& info)
{
    if (info.model != "gpt2")
        throw Error("tokenizer model '" + info.model +
                    "' cannot be converted to tokenizer.json yet; supported: gpt2 (byte-level BPE)");
    ordered_json pre = preTokenizerFor(info.pre);
    if (pre.is_null()) {
        std::string list;
        for (const auto& s : supportedPreTokenizers())
            list += (list.empty() ? "" : ", ") + s;
        throw Error("pre-tokenizer '" + info.pre + "' is not known; supported: " + list);
    }
    if (info.merges.empty())
        throw Error("tokenizer.ggml.merges is missing: a byte-level BPE tokenizer needs its merges");

    ordered_json added = ordered_json::array();
    // A plain (sorted) object: ordered_json's linear key lookup makes 50k+ inserts quadratic. Key order in
    // tokenizer.json carries no meaning.
    json vocab = json::object();
    for (std::size_t id = 0; id < info.tokens.size(); ++id) {
        vocab[info.tokens[id]] = id;
        const std::int32_t type = info.tokenTypes.empty() ? GgufTokenizerInfo::Normal : info.tokenTypes[id];
        if (isAdded(type))
            added.push_back({{"id", id},
                             {"content", info.tokens[id]},
                             {"single_word", false},
                             {"lstrip", false},
                             {"rstrip", false},
                             {"normalized", false},
                             {"special", type != GgufTokenizerInfo::UserDefined}});
    }

    ordered_json post;
    if (info.addBos && info.bosId) {
        const std::string bos = tokenAt(info, info.bosId);
        ordered_json bosPiece = {{"SpecialToken", {{"id", bos}, {"type_id", 0}}}};
        post = {{"type", "TemplateProcessing"},
                {"single", ordered_json::array({bosPiece, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
                {"pair", ordered_json::array({bosPiece,
                                              {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
                                              bosPiece,
                                              {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}})},
                {"special_tokens", {{bos, {{"id", bos}, {"ids", {*info.bosId}}, {"tokens", {bos}}}}}}};
    } else {
        post = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}, {"use_regex", true}};
    }

    ordered_json model = {{"type", "BPE"},
                          {"dropout", nullptr},
                          {"unk_token", nullptr},
                          {"continuing_subword_prefix", nullptr},
                          {"end_of_word_suffix", nullptr},
                          {"fuse_unk", false},
                          {"byte_fallback", false},
                          {"ignore_merges", false},
                          {"vocab", std::move(vocab)},
                          {"merges", info.merges}};
    ordered_json out = {
        {"version", "1.0"},
        {"truncation", nullptr},
        {"padding", nullptr},
        {"added_tokens", std::move(added)},
        {"normalizer", nullptr},
        {"pre_tokenizer", std::move(pre)},
        {"post_processor", std::move(post)},
        {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}}},
        {"model", std::move(model)}};
    return out.dump(1) + "\n";
}

std::string toHfTokenizerConfigJson(const GgufTokenizerInfo& info, std::int64_t modelMaxLength)
{
    ordered_json decoder = ordered_json::object();
    for (std::size_t id = 0; id < info.tokens.size(); ++id) {
        const std::int32_t type = info.tokenTypes.empty() ? GgufTokenizerInfo::Normal : info.tokenTypes[id];
        if (isAdded(type))
            decoder[std::to_string(id)] = {{"content", info.tokens[id]},
                                           {"lstrip", false},
                                           {"normalized", false},
                                           {"rstrip", false},
                                           {"single_word", false},
                                           {"special", type != GgufTokenizerInfo::UserDefined}};
    }
    ordered_json out = {{"add_bos_token", info.addBos},
                        {"add_eos_token", info.addEos},
                        {"added_tokens_decoder", std::move(decoder)}};
    auto special = [&](const char* key, std::optional<std::int64_t> id) {
        const std::string token = tokenAt(info, id);
        if (!token.empty())
            out[key] = token;
    };
    special("bos_token", info.bosId);
    special("eos_token", info.eosId);
    special("pad_token", info.padId);
    special("unk_token", info.unkId);
    if (!info.chatTemplate.empty())
        out["chat_template"] = info.chatTemplate;
    out["clean_up_tokenization_spaces"] = false;
    out["model_max_length"] = modelMaxLength;
    out["tokenizer_class"] = "PreTrainedTokenizerFast";
    return out.dump(2) + "\n";
}

std::string toHfSpecialTokensMapJson(const GgufTokenizerInfo& info)
{
    ordered_json j = ordered_json::object();
    auto put = [&](const char* key, std::optional<std::int64_t> id) {
        const std::string token = tokenAt(info, id);
        if (!token.empty())
            j[key] = token;
    };
    put("bos_token", info.bosId);
    put("eos_token", info.eosId);
    put("pad_token", info.padId);
    put("unk_token", info.unkId);
    return j.dump(2) + "\n";
}

} // namespace flatslice::core
