// SPDX-License-Identifier: GPL-3.0-or-later
#include "text/pretokenizer.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "text/bytelevel.h"
#include "text/jsonfields.h"
#include "text/unicoderegex.h"
#include "text/utf8.h"
#include "util/error.h"

namespace flatslice::core {

namespace {

// GPT-2's pattern, as ByteLevel's `use_regex` applies it.
constexpr const char* kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
constexpr const char* kMetaspace = "\xE2\x96\x81"; // U+2581

enum class Behavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

using Range = std::pair<std::size_t, std::size_t>;
struct Span {
    std::size_t begin, end;
    bool isMatch;
};

// `Pattern::find_matches`: spans covering `text`, matches flagged.
void spansFromMatches(std::size_t size, const std::vector<Range>& matches, std::vector<Span>& spans)
{
    spans.clear();
    std::size_t prev = 0;
    for (const auto& [begin, end] : matches) {
        if (prev != begin)
            spans.push_back({prev, begin, false});
        spans.push_back({begin, end, true});
        prev = end;
    }
    if (prev != size)
        spans.push_back({prev, size, false});
}

// `NormalizedString::split`: the kept ranges for a behavior.
void applyBehavior(std::vector<Span>& spans, Behavior behavior, std::vector<Range>& out)
{
    out.clear();
    switch (behavior) {
    case Behavior::Isolated:
        for (const auto& s : spans)
            out.emplace_back(s.begin, s.end);
        return;
    case Behavior::Removed:
        for (const auto& s : spans)
            if (!s.isMatch)
                out.emplace_back(s.begin, s.end);
        return;
    case Behavior::Contiguous: {
        bool previous = false;
        for (const auto& s : spans) {
            if (s.isMatch == previous && !out.empty())
                out.back().second = s.end;
            else
                out.emplace_back(s.begin, s.end);
            previous = s.isMatch;
        }
        return;
    }
    case Behavior::MergedWithPrevious: {
        bool previous = false;
        for (const auto& s : spans) {
            if (s.isMatch && !previous && !out.empty())
                out.back().second = s.end;
            else
                out.emplace_back(s.begin, s.end);
            previous = s.isMatch;
        }
        return;
    }
    case Behavior::MergedWithNext: {
        bool previous = false;
        for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
            if (it->isMatch && !previous && !out.empty())
                out.back().first = it->begin;
            else
                out.emplace_back(it->begin, it->end);
            previous = it->isMatch;
        }
        std::reverse(out.begin(), out.end());
        return;
    }
    }
}

Behavior parseBehavior(const std::string& name, const std::string& context)
{
    // serde accepts the variant names; Python's bindings write them in this case.
    if (name == "Removed" || name == "removed")
        return Behavior::Removed;
    if (name == "Isolated" || name == "isolated")
        return Behavior::Isolated;
    if (name == "MergedWithPrevious" || name == "merged_with_previous")
        return Behavior::MergedWithPrevious;
    if (name == "MergedWithNext" || name == "merged_with_next")
        return Behavior::MergedWithNext;
    if (name == "Contiguous" || name == "contiguous")
        return Behavior::Contiguous;
    throw Error(context + ": unknown split behavior '" + name +
                "'; expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous");
}

} // namespace

struct PreTokenizer::Step {
    enum class Kind { ByteLevel, Split, Metaspace, WhitespaceSplit } kind;
    std::unique_ptr<UnicodeRegex> regex; // ByteLevel with use_regex, Split
    Behavior behavior = Behavior::Isolated;
    bool invert = false;
    bool addPrefixSpace = false;                                           // ByteLevel
    enum class Prepend { Always, First, Never } prepend = Prepend::Always; // Metaspace
    bool split = true;                                                     // Metaspace

    // Cuts each piece with the regex and behavior, keeping non-empty results.
    void splitPieces(std::vector<Piece>& pieces, const UnicodeRegex& re, Behavior how, bool inverted) const
    {
        std::vector<Piece> out;
        out.reserve(pieces.size() * 2);
        std::vector<Range> matches, ranges;
        std::vector<Span> spans;
        for (auto& piece : pieces) {
            if (piece.text.empty())
                continue; // an empty split yields only an empty piece, which is dropped
            matches.clear();
            re.findAll(piece.text, matches);
            spansFromMatches(piece.text.size(), matches, spans);
            if (inverted)
                for (auto& s : spans)
                    s.isMatch = !s.isMatch;
            applyBehavior(spans, how, ranges);
            if (ranges.size() == 1 && ranges[0].first == 0 && ranges[0].second == piece.text.size()) {
                out.push_back(std::move(piece));
                continue;
            }
            for (const auto& [begin, end] : ranges)
                if (end > begin)
                    out.push_back({piece.text.substr(begin, end - begin), piece.atStart && begin == 0});
        }
        pieces = std::move(out);
    }

