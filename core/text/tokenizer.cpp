// SPDX-License-Identifier: GPL-3.0-or-later
#include "text/tokenizer.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "format/gguftokenizer.h"
#include "text/addedvocabulary.h"
#include "text/bpemodel.h"
#include "text/jsonfields.h"
#include "text/pretokenizer.h"
#include "text/textnormalizer.h"
#include "text/tokendecoder.h"
#include "text/utf8.h"
#include "util/error.h"
#include "util/filereader.h"

namespace flatslice::core {

using nlohmann::json;

struct Tokenizer::Impl {
    std::string source;
    AddedVocabulary added;
    std::unordered_set<std::string> specialContents;
    std::unordered_map<std::int32_t, std::string> addedTokenText; // id -> what decode() hands the decoder
    std::unordered_map<std::string, std::int32_t> addedIds;       // content -> id
    TextNormalizer normalizer;
    PreTokenizer preTokenizer;
    std::unique_ptr<BpeModel> model;
    std::vector<std::string> modelTokens; // id -> model vocabulary string
    std::vector<bool> hasModelToken;
    TokenDecoder decoder;
    std::vector<std::int32_t> prefix, suffix; // what the post-processor adds around a single sequence
    std::optional<std::int32_t> bos, eos, pad;
    std::int32_t vocabSize = 0;

    void encodeText(std::string_view text, bool atStart, std::vector<std::int32_t>& ids) const;
    std::vector<std::int32_t> encode(std::string_view input, bool addSpecial) const;
    std::string decode(std::span<const std::int32_t> ids, bool skipSpecial) const;

    // Builders.
    void setModel(BpeModel::Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges,
                  BpeModel::Options options);
    void addTokens(const std::vector<AddedToken>& tokens);
    void finish();
    std::int32_t checkedId(std::int64_t id, const std::string& what) const;
};

namespace {

json parseJson(const std::string& text, const std::string& source)
{
    try {
        return json::parse(text);
    } catch (const json::exception& e) {
        // nlohmann's message starts "[json.exception.parse_error.101] parse error at line 1, column 1: ..."
        std::string message = e.what();
        if (const auto bracket = message.find("] "); bracket != std::string::npos)
            message = message.substr(bracket + 2);
        throw Error(source + ": not valid JSON: " + message);
    }
}

std::vector<std::pair<std::string, std::string>> parseMerges(const json& merges, const std::string& context)
{
    std::vector<std::pair<std::string, std::string>> out;
    out.reserve(merges.size());
    for (std::size_t i = 0; i < merges.size(); ++i) {
        const json& merge = merges[i];
        const std::string where = context + ": merge #" + std::to_string(i + 1);
        if (merge.is_string()) {
            // The legacy form "a b": exactly two parts around one space, as `convert_merges_to_hashmap` requires.
            const std::string line = merge.get<std::string>();
            const auto space = line.find(' ');
            if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos)
                throw Error(where + " '" + line + "' is not two tokens separated by one space");
            out.emplace_back(line.substr(0, space), line.substr(space + 1));
        } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
            out.emplace_back(merge[0].get<std::string>(), merge[1].get<std::string>());
        } else {
            throw Error(where + " must be \"a b\" or [\"a\", \"b\"], found " + merge.dump().substr(0, 80));
        }
    }
    return out;
}

BpeModel::Vocab parseVocab(const json& vocab, const std::string& context)
{
    if (!vocab.is_object())
        throw Error(context + ": 'vocab' must be an object of token -> id");
    BpeModel::Vocab out;
    out.reserve(vocab.size());
    for (const auto& [token, id] : vocab.items())
        out[token] = jsonfields::tokenId(id, context + ": vocab entry '" + token + "'");
    return out;
}

