// SPDX-License-Identifier: GPL-3.0-or-later
#include "text/textnormalizer.h"

#include <nlohmann/json.hpp>

#include "text/bytelevel.h"
#include "text/jsonfields.h"
#include "text/unicodenormalization.h"
#include "text/unicoderegex.h"
#include "text/utf8.h"
#include "util/error.h"

namespace flatslice::core {

struct TextNormalizer::Step {
    enum class Kind { Prepend, Replace, Nfc, Strip, ByteLevel } kind;
    std::string text; // Prepend: what to prepend; Replace: the replacement
    std::unique_ptr<UnicodeRegex> regex;
    bool left = false, right = false;

    void apply(std::string& s) const
    {
        switch (kind) {
        case Kind::Prepend:
            if (!s.empty())
                s.insert(0, text);
            return;
        case Kind::Replace: {
            std::vector<std::pair<std::size_t, std::size_t>> matches;
            regex->findAll(s, matches);
            if (matches.empty())
                return;
            std::string out;
            out.reserve(s.size() + matches.size() * text.size());
            std::size_t prev = 0;
            for (const auto& [begin, end] : matches) {
                out.append(s, prev, begin - prev);
                out += text;
                prev = end;
            }
            out.append(s, prev, std::string::npos);
            s = std::move(out);
            return;
        }
        case Kind::Nfc: s = toNfc(s); return;
        case Kind::Strip: {
            std::size_t begin = 0, end = s.size();
            if (left)
                while (begin < end) {
                    std::size_t p = begin;
                    if (!utf8::isWhitespace(utf8::next(s, p)))
                        break;
                    begin = p;
                }
            if (right)
                while (end > begin) {
                    std::size_t charStart = end - 1;
                    while (charStart > begin && (static_cast<unsigned char>(s[charStart]) & 0xC0) == 0x80)
                        --charStart;
                    std::size_t p = charStart;
                    if (!utf8::isWhitespace(utf8::next(s, p)))
                        break;
                    end = charStart;
                }
            s = s.substr(begin, end - begin);
            return;
        }
        case Kind::ByteLevel: {
            std::string out;
            out.reserve(s.size() * 2);
            bytelevel::appendEncoded(out, s);
            s = std::move(out);
            return;
        }
        }
    }
};

TextNormalizer::TextNormalizer() = default;
TextNormalizer::~TextNormalizer() = default;
TextNormalizer::TextNormalizer(TextNormalizer&&) noexcept = default;
TextNormalizer& TextNormalizer::operator=(TextNormalizer&&) noexcept = default;

bool TextNormalizer::empty() const
{
    return m_steps.empty();
}

std::string TextNormalizer::normalize(std::string_view text) const
{
    std::string s(text);
    for (const auto& step : m_steps)
        step->apply(s);
    return s;
}

TextNormalizer TextNormalizer::metaspaceStyle()
{
    TextNormalizer n;
    auto prepend = std::make_unique<Step>();
    prepend->kind = Step::Kind::Prepend;
    prepend->text = "\xE2\x96\x81";
    n.m_steps.push_back(std::move(prepend));
    auto replace = std::make_unique<Step>();
    replace->kind = Step::Kind::Replace;
    replace->text = "\xE2\x96\x81";
    replace->regex = std::make_unique<UnicodeRegex>(UnicodeRegex::literal(" ", "normalizer"));
    n.m_steps.push_back(std::move(replace));
    return n;
}

TextNormalizer TextNormalizer::fromJson(const nlohmann::json& json, const std::string& context)
{
    TextNormalizer n;
    if (!json.is_null())
        n.parseInto(json, context);
    return n;
}

void TextNormalizer::parseInto(const nlohmann::json& json, const std::string& context, int depth)
{
    // Real files nest one Sequence; a bound keeps a hostile file from exhausting the stack.
    if (depth > 32)
        throw Error(context + ": Sequence nested more than 32 deep");
    const std::string type = jsonfields::typeOf(json, context);
    auto step = std::make_unique<Step>();
    if (type == "Sequence") {
        for (const auto& child : jsonfields::array(json, "normalizers", context))
            parseInto(child, context, depth + 1);
        return;
    } else if (type == "Prepend") {
        step->kind = Step::Kind::Prepend;
        step->text = jsonfields::string(json, "prepend", context);
    } else if (type == "Replace") {
        step->kind = Step::Kind::Replace;
        step->text = jsonfields::string(json, "content", context);
        step->regex = std::make_unique<UnicodeRegex>(jsonfields::pattern(json, "pattern", context));
    } else if (type == "NFC") {
        step->kind = Step::Kind::Nfc;
    } else if (type == "Strip") {
        step->kind = Step::Kind::Strip;
        step->left = jsonfields::boolean(json, "strip_left", context, true);
        step->right = jsonfields::boolean(json, "strip_right", context, true);
    } else if (type == "ByteLevel") {
        step->kind = Step::Kind::ByteLevel;
    } else {
        throw Error(context + ": normalizer type '" + type +
                    "' is not supported; supported: Sequence, Prepend, Replace, NFC, Strip, ByteLevel");
    }
    m_steps.push_back(std::move(step));
}

} // namespace flatslice::core