    void apply(std::vector<Piece>& pieces) const
    {
        switch (kind) {
        case Kind::Split: splitPieces(pieces, *regex, behavior, invert); return;
        case Kind::WhitespaceSplit: splitPieces(pieces, *regex, Behavior::Removed, false); return;
        case Kind::ByteLevel: {
            if (addPrefixSpace)
                for (auto& piece : pieces)
                    if (piece.text.empty() || piece.text.front() != ' ')
                        piece.text.insert(0, " ");
            if (regex)
                splitPieces(pieces, *regex, Behavior::Isolated, false);
            for (auto& piece : pieces) {
                std::string mapped;
                mapped.reserve(piece.text.size() + piece.text.size() / 2);
                bytelevel::appendEncoded(mapped, piece.text);
                piece.text = std::move(mapped);
            }
            return;
        }
        case Kind::Metaspace: {
            for (auto& piece : pieces) {
                std::string replaced;
                replaced.reserve(piece.text.size() + 8);
                for (const char c : piece.text) {
                    if (c == ' ')
                        replaced += kMetaspace;
                    else
                        replaced += c;
                }
                const bool startsWithMeta = replaced.rfind(kMetaspace, 0) == 0;
                if (!startsWithMeta && (prepend == Prepend::Always || (prepend == Prepend::First && piece.atStart)))
                    replaced.insert(0, kMetaspace);
                piece.text = std::move(replaced);
            }
            if (split)
                splitPieces(pieces, *regex, Behavior::MergedWithNext, false);
            return;
        }
        }
    }
};

PreTokenizer::PreTokenizer() = default;
PreTokenizer::~PreTokenizer() = default;
PreTokenizer::PreTokenizer(PreTokenizer&&) noexcept = default;
PreTokenizer& PreTokenizer::operator=(PreTokenizer&&) noexcept = default;

PreTokenizer PreTokenizer::fromJson(const nlohmann::json& json, const std::string& context)
{
    PreTokenizer p;
    if (!json.is_null())
        p.parseInto(json, context);
    return p;
}

PreTokenizer PreTokenizer::metaspace(bool prependFirst)
{
    PreTokenizer p;
    auto step = std::make_unique<Step>();
    step->kind = Step::Kind::Metaspace;
    step->prepend = prependFirst ? Step::Prepend::First : Step::Prepend::Never;
    step->split = false;
    p.m_steps.push_back(std::move(step));
    return p;
}

void PreTokenizer::apply(std::vector<Piece>& pieces) const
{
    for (const auto& step : m_steps)
        step->apply(pieces);
}

void PreTokenizer::parseInto(const nlohmann::json& json, const std::string& context, int depth)
{
    // Real files nest one Sequence; a bound keeps a hostile file from exhausting the stack.
    if (depth > 32)
        throw Error(context + ": Sequence nested more than 32 deep");
    const std::string type = jsonfields::typeOf(json, context);
    auto step = std::make_unique<Step>();
    if (type == "Sequence") {
        for (const auto& child : jsonfields::array(json, "pretokenizers", context))
            parseInto(child, context, depth + 1);
        return;
    }
    if (type == "ByteLevel") {
        step->kind = Step::Kind::ByteLevel;
        step->addPrefixSpace = jsonfields::boolean(json, "add_prefix_space", context, true);
        if (jsonfields::boolean(json, "use_regex", context, true))
            step->regex = std::make_unique<UnicodeRegex>(kGpt2Pattern, context);
    } else if (type == "Split") {
        step->kind = Step::Kind::Split;
        step->regex = std::make_unique<UnicodeRegex>(jsonfields::pattern(json, "pattern", context));
        step->behavior = parseBehavior(jsonfields::string(json, "behavior", context), context);
        step->invert = jsonfields::boolean(json, "invert", context, false);
    } else if (type == "Digits") {
        // `char::is_numeric` is the Unicode N category, one character per match.
        step->kind = Step::Kind::Split;
        step->regex = std::make_unique<UnicodeRegex>(R"(\p{N})", context);
        step->behavior = jsonfields::boolean(json, "individual_digits", context, false) ? Behavior::Isolated
                                                                                        : Behavior::Contiguous;
    } else if (type == "Metaspace") {
        step->kind = Step::Kind::Metaspace;
        const std::string replacement = jsonfields::optionalString(json, "replacement", context).value_or(kMetaspace);
        if (replacement != kMetaspace)
            throw Error(context + ": Metaspace replacement '" + replacement + "' is not supported (only U+2581)");
        const std::string scheme = jsonfields::optionalString(json, "prepend_scheme", context).value_or("always");
        if (scheme == "always")
            step->prepend = Step::Prepend::Always;
        else if (scheme == "first")
            step->prepend = Step::Prepend::First;
        else if (scheme == "never")
            step->prepend = Step::Prepend::Never;
        else
            throw Error(context + ": unknown Metaspace prepend_scheme '" + scheme + "'");
        if (json.contains("add_prefix_space") && json["add_prefix_space"].is_boolean() &&
            !json["add_prefix_space"].get<bool>())
            step->prepend = Step::Prepend::Never;
        step->split = jsonfields::boolean(json, "split", context, true);
        step->regex = std::make_unique<UnicodeRegex>(UnicodeRegex::literal(kMetaspace, context));
    } else if (type == "Whitespace") {
        // `\w+|[^\w\s]+`, kept as Isolated pieces of the inverted split.
        step->kind = Step::Kind::Split;
        step->regex = std::make_unique<UnicodeRegex>(R"(\w+|[^\w\s]+)", context);
        step->behavior = Behavior::Removed;
        step->invert = true;
    } else if (type == "WhitespaceSplit") {
        step->kind = Step::Kind::WhitespaceSplit;
        step->regex = std::make_unique<UnicodeRegex>(R"(\s)", context);
    } else {
        throw Error(context + ": pre-tokenizer type '" + type +
                    "' is not supported; supported: Sequence, ByteLevel, Split, Digits, Metaspace, Whitespace, "
                    "WhitespaceSplit");
    }
    m_steps.push_back(std::move(step));
}

} // namespace flatslice::core
