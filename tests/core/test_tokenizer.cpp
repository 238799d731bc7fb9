// SPDX-License-Identifier: GPL-3.0-or-later
// Tokenizer: ids and decoded strings against Hugging Face `tokenizers` goldens
// (tests/reference/make_tokenizer_goldens.py -> tests/data/tokenizers/goldens.json) for GPT-2, Llama-2, Llama-3,
// Qwen3, the demo model's GGUF vocabulary (SmolLM2) and Llama-2's vocabulary read as a GGUF SentencePiece
// vocabulary; malformed tokenizer.json files; thread-safety.
//
// The real tokenizer files are large and live in ${XDG_CACHE_HOME:-~/.cache}/flatslice/tokenizers/ (fetched by
// `./dev setup`); a test whose file is absent is skipped with a message saying so (FLATSLICE_REQUIRE_REFERENCES=1,
// as in CI, fails it instead).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "format/gguffile.h"
#include "format/gguftokenizer.h"
#include "testsupport.h"
#include "text/tokenizer.h"
#include "util/error.h"

using flatslice::core::Error;
using flatslice::core::GgufFile;
using flatslice::core::GgufTokenizerInfo;
using flatslice::core::Tokenizer;
using nlohmann::json;

namespace {

std::filesystem::path tokenizerCache()
{
    std::filesystem::path cache;
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
        cache = xdg;
    else if (const char* home = std::getenv("HOME"); home && *home)
        cache = std::filesystem::path(home) / ".cache";
    return cache / "flatslice" / "tokenizers";
}

const json& goldens()
{
    static const json data = [] {
        std::ifstream in(flatslice::test::dataDir() / "tokenizers" / "goldens.json");
        return json::parse(in);
    }();
    return data;
}

// Llama-2's vocabulary as llama.cpp would store it in a GGUF "llama" vocabulary; the golden script writes the same
// (llama2_gguf_dict) and reads it back with transformers' GGUF loader.
GgufTokenizerInfo llama2AsGguf(const std::filesystem::path& tokenizerJson)
{
    std::ifstream in(tokenizerJson);
    const json vocab = json::parse(in).at("model").at("vocab");
    GgufTokenizerInfo info;
    info.model = "llama";
    info.tokens.resize(vocab.size());
    for (const auto& [token, id] : vocab.items())
        info.tokens.at(id.get<std::size_t>()) = token;
    for (std::size_t i = 0; i < info.tokens.size(); ++i) {
        const std::string& t = info.tokens[i];
        std::int32_t type = GgufTokenizerInfo::Normal;
        if (t == "<unk>")
            type = GgufTokenizerInfo::Unknown;
        else if (t == "<s>" || t == "</s>")
            type = GgufTokenizerInfo::Control;
        else if (t.size() == 6 && t.rfind("<0x", 0) == 0 && t.back() == '>')
            type = GgufTokenizerInfo::Byte;
        info.tokenTypes.push_back(type);
        info.scores.push_back(type == GgufTokenizerInfo::Normal ? -static_cast<float>(i) : 0.0f);
    }
    info.unkId = 0;
    info.bosId = 1;
    info.eosId = 2;
    info.addBos = true;
    info.addSpacePrefix = true;
    return info;
}

// Builds the named tokenizer once per process, or says why it cannot (a missing file).
struct Loaded {
    std::optional<Tokenizer> tokenizer;
    std::string missing;
};

const Loaded& load(const std::string& name)
{
    static std::mutex mutex;
    static std::map<std::string, Loaded> cache;
    std::lock_guard lock(mutex);
    if (const auto it = cache.find(name); it != cache.end())
        return it->second;
    Loaded& loaded = cache[name];
    const auto dir = tokenizerCache();
    const auto need = [&](const std::filesystem::path& path) {
        if (!std::filesystem::exists(path) && loaded.missing.empty())
            loaded.missing = path.string() + " is absent; run ./dev setup to fetch the reference tokenizers";
        return loaded.missing.empty();
    };
    if (name == "gpt2") {
        if (need(dir / "gpt2" / "encoder.json") && need(dir / "gpt2" / "vocab.bpe"))
            loaded.tokenizer = Tokenizer::fromGpt2Files(dir / "gpt2" / "encoder.json", dir / "gpt2" / "vocab.bpe");
    } else if (name == "llama2" || name == "llama3" || name == "qwen3") {
        if (need(dir / name / "tokenizer.json"))
            loaded.tokenizer = Tokenizer::fromHfJson(dir / name / "tokenizer.json");
    } else if (name == "llama2-gguf") {
        if (need(dir / "llama2" / "tokenizer.json"))
            loaded.tokenizer = Tokenizer::fromGguf(llama2AsGguf(dir / "llama2" / "tokenizer.json"));
    } else if (name == "smollm2-gguf") {
        const auto demo = flatslice::test::demoModel();
        if (demo.empty() || !std::filesystem::exists(demo))
            loaded.missing = "the demo model is absent; run ./dev setup";
        else
            loaded.tokenizer = Tokenizer::fromGguf(GgufTokenizerInfo::fromGguf(GgufFile::open(demo)));
    }
    return loaded;
}

std::string show(const std::vector<std::int32_t>& ids)
{
    std::ostringstream out;
    out << "[";
    for (std::size_t i = 0; i < ids.size(); ++i)
        out << (i ? ", " : "") << ids[i];
    out << "]";
    return out.str();
}

// "first difference at index N" plus both sequences, so a failure says where.
std::string diffMessage(const std::vector<std::int32_t>& expected, const std::vector<std::int32_t>& actual)
{
    std::size_t i = 0;
    while (i < expected.size() && i < actual.size() && expected[i] == actual[i])
        ++i;
    return "first difference at index " + std::to_string(i) + "\n  expected " + show(expected) + "\n  actual   " +
           show(actual);
}

class TokenizerGolden : public testing::TestWithParam<std::string> {};

TEST_P(TokenizerGolden, EncodeMatchesHuggingFace)
{
    const Loaded& loaded = load(GetParam());
    if (!loaded.tokenizer)
        FLATSLICE_SKIP_UNLESS_REQUIRED() << loaded.missing;
    const json& golden = goldens().at("tokenizers").at(GetParam());
    for (const auto& [sample, text] : goldens().at("samples").items()) {
        const auto expected = golden.at("ids").at(sample).get<std::vector<std::int32_t>>();
        const auto actual = loaded.tokenizer->encode(text.get<std::string>());
        EXPECT_EQ(actual, expected) << "sample '" << sample << "': " << diffMessage(expected, actual);
        const auto plain = golden.at("ids_plain").at(sample).get<std::vector<std::int32_t>>();
        const auto actualPlain = loaded.tokenizer->encode(text.get<std::string>(), false);
        EXPECT_EQ(actualPlain, plain) << "sample '" << sample
                                      << "' without special tokens: " << diffMessage(plain, actualPlain);
    }
}

TEST_P(TokenizerGolden, DecodeMatchesHuggingFace)
{
    const Loaded& loaded = load(GetParam());
    if (!loaded.tokenizer)
        FLATSLICE_SKIP_UNLESS_REQUIRED() << loaded.missing;
    const json& golden = goldens().at("tokenizers").at(GetParam());
    for (const auto& [sample, text] : goldens().at("samples").items()) {
        const auto ids = golden.at("ids").at(sample).get<std::vector<std::int32_t>>();
        EXPECT_EQ(loaded.tokenizer->decode(ids), golden.at("decode").at(sample).get<std::string>())
            << "sample '" << sample << "'";
        EXPECT_EQ(loaded.tokenizer->decode(ids, true), golden.at("decode_skip_special").at(sample).get<std::string>())
            << "sample '" << sample << "' skipping special tokens";
    }
}

INSTANTIATE_TEST_SUITE_P(Files, TokenizerGolden,
                         testing::Values("gpt2", "llama2", "llama3", "qwen3", "smollm2-gguf", "llama2-gguf"),
                         [](const testing::TestParamInfo<std::string>& param) {
                             std::string name = param.param;
                             for (char& c : name)
                                 if (c == '-')
                                     c = '_';
                             return name;
                         });

TEST(Tokenizer, SpecialIdsFollowTheFiles)
{
    const Loaded& llama2 = load("llama2");
    const Loaded& qwen3 = load("qwen3");
    if (!llama2.tokenizer || !qwen3.tokenizer)
        FLATSLICE_SKIP_UNLESS_REQUIRED() << llama2.missing << (llama2.missing.empty() ? "" : "; ") << qwen3.missing;
    EXPECT_EQ(llama2.tokenizer->vocabSize(), 32000);
    EXPECT_EQ(llama2.tokenizer->bosId(), 1);
    EXPECT_EQ(llama2.tokenizer->eosId(), 2);
    EXPECT_TRUE(llama2.tokenizer->addsBos());
    EXPECT_EQ(llama2.tokenizer->tokenText(13), "<0x0A>");
    EXPECT_EQ(qwen3.tokenizer->vocabSize(), 151669);
    EXPECT_FALSE(qwen3.tokenizer->addsBos());
    EXPECT_EQ(qwen3.tokenizer->eosId(), 151645); // tokenizer_config.json: eos_token <|im_end|>
    EXPECT_EQ(qwen3.tokenizer->padId(), 151643);
    EXPECT_EQ(qwen3.tokenizer->tokenId("<|im_start|>"), 151644);
    EXPECT_THROW(qwen3.tokenizer->tokenText(151669), Error);
    EXPECT_THROW(qwen3.tokenizer->tokenText(-1), Error);
}

TEST(Tokenizer, DemoModelSpecialIds)
{
    const Loaded& demo = load("smollm2-gguf");
    if (!demo.tokenizer)
        FLATSLICE_SKIP_UNLESS_REQUIRED() << demo.missing;
    EXPECT_EQ(demo.tokenizer->vocabSize(), 49152);
    EXPECT_EQ(demo.tokenizer->bosId(), 1);
    EXPECT_EQ(demo.tokenizer->eosId(), 2);
    EXPECT_FALSE(demo.tokenizer->addsBos());
    EXPECT_EQ(demo.tokenizer->tokenText(1), "<|im_start|>");
}

// ---------------------------------------------------------------------------------------------------------------
// A tiny hand-written tokenizer.json, valid, and mutations of it.

json tinyTokenizer()
{
    return json::parse(R"({
        "version": "1.0",
        "added_tokens": [{"id": 4, "content": "<eos>", "single_word": false, "lstrip": false, "rstrip": false,
                          "normalized": false, "special": true}],
        "normalizer": null,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
        "post_processor": null,
        "decoder": {"type": "ByteLevel"},
        "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "Ġ": 3, "<eos>": 4}, "merges": ["a b"]}
    })");
}