BpeModel::Options parseBpeOptions(const json& model, const std::string& context)
{
    BpeModel::Options options;
    options.unkToken = jsonfields::optionalString(model, "unk_token", context);
    options.continuingSubwordPrefix = jsonfields::optionalString(model, "continuing_subword_prefix", context);
    options.endOfWordSuffix = jsonfields::optionalString(model, "end_of_word_suffix", context);
    // An empty prefix or suffix changes nothing; dropping it keeps the per-character lookup allocation-free.
    if (options.continuingSubwordPrefix && options.continuingSubwordPrefix->empty())
        options.continuingSubwordPrefix.reset();
    if (options.endOfWordSuffix && options.endOfWordSuffix->empty())
        options.endOfWordSuffix.reset();
    options.fuseUnk = jsonfields::boolean(model, "fuse_unk", context);
    options.byteFallback = jsonfields::boolean(model, "byte_fallback", context);
    options.ignoreMerges = jsonfields::boolean(model, "ignore_merges", context);
    if (model.contains("dropout") && model["dropout"].is_number() && model["dropout"].get<double>() != 0.0)
        throw Error(context + ": BPE dropout " + model["dropout"].dump() +
                    " is not supported (it makes encoding random; it is for training)");
    return options;
}

std::optional<std::string> tokenName(const json& config, const char* key)
{
    // tokenizer_config.json spells a special token as "<s>" or as {"content": "<s>", ...}.
    const auto it = config.find(key);
    if (it == config.end())
        return std::nullopt;
    if (it->is_string())
        return it->get<std::string>();
    if (it->is_object() && it->contains("content") && (*it)["content"].is_string())
        return (*it)["content"].get<std::string>();
    return std::nullopt;
}

} // namespace

// ---------------------------------------------------------------------------------------------------------------
// Building

void Tokenizer::Impl::setModel(BpeModel::Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges,
                               BpeModel::Options options)
{
    std::int32_t maxId = -1;
    for (const auto& [token, id] : vocab)
        maxId = std::max(maxId, id);
    modelTokens.assign(static_cast<std::size_t>(maxId + 1), {});
    hasModelToken.assign(static_cast<std::size_t>(maxId + 1), false);
    for (const auto& [token, id] : vocab) {
        modelTokens[static_cast<std::size_t>(id)] = token;
        hasModelToken[static_cast<std::size_t>(id)] = true;
    }
    model = std::make_unique<BpeModel>(std::move(vocab), merges, std::move(options), source);
}

void Tokenizer::Impl::addTokens(const std::vector<AddedToken>& tokens)
{
    // `AddedVocabulary::add_tokens`: an added token takes its id from the vocabulary when its content is there;
    // the others are numbered on from the model's vocabulary size (the ids written in the file are not used).
    auto nextId = static_cast<std::int32_t>(model->vocab().size());
    for (AddedToken token : tokens) {
        if (token.content.empty())
            continue;
        if (const auto it = addedIds.find(token.content); it != addedIds.end())
            token.id = it->second;
        else if (const auto id = model->tokenToId(token.content))
            token.id = *id;
        else
            token.id = nextId++;
        std::string normalizedForm = token.content;
        if (token.normalized && !normalizer.empty())
            normalizedForm = normalizer.normalize(token.content);
        addedIds[token.content] = token.id;
        addedTokenText[token.id] = normalizedForm;
        if (token.special)
            specialContents.insert(token.content);
        added.add(token, normalizedForm);
    }
}

void Tokenizer::Impl::finish()
{
    vocabSize = static_cast<std::int32_t>(modelTokens.size());
    for (const auto& [id, text] : addedTokenText)
        vocabSize = std::max(vocabSize, id + 1);
}

std::int32_t Tokenizer::Impl::checkedId(std::int64_t id, const std::string& what) const
{
    if (id < 0 || id >= vocabSize)
        throw Error(source + ": " + what + " id " + std::to_string(id) + " is outside the vocabulary (size " +
                    std::to_string(vocabSize) + ")");
    return static_cast<std::int32_t>(id);
}

