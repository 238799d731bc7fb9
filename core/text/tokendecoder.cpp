// SPDX-License-Identifier: GPL-3.0-or-later
#include "text/tokendecoder.h"

#include <nlohmann/json.hpp>

#include "text/bytelevel.h"
#include "text/jsonfields.h"
#include "text/unicoderegex.h"
#include "text/utf8.h"
#include "util/error.h"

namespace flatslice::core {

namespace {

constexpr const char* kReplacementChar = "\xEF\xBF\xBD";
constexpr char32_t kMetaspace = 0x2581;

// `u8::from_str_radix(s, 16)` on two characters: an optional '+' then hex digits.
std::optional<unsigned char> parseHexByte(std::string_view s)
{
    std::size_t i = 0;
    if (!s.empty() && s[0] == '+')
        i = 1;
    if (i == s.size())
        return std::nullopt;
    unsigned value = 0;
    for (; i < s.size(); ++i) {
        const char c = s[i];
        unsigned digit;
        if (c >= '0' && c <= '9')
            digit = static_cast<unsigned>(c - '0');
        else if (c >= 'a' && c <= 'f')
            digit = static_cast<unsigned>(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            digit = static_cast<unsigned>(c - 'A' + 10);
        else
            return std::nullopt;
        value = value * 16 + digit;
    }
    return static_cast<unsigned char>(value);
}

std::vector<char32_t> toChars(const std::string& s)
{
    std::vector<char32_t> chars;
    chars.reserve(s.size());
    for (std::size_t pos = 0; pos < s.size();)
        chars.push_back(utf8::next(s, pos));
    return chars;
}

} // namespace

struct TokenDecoder::Step {
    enum class Kind { ByteLevel, ByteFallback, Fuse, Strip, Replace, Metaspace } kind;
    std::unique_ptr<UnicodeRegex> regex; // Replace
    std::string content;                 // Replace
    char32_t stripChar = ' ';
    std::size_t start = 0, stop = 0;
    bool metaspaceStripFirst = true;