Tokenizer fromJson(const json& j)
{
    return Tokenizer::fromHfJsonText(j.dump(), "tiny.json");
}

// The Error's message, or "" when no Error was thrown.
std::string errorOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(Tokenizer, TinyTokenizerEncodesAndDecodes)
{
    const Tokenizer t = fromJson(tinyTokenizer());
    EXPECT_EQ(t.encode("ab ab<eos>"), (std::vector<std::int32_t>{2, 3, 2, 4}));
    EXPECT_EQ(t.decode(std::vector<std::int32_t>{2, 3, 2, 4}), "ab ab<eos>");
    EXPECT_EQ(t.decode(std::vector<std::int32_t>{2, 3, 2, 4}, true), "ab ab");
    // Unknown ids are skipped, as `tokenizers` does.
    EXPECT_EQ(t.decode(std::vector<std::int32_t>{2, 99, -5, 2}), "abab");
    EXPECT_EQ(t.vocabSize(), 5);
}

TEST(Tokenizer, InvalidUtf8InputIsReadAsReplacementCharacters)
{
    json j = tinyTokenizer();
    j["model"]["vocab"]["\xC3\xAF"] = 5; // the byte-level spelling of 0xEF, first byte of U+FFFD
    const Tokenizer t = fromJson(j);
    // Nothing to match beyond single bytes; the point is that it neither crashes nor throws.
    EXPECT_NO_THROW(t.encode(std::string("a\xFF\xFE b\xC3")));
    EXPECT_EQ(t.encode(std::string("a\xFF")), t.encode("a\xEF\xBF\xBD"));
}