namespace {

// The post-processor's additions around one sequence. Supports ByteLevel (adds nothing), TemplateProcessing,
// RobertaProcessing, BertProcessing and Sequence of them.
void parsePostProcessor(const json& post, Tokenizer::Impl& impl, const std::string& context, int depth = 0)
{
    if (depth > 32)
        throw Error(context + ": Sequence nested more than 32 deep");
    if (post.is_null())
        return;
    const std::string type = jsonfields::typeOf(post, context);
    if (type == "ByteLevel")
        return;
    if (type == "Sequence") {
        for (const auto& child : jsonfields::array(post, "processors", context))
            parsePostProcessor(child, impl, context, depth + 1);
        return;
    }
    std::vector<std::int32_t> prefix, suffix;
    if (type == "TemplateProcessing") {
        const json& specials = post.contains("special_tokens") ? post["special_tokens"] : json::object();
        if (!specials.is_object())
            throw Error(context + ": 'special_tokens' must be an object");
        bool seenSequence = false;
        for (const auto& piece : jsonfields::array(post, "single", context)) {
            if (piece.is_object() && piece.contains("Sequence")) {
                seenSequence = true;
                continue;
            }
            if (!piece.is_object() || !piece.contains("SpecialToken") || !piece["SpecialToken"].is_object())
                throw Error(context + ": template piece " + piece.dump().substr(0, 80) +
                            " is neither a SpecialToken nor a Sequence");
            const std::string name = jsonfields::string(piece["SpecialToken"], "id", context);
            const auto it = specials.find(name);
            if (it == specials.end())
                throw Error(context + ": template names special token '" + name +
                            "' that 'special_tokens' does not define");
            for (const auto& id : jsonfields::array(*it, "ids", context + " '" + name + "'"))
                (seenSequence ? suffix : prefix)
                    .push_back(impl.checkedId(jsonfields::tokenId(id, context), "special token '" + name + "'"));
        }
    } else if (type == "RobertaProcessing" || type == "BertProcessing") {
        for (const char* key : {"cls", "sep"}) {
            const json& pair = post.contains(key) ? post[key] : json();
            if (!pair.is_array() || pair.size() != 2)
                throw Error(context + ": '" + key + "' must be [token, id]");
            (std::string(key) == "cls" ? prefix : suffix)
                .push_back(impl.checkedId(jsonfields::tokenId(pair[1], context), key));
        }
    } else {
        throw Error(context + ": post-processor type '" + type +
                    "' is not supported; supported: TemplateProcessing, ByteLevel, RobertaProcessing, "
                    "BertProcessing, Sequence");
    }
    // A later processor wraps what the earlier ones produced.
    impl.prefix.insert(impl.prefix.begin(), prefix.begin(), prefix.end());
    impl.suffix.insert(impl.suffix.end(), suffix.begin(), suffix.end());
}

std::shared_ptr<Tokenizer::Impl> buildFromJson(const std::string& text, const std::string& source)
{
    auto impl = std::make_shared<Tokenizer::Impl>();
    impl->source = source;
    const json root = parseJson(text, source);
    if (!root.is_object())
        throw Error(source + ": expected a tokenizer.json object, found " + root.type_name());
    if (root.contains("version") && root["version"] != "1.0")
        throw Error(source + ": unknown tokenizer.json version " + root["version"].dump());

    if (!root.contains("model") || !root["model"].is_object())
        throw Error(source + ": missing the 'model' object");
    const json& model = root["model"];
    const std::string modelContext = source + ": model";
    const std::string modelType = model.contains("type") && model["type"].is_string()
                                      ? model["type"].get<std::string>()
                                      : (model.contains("merges") ? "BPE" : "?");
    if (modelType != "BPE")
        throw Error(source + ": model type '" + modelType + "' is not supported; supported: BPE");
    if (!model.contains("vocab"))
        throw Error(modelContext + ": missing field 'vocab'");
    if (!model.contains("merges"))
        throw Error(modelContext + ": missing field 'merges'");

    // The normalizer is needed before added tokens (their normalized forms).
    impl->normalizer = TextNormalizer::fromJson(root.value("normalizer", json()), source + ": normalizer");
    impl->preTokenizer = PreTokenizer::fromJson(root.value("pre_tokenizer", json()), source + ": pre_tokenizer");
    impl->decoder = TokenDecoder::fromJson(root.value("decoder", json()), source + ": decoder");
    impl->setModel(parseVocab(model["vocab"], modelContext),
                   parseMerges(jsonfields::array(model, "merges", modelContext), modelContext),
                   parseBpeOptions(model, modelContext));

    std::vector<AddedToken> tokens;
    if (root.contains("added_tokens") && !root["added_tokens"].is_null()) {
        const std::string context = source + ": added_tokens";
        for (const auto& entry : jsonfields::array(root, "added_tokens", source)) {
            AddedToken token;
            token.content = jsonfields::string(entry, "content", context);
            const std::string where = context + " '" + token.content + "'";
            if (!entry.contains("id"))
                throw Error(where + ": missing field 'id'");
            token.id = jsonfields::tokenId(entry["id"], where);
            token.singleWord = jsonfields::boolean(entry, "single_word", where);
            token.lstrip = jsonfields::boolean(entry, "lstrip", where);
            token.rstrip = jsonfields::boolean(entry, "rstrip", where);
            token.normalized = jsonfields::boolean(entry, "normalized", where, true);
            token.special = jsonfields::boolean(entry, "special", where);
            tokens.push_back(std::move(token));
        }
    }
    impl->addTokens(tokens);
    impl->finish();
    parsePostProcessor(root.value("post_processor", json()), *impl, source + ": post_processor");
    if (impl->prefix.size() == 1)
        impl->bos = impl->prefix.front();
    if (impl->suffix.size() == 1)
        impl->eos = impl->suffix.front();
    return impl;
}

// transformers' `generate_merges(vocab, vocab_scores)`: every split of every token into two vocabulary tokens,
// ordered by the token's score (highest first), then the longer left part, then the longer right part; ties keep
// the order of the vocabulary and, within a token, of the parts' ids.
std::vector<std::pair<std::string, std::string>>
mergesFromScores(const std::vector<std::string>& tokens, const std::vector<float>& scores, const BpeModel::Vocab& vocab)
{
    struct Candidate {
        std::string left, right;
        double score;
        std::size_t leftChars, rightChars;
    };
    // Python's dict(zip(tokens, scores)): first position, last score.
    std::unordered_map<std::string, std::size_t> firstIndex;
    std::vector<std::size_t> order;
    std::unordered_map<std::string, double> score;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        if (firstIndex.emplace(tokens[i], i).second)
            order.push_back(i);
        score[tokens[i]] = scores[i];
    }
    std::vector<Candidate> candidates;
    std::vector<Candidate> local;
    for (const std::size_t index : order) {
        const std::string& token = tokens[index];
        local.clear();
        std::size_t leftChars = 0;
        const std::size_t totalChars = [&] {
            std::size_t n = 0;
            for (std::size_t p = 0; p < token.size(); p += utf8::charLength(static_cast<unsigned char>(token[p])))
                ++n;
            return n;
        }();
        for (std::size_t split = 0; split < token.size();) {
            split += utf8::charLength(static_cast<unsigned char>(token[split]));
            ++leftChars;
            if (split >= token.size())
                break;
            std::string left = token.substr(0, split), right = token.substr(split);
            if (vocab.find(left) != vocab.end() && vocab.find(right) != vocab.end())
                local.push_back({std::move(left), std::move(right), score[token], leftChars, totalChars - leftChars});
        }
        std::stable_sort(local.begin(), local.end(), [&](const Candidate& a, const Candidate& b) {
            const auto la = vocab.find(a.left)->second, lb = vocab.find(b.left)->second;
            if (la != lb)
                return la < lb;
            return vocab.find(a.right)->second < vocab.find(b.right)->second;
        });
        for (auto& c : local)
            candidates.push_back(std::move(c));
    }
    std::stable_sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
        if (a.score != b.score)
            return a.score > b.score;
        if (a.leftChars != b.leftChars)
            return a.leftChars > b.leftChars;
        return a.rightChars > b.rightChars;
    });
    std::vector<std::pair<std::string, std::string>> merges;
    merges.reserve(candidates.size());
    for (auto& c : candidates)
        merges.emplace_back(std::move(c.left), std::move(c.right));
    return merges;
}