    void apply(std::vector<std::string>& tokens) const
    {
        switch (kind) {
        case Kind::ByteLevel: {
            // Each token's characters map back to bytes; a token with any other character keeps its own bytes.
            // The bytes are then read as UTF-8 with invalid parts replaced (`String::from_utf8_lossy`).
            std::string bytes;
            for (const auto& token : tokens) {
                const std::size_t mark = bytes.size();
                bool mapped = true;
                for (std::size_t pos = 0; pos < token.size();) {
                    const auto b = bytelevel::byteOf(utf8::next(token, pos));
                    if (!b) {
                        mapped = false;
                        break;
                    }
                    bytes += static_cast<char>(*b);
                }
                if (!mapped) {
                    bytes.resize(mark);
                    bytes += token;
                }
            }
            tokens.assign(1, utf8::sanitize(bytes));
            return;
        }
        case Kind::ByteFallback: {
            std::vector<std::string> out;
            out.reserve(tokens.size());
            std::string pending;
            const auto flush = [&] {
                if (pending.empty())
                    return;
                if (utf8::isValid(pending))
                    out.push_back(pending);
                else
                    for (std::size_t i = 0; i < pending.size(); ++i)
                        out.emplace_back(kReplacementChar);
                pending.clear();
            };
            for (auto& token : tokens) {
                std::optional<unsigned char> byte;
                if (token.size() == 6 && token.compare(0, 3, "<0x") == 0 && token.back() == '>')
                    byte = parseHexByte(std::string_view(token).substr(3, 2));
                if (byte) {
                    pending += static_cast<char>(*byte);
                } else {
                    flush();
                    out.push_back(std::move(token));
                }
            }
            flush();
            tokens = std::move(out);
            return;
        }
        case Kind::Fuse: {
            std::string joined;
            for (const auto& token : tokens)
                joined += token;
            tokens.clear();
            tokens.push_back(std::move(joined));
            return;
        }
        case Kind::Strip:
            for (auto& token : tokens) {
                const std::vector<char32_t> chars = toChars(token);
                std::size_t startCut = 0;
                for (std::size_t i = 0; i < start && i < chars.size() && chars[i] == stripChar; ++i)
                    startCut = i + 1;
                std::size_t stopCut = chars.size();
                for (std::size_t i = 0; i < stop && i < chars.size(); ++i) {
                    const std::size_t index = chars.size() - i - 1;
                    if (chars[index] != stripChar)
                        break;
                    stopCut = index;
                }
                std::string out;
                for (std::size_t i = startCut; i < stopCut; ++i)
                    utf8::append(out, chars[i]);
                token = std::move(out);
            }
            return;
        case Kind::Replace:
            for (auto& token : tokens) {
                std::vector<std::pair<std::size_t, std::size_t>> matches;
                regex->findAll(token, matches);
                if (matches.empty())
                    continue;
                std::string out;
                std::size_t prev = 0;
                for (const auto& [begin, end] : matches) {
                    out.append(token, prev, begin - prev);
                    out += content;
                    prev = end;
                }
                out.append(token, prev, std::string::npos);
                token = std::move(out);
            }
            return;
        case Kind::Metaspace:
            for (std::size_t i = 0; i < tokens.size(); ++i) {
                std::string out;
                const std::string& token = tokens[i];
                for (std::size_t pos = 0; pos < token.size();) {
                    const std::size_t begin = pos;
                    const char32_t c = utf8::next(token, pos);
                    if (c == kMetaspace) {
                        if (!(i == 0 && metaspaceStripFirst))
                            out += ' ';
                    } else {
                        out.append(token, begin, pos - begin);
                    }
                }
                tokens[i] = std::move(out);
            }
            return;
        }
    }
};

TokenDecoder::TokenDecoder() = default;
TokenDecoder::~TokenDecoder() = default;
TokenDecoder::TokenDecoder(TokenDecoder&&) noexcept = default;
TokenDecoder& TokenDecoder::operator=(TokenDecoder&&) noexcept = default;

TokenDecoder TokenDecoder::fromJson(const nlohmann::json& json, const std::string& context)
{
    TokenDecoder d;
    if (!json.is_null()) {
        d.m_present = true;
        d.parseInto(json, context);
    }
    return d;
}

TokenDecoder TokenDecoder::sentencePiece(bool stripLeadingSpace)
{
    TokenDecoder d;
    d.m_present = true;
    auto replace = std::make_unique<Step>();
    replace->kind = Step::Kind::Replace;
    replace->regex = std::make_unique<UnicodeRegex>(UnicodeRegex::literal("\xE2\x96\x81", "decoder"));
    replace->content.push_back(' '); // not `= " "`: GCC 12 reports a bogus -Wrestrict on it
    d.m_steps.push_back(std::move(replace));
    auto fallback = std::make_unique<Step>();
    fallback->kind = Step::Kind::ByteFallback;
    d.m_steps.push_back(std::move(fallback));
    auto fuse = std::make_unique<Step>();
    fuse->kind = Step::Kind::Fuse;
    d.m_steps.push_back(std::move(fuse));
    if (stripLeadingSpace) {
        auto strip = std::make_unique<Step>();
        strip->kind = Step::Kind::Strip;
        strip->start = 1;
        d.m_steps.push_back(std::move(strip));
    }
    return d;
}

std::string TokenDecoder::decode(std::vector<std::string> tokens) const
{
    if (!m_present) {
        std::string joined;
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            if (i > 0)
                joined += ' ';
            joined += tokens[i];
        }
        return joined;
    }
    for (const auto& step : m_steps)
        step->apply(tokens);
    std::string joined;
    for (const auto& token : tokens)
        joined += token;
    return joined;
}

void TokenDecoder::parseInto(const nlohmann::json& json, const std::string& context, int depth)
{
    // Real files nest one Sequence; a bound keeps a hostile file from exhausting the stack.
    if (depth > 32)
        throw Error(context + ": Sequence nested more than 32 deep");
    const std::string type = jsonfields::typeOf(json, context);
    auto step = std::make_unique<Step>();
    if (type == "Sequence") {
        for (const auto& child : jsonfields::array(json, "decoders", context))
            parseInto(child, context, depth + 1);
        return;
    }
    if (type == "ByteLevel") {
        step->kind = Step::Kind::ByteLevel;
    } else if (type == "ByteFallback") {
        step->kind = Step::Kind::ByteFallback;
    } else if (type == "Fuse") {
        step->kind = Step::Kind::Fuse;
    } else if (type == "Strip") {
        step->kind = Step::Kind::Strip;
        const std::string content = jsonfields::string(json, "content", context);
        std::size_t pos = 0;
        if (content.empty() || (step->stripChar = utf8::next(content, pos), pos != content.size()))
            throw Error(context + ": Strip decoder content must be one character, found '" + content + "'");
        const std::int64_t start = jsonfields::integer(json, "start", context, 0);
        const std::int64_t stop = jsonfields::integer(json, "stop", context, 0);
        if (start < 0 || stop < 0)
            throw Error(context + ": Strip decoder start/stop must not be negative");
        step->start = static_cast<std::size_t>(start);
        step->stop = static_cast<std::size_t>(stop);
    } else if (type == "Replace") {
        step->kind = Step::Kind::Replace;
        step->content = jsonfields::string(json, "content", context);
        step->regex = std::make_unique<UnicodeRegex>(jsonfields::pattern(json, "pattern", context));
    } else if (type == "Metaspace") {
        step->kind = Step::Kind::Metaspace;
        const std::string scheme = jsonfields::optionalString(json, "prepend_scheme", context).value_or("always");
        bool never = scheme == "never";
        if (json.contains("add_prefix_space") && json["add_prefix_space"].is_boolean() &&
            !json["add_prefix_space"].get<bool>())
            never = true;
        step->metaspaceStripFirst = !never;
    } else {
        throw Error(context + ": decoder type '" + type +
                    "' is not supported; supported: Sequence, ByteLevel, ByteFallback, Fuse, Strip, Replace, "
                    "Metaspace");
    }
    m_steps.push_back(std::move(step));
}

} // namespace flatslice::core