TEST(Tokenizer, ThreadsEncodeIdentically)
{
    const Loaded& demo = load("smollm2-gguf");
    const Tokenizer t = demo.tokenizer ? *demo.tokenizer : fromJson(tinyTokenizer());
    std::string text;
    for (const auto& [sample, value] : goldens().at("samples").items())
        text += value.get<std::string>() + "\n";
    const auto expected = t.encode(text);
    std::vector<std::vector<std::int32_t>> results(2);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < results.size(); ++i)
        threads.emplace_back([&, i] {
            for (int round = 0; round < 50; ++round)
                results[i] = t.encode(text + std::to_string(round % 3));
        });
    for (auto& thread : threads)
        thread.join();
    for (const auto& r : results)
        EXPECT_EQ(r, t.encode(text + "1"));
    EXPECT_EQ(t.encode(text), expected);
}

TEST(TokenizerMalformed, NotJson)
{
    const std::string message = errorOf([] { Tokenizer::fromHfJsonText("{\"model\": ", "broken.json"); });
    EXPECT_NE(message.find("broken.json: not valid JSON"), std::string::npos) << message;
}

TEST(TokenizerMalformed, NotAnObject)
{
    const std::string message = errorOf([] { Tokenizer::fromHfJsonText("[1, 2]", "list.json"); });
    EXPECT_NE(message.find("list.json: expected a tokenizer.json object"), std::string::npos) << message;
}