std::shared_ptr<Tokenizer::Impl> buildSentencePieceFromGguf(const GgufTokenizerInfo& info)
{
    auto impl = std::make_shared<Tokenizer::Impl>();
    impl->source = "GGUF tokenizer (llama)";
    if (info.tokens.empty())
        throw Error(impl->source + ": tokenizer.ggml.tokens is empty");
    if (info.scores.size() != info.tokens.size())
        throw Error(impl->source + ": a SentencePiece vocabulary needs tokenizer.ggml.scores, one per token");
    BpeModel::Vocab vocab;
    vocab.reserve(info.tokens.size());
    for (std::size_t i = 0; i < info.tokens.size(); ++i)
        vocab[info.tokens[i]] = static_cast<std::int32_t>(i); // a repeated token keeps its last id, as a dict would
    std::vector<std::pair<std::string, std::string>> merges;
    if (!info.merges.empty()) {
        json list = info.merges;
        merges = parseMerges(list, impl->source);
    } else {
        merges = mergesFromScores(info.tokens, info.scores, vocab);
    }
    BpeModel::Options options;
    options.fuseUnk = true;
    options.byteFallback = true;
    const auto tokenAt = [&](std::optional<std::int64_t> id) -> std::optional<std::string> {
        if (!id || *id < 0 || *id >= static_cast<std::int64_t>(info.tokens.size()))
            return std::nullopt;
        return info.tokens[static_cast<std::size_t>(*id)];
    };
    options.unkToken = tokenAt(info.unkId);
    // transformers' LlamaTokenizer: Metaspace with prepend_scheme "first" (no normalizer), and a decoder that
    // strips the space it added. It ignores add_space_prefix; we honour it, as llama.cpp does.
    impl->preTokenizer = PreTokenizer::metaspace(info.addSpacePrefix);
    impl->decoder = TokenDecoder::sentencePiece(info.addSpacePrefix);
    // Keep the vocabulary in id order, one entry per id, even for repeated strings.
    impl->setModel(vocab, merges, options);
    impl->modelTokens.assign(info.tokens.begin(), info.tokens.end());
    impl->hasModelToken.assign(info.tokens.size(), true);

    // Added tokens: bos/eos/unk/pad (transformers adds its named special tokens), control tokens as special,
    // user-defined ones as plain added tokens; none normalized.
    std::vector<AddedToken> added;
    const auto addSpecial = [&](const std::optional<std::string>& content) {
        if (content)
            added.push_back({0, *content, false, false, false, false, true});
    };
    addSpecial(tokenAt(info.bosId));
    addSpecial(tokenAt(info.eosId));
    addSpecial(tokenAt(info.unkId));
    addSpecial(tokenAt(info.padId));
    for (std::size_t i = 0; i < info.tokens.size() && i < info.tokenTypes.size(); ++i) {
        if (info.tokenTypes[i] == GgufTokenizerInfo::Control)
            added.push_back({0, info.tokens[i], false, false, false, false, true});
        else if (info.tokenTypes[i] == GgufTokenizerInfo::UserDefined)
            added.push_back({0, info.tokens[i], false, false, false, false, false});
    }
    impl->addTokens(added);
    impl->finish();
    return impl;
}

} // namespace

// ---------------------------------------------------------------------------------------------------------------
// Encoding and decoding

void Tokenizer::Impl::encodeText(std::string_view text, bool atStart, std::vector<std::int32_t>& ids) const
{
    if (text.empty())
        return;
    std::vector<PreTokenizer::Piece> pieces;
    pieces.push_back({std::string(text), atStart});
    preTokenizer.apply(pieces);
    for (const auto& piece : pieces)
        model->tokenize(piece.text, ids);
}

std::vector<std::int32_t> Tokenizer::Impl::encode(std::string_view input, bool addSpecial) const
{
    std::string sanitized;
    std::string_view text = input;
    if (!utf8::isValid(input)) {
        sanitized = utf8::sanitize(input);
        text = sanitized;
    }
    std::vector<std::int32_t> ids;
    ids.reserve(text.size() / 3 + 8);
    if (addSpecial)
        ids.insert(ids.end(), prefix.begin(), prefix.end());
    // `AddedVocabulary::extract_and_normalize`: raw-matched tokens first, then each remaining run is normalized on
    // its own and searched for normalized tokens.
    for (const auto& raw : added.split(text, false)) {
        if (raw.id) {
            ids.push_back(*raw.id);
            continue;
        }
        const std::string_view run = text.substr(raw.begin, raw.end - raw.begin);
        if (run.empty())
            continue;
        const bool atStart = raw.begin == 0;
        if (normalizer.empty() && !added.hasNormalized()) {
            encodeText(run, atStart, ids);
            continue;
        }
        const std::string normalized = normalizer.empty() ? std::string(run) : normalizer.normalize(run);
        for (const auto& piece : added.split(normalized, true)) {
            if (piece.id)
                ids.push_back(*piece.id);
            else
                encodeText(std::string_view(normalized).substr(piece.begin, piece.end - piece.begin),
                           atStart && piece.begin == 0, ids);
        }
    }
    if (addSpecial)
        ids.insert(ids.end(), suffix.begin(), suffix.end());
    return ids;
}