TEST(TokenizerMalformed, MissingModel)
{
    json j = tinyTokenizer();
    j.erase("model");
    const std::string message = errorOf([&] { fromJson(j); });
    EXPECT_NE(message.find("tiny.json: missing the 'model' object"), std::string::npos) << message;
}

TEST(TokenizerMalformed, MissingMerges)
{
    json j = tinyTokenizer();
    j["model"].erase("merges");
    const std::string message = errorOf([&] { fromJson(j); });
    EXPECT_NE(message.find("missing field 'merges'"), std::string::npos) << message;
}

TEST(TokenizerMalformed, UnknownModelType)
{
    json j = tinyTokenizer();
    j["model"]["type"] = "WordPiece";
    const std::string message = errorOf([&] { fromJson(j); });
    EXPECT_NE(message.find("model type 'WordPiece' is not supported; supported: BPE"), std::string::npos) << message;
}

TEST(TokenizerMalformed, MergeNamesUnknownToken)
{
    json j = tinyTokenizer();
    j["model"]["merges"] = {"a b", "a zz"};
    const std::string message = errorOf([&] { fromJson(j); });
    EXPECT_NE(message.find("merge #2 'a zz': token 'zz' is not in the vocabulary"), std::string::npos) << message;
}

TEST(TokenizerMalformed, MergeWithoutItsResult)
{
    json j = tinyTokenizer();
    j["model"]["merges"] = {"b a"};
    const std::string message = errorOf([&] { fromJson(j); });
    EXPECT_NE(message.find("the merged token 'ba' is not in the vocabulary"), std::string::npos) << message;
}

TEST(TokenizerMalformed, MergeLineWithThreeParts)
{
    json j = tinyTokenizer();
    j["model"]["merges"] = {"a b c"};
    const std::string message = errorOf([&] { fromJson(j); });
    EXPECT_NE(message.find("is not two tokens separated by one space"), std::string::npos) << message;
}

TEST(TokenizerMalformed, InvalidRegex)
{
    json j = tinyTokenizer();
    j["pre_tokenizer"] = {{"type", "Split"},
                          {"pattern", {{"Regex", "(\\p{L}+"}}},
                          {"behavior", "Isolated"},
                          {"invert", false}};
    const std::string message = errorOf([&] { fromJson(j); });
    EXPECT_NE(message.find("invalid regex '(\\p{L}+'"), std::string::npos) << message;
}

TEST(TokenizerMalformed, VocabIdOutOfRange)
{
    for (const json& bad : {json(-1), json(std::int64_t{1} << 40), json(1.5), json("3")}) {
        json j = tinyTokenizer();
        j["model"]["vocab"]["b"] = bad;
        const std::string message = errorOf([&] { fromJson(j); });
        EXPECT_NE(message.find("vocab entry 'b': token id"), std::string::npos) << bad.dump() << ": " << message;
    }
}

TEST(TokenizerMalformed, PostProcessorIdOutOfRange)
{
    json j = tinyTokenizer();
    j["post_processor"] = json::parse(R"({"type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<bos>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [], "special_tokens": {"<bos>": {"id": "<bos>", "ids": [70000], "tokens": ["<bos>"]}}})");
    const std::string message = errorOf([&] { fromJson(j); });
    EXPECT_NE(message.find("id 70000 is outside the vocabulary (size 5)"), std::string::npos) << message;
}