std::string Tokenizer::Impl::decode(std::span<const std::int32_t> ids, bool skipSpecial) const
{
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (const std::int32_t id : ids) {
        const std::string* text = nullptr;
        if (const auto it = addedTokenText.find(id); it != addedTokenText.end())
            text = &it->second;
        else if (id >= 0 && static_cast<std::size_t>(id) < modelTokens.size() &&
                 hasModelToken[static_cast<std::size_t>(id)])
            text = &modelTokens[static_cast<std::size_t>(id)];
        if (!text)
            continue; // `tokenizers` skips ids it does not know
        if (skipSpecial && specialContents.count(*text))
            continue;
        tokens.push_back(*text);
    }
    return decoder.decode(std::move(tokens));
}

// ---------------------------------------------------------------------------------------------------------------
// Public API

Tokenizer::Tokenizer(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}

Tokenizer Tokenizer::fromHfJsonText(const std::string& jsonText, const std::string& sourceName)
{
    return Tokenizer(buildFromJson(jsonText, sourceName));
}

Tokenizer Tokenizer::fromHfJson(const std::filesystem::path& tokenizerJson)
{
    auto impl = buildFromJson(readFile(tokenizerJson), tokenizerJson.string());
    const auto configPath = tokenizerJson.parent_path() / "tokenizer_config.json";
    std::error_code ec;
    if (!std::filesystem::is_regular_file(configPath, ec))
        return Tokenizer(std::move(impl));

    const json config = parseJson(readFile(configPath), configPath.string());
    if (!config.is_object())
        throw Error(configPath.string() + ": expected an object, found " + config.type_name());
    const auto resolve = [&](const char* key) -> std::optional<std::int32_t> {
        const auto name = tokenName(config, key);
        if (!name)
            return std::nullopt;
        if (const auto it = impl->addedIds.find(*name); it != impl->addedIds.end())
            return it->second;
        return impl->model->tokenToId(*name);
    };
    if (const auto id = resolve("bos_token"))
        impl->bos = id;
    if (const auto id = resolve("eos_token"))
        impl->eos = id;
    if (const auto id = resolve("pad_token"))
        impl->pad = id;
    // transformers rebuilds the post-processor from these flags when the config states either of them.
    const std::string context = configPath.string();
    if (config.contains("add_bos_token") || config.contains("add_eos_token")) {
        const bool addBos = jsonfields::boolean(config, "add_bos_token", context);
        const bool addEos = jsonfields::boolean(config, "add_eos_token", context);
        impl->prefix.clear();
        impl->suffix.clear();
        if (addBos && impl->bos)
            impl->prefix.push_back(*impl->bos);
        if (addEos && impl->eos)
            impl->suffix.push_back(*impl->eos);
    }
    return Tokenizer(std::move(impl));
}

Tokenizer Tokenizer::fromGguf(const GgufTokenizerInfo& info)
{
    std::shared_ptr<Impl> impl;
    if (info.model == "gpt2") {
        impl = buildFromJson(toHfTokenizerJson(info), "GGUF tokenizer (gpt2)");
    } else if (info.model == "llama") {
        impl = buildSentencePieceFromGguf(info);
    } else {
        throw Error("GGUF tokenizer model '" + info.model + "' is not supported; supported: gpt2, llama");
    }
    const auto idOf = [&](std::optional<std::int64_t> id) -> std::optional<std::int32_t> {
        if (!id || *id < 0 || *id >= impl->vocabSize)
            return std::nullopt;
        return static_cast<std::int32_t>(*id);
    };
    impl->bos = idOf(info.bosId);
    impl->eos = idOf(info.eosId);
    impl->pad = idOf(info.padId);
    impl->prefix.clear();
    impl->suffix.clear();
    if (info.addBos && impl->bos)
        impl->prefix.push_back(*impl->bos);
    if (info.addEos && impl->eos)
        impl->suffix.push_back(*impl->eos);
    return Tokenizer(std::move(impl));
}