TEST(TokenizerMalformed, TemplateNamesUndefinedSpecialToken)
{
    json j = tinyTokenizer();
    j["post_processor"] = json::parse(R"({"type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<bos>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [], "special_tokens": {}})");
    const std::string message = errorOf([&] { fromJson(j); });
    EXPECT_NE(message.find("special token '<bos>' that 'special_tokens' does not define"), std::string::npos)
        << message;
}

TEST(TokenizerMalformed, UnsupportedComponents)
{
    json j = tinyTokenizer();
    j["normalizer"] = {{"type", "NFKC"}};
    std::string message = errorOf([&] { fromJson(j); });
    EXPECT_NE(message.find("normalizer type 'NFKC' is not supported"), std::string::npos) << message;
    j = tinyTokenizer();
    j["decoder"] = {{"type", "WordPiece"}};
    message = errorOf([&] { fromJson(j); });
    EXPECT_NE(message.find("decoder type 'WordPiece' is not supported"), std::string::npos) << message;
}

TEST(TokenizerMalformed, WrongFieldTypes)
{
    json j = tinyTokenizer();
    j["model"]["vocab"] = json::array();
    EXPECT_NE(errorOf([&] { fromJson(j); }).find("'vocab' must be an object"), std::string::npos);
    j = tinyTokenizer();
    j["added_tokens"][0]["content"] = 7;
    EXPECT_NE(errorOf([&] { fromJson(j); }).find("field 'content' must be a string"), std::string::npos);
    j = tinyTokenizer();
    j["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", "x"}};
    EXPECT_NE(errorOf([&] { fromJson(j); }).find("field 'pretokenizers' must be an array"), std::string::npos);
}

TEST(TokenizerMalformed, DeeplyNestedSequence)
{
    json pre = {{"type", "ByteLevel"}};
    for (int i = 0; i < 100; ++i)
        pre = {{"type", "Sequence"}, {"pretokenizers", json::array({pre})}};
    json j = tinyTokenizer();
    j["pre_tokenizer"] = pre;
    const std::string message = errorOf([&] { fromJson(j); });
    EXPECT_NE(message.find("nested more than 32 deep"), std::string::npos) << message;
}

TEST(TokenizerMalformed, MissingFileNamesIt)
{
    const std::string message = errorOf([] { Tokenizer::fromHfJson("/nonexistent/tokenizer.json"); });
    EXPECT_NE(message.find("/nonexistent/tokenizer.json: cannot open"), std::string::npos) << message;
}

TEST(TokenizerMalformed, UnsupportedGgufModel)
{
    GgufTokenizerInfo info;
    info.model = "t5";
    const std::string message = errorOf([&] { Tokenizer::fromGguf(info); });
    EXPECT_NE(message.find("GGUF tokenizer model 't5' is not supported"), std::string::npos) << message;
}

// Not a correctness test: `--gtest_also_run_disabled_tests --gtest_filter='*Bench*'` prints how long the demo
// tokenizer takes on WikiText-2's test split (compare with make_tokenizer_goldens.py --bench).
TEST(TokenizerBench, DISABLED_WikiText2Test)
{
    const Loaded& demo = load("smollm2-gguf");
    const auto path = flatslice::test::dataDir().parent_path().parent_path().parent_path() / "shared" / "data" /
                      "wikitext-2-raw" / "wiki.test.raw";
    if (!demo.tokenizer || !std::filesystem::exists(path))
        FLATSLICE_SKIP_UNLESS_REQUIRED() << "needs the demo model and " << path;
    const std::string text = flatslice::test::readFile(path);
    // The first run starts with an empty BPE cache; later runs find most words cached, as `tokenizers` does.
    std::vector<double> seconds;
    std::vector<std::int32_t> ids;
    for (int run = 0; run < 3; ++run) {
        const auto start = std::chrono::steady_clock::now();
        ids = demo.tokenizer->encode(text);
        seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::printf("flatslice Tokenizer: %zu bytes -> %zu tokens: first run %.3f s, then %.3f s, %.3f s\n", text.size(),
                ids.size(), seconds[0], seconds[1], seconds[2]);
    // make_tokenizer_goldens.py --bench FILE --compare IDS checks these ids against `tokenizers`.
    if (const char* out = std::getenv("FLATSLICE_TOKENIZER_BENCH_IDS"); out && *out)
        flatslice::test::writeFile(out, json(ids).dump());
}

} // namespace