Tokenizer Tokenizer::fromGpt2Files(const std::filesystem::path& encoderJson, const std::filesystem::path& vocabBpe)
{
    auto impl = std::make_shared<Impl>();
    impl->source = encoderJson.string();
    BpeModel::Vocab vocab = parseVocab(parseJson(readFile(encoderJson), encoderJson.string()), encoderJson.string());

    const std::string mergesText = readFile(vocabBpe);
    std::vector<std::pair<std::string, std::string>> merges;
    std::size_t lineNumber = 0;
    for (std::size_t pos = 0; pos < mergesText.size();) {
        std::size_t end = mergesText.find('\n', pos);
        if (end == std::string::npos)
            end = mergesText.size();
        std::string line = mergesText.substr(pos, end - pos);
        pos = end + 1;
        ++lineNumber;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.rfind("#version", 0) == 0)
            continue;
        const auto space = line.find(' ');
        if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos)
            throw Error(vocabBpe.string() + ": line " + std::to_string(lineNumber) + " '" + line.substr(0, 80) +
                        "' is not two tokens separated by one space");
        merges.emplace_back(line.substr(0, space), line.substr(space + 1));
    }

    impl->preTokenizer = PreTokenizer::fromJson(
        json{{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}},
        impl->source);
    impl->decoder = TokenDecoder::fromJson(json{{"type", "ByteLevel"}}, impl->source);
    const bool hasEndOfText = vocab.count("<|endoftext|>") > 0;
    impl->source = encoderJson.string() + " + " + vocabBpe.filename().string();
    impl->setModel(std::move(vocab), merges, {});
    if (hasEndOfText)
        impl->addTokens({{0, "<|endoftext|>", false, false, false, false, true}});
    impl->finish();
    if (const auto id = impl->addedIds.find("<|endoftext|>"); id != impl->addedIds.end())
        impl->bos = impl->eos = id->second;
    return Tokenizer(std::move(impl));
}

std::vector<std::int32_t> Tokenizer::encode(std::string_view text, bool addSpecial) const
{
    return m_impl->encode(text, addSpecial);
}

std::string Tokenizer::decode(std::span<const std::int32_t> ids, bool skipSpecial) const
{
    return m_impl->decode(ids, skipSpecial);
}

std::string Tokenizer::tokenText(std::int32_t id) const
{
    if (const auto it = m_impl->addedTokenText.find(id); it != m_impl->addedTokenText.end())
        return it->second;
    if (id >= 0 && static_cast<std::size_t>(id) < m_impl->modelTokens.size() &&
        m_impl->hasModelToken[static_cast<std::size_t>(id)])
        return m_impl->modelTokens[static_cast<std::size_t>(id)];
    throw Error(m_impl->source + ": token id " + std::to_string(id) + " is not in the vocabulary (size " +
                std::to_string(m_impl->vocabSize) + ")");
}

std::optional<std::int32_t> Tokenizer::tokenId(std::string_view token) const
{
    if (const auto it = m_impl->addedIds.find(std::string(token)); it != m_impl->addedIds.end())
        return it->second;
    return m_impl->model->tokenToId(token);
}

std::int32_t Tokenizer::vocabSize() const
{
    return m_impl->vocabSize;
}

std::optional<std::int32_t> Tokenizer::bosId() const
{
    return m_impl->bos;
}

std::optional<std::int32_t> Tokenizer::eosId() const
{
    return m_impl->eos;
}

std::optional<std::int32_t> Tokenizer::padId() const
{
    return m_impl->pad;
}

bool Tokenizer::addsBos() const
{
    return m_impl->bos && !m_impl->prefix.empty() && m_impl->prefix.front() == *m_impl->bos;
}

} // namespace flatslice::core
