// SPDX-License-Identifier: GPL-3.0-or-later
#include "text/unicoderegex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "text/utf8.h"
#include "util/error.h"

namespace flatslice::core {

namespace {

// One match-data block per thread, reused across calls and patterns: we only ever read group 0.
struct MatchData {
    pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
    ~MatchData() { pcre2_match_data_free(data); }
};

pcre2_match_data* threadMatchData()
{
    thread_local MatchData matchData;
    return matchData.data;
}

std::string pcre2Message(int code)
{
    PCRE2_UCHAR buffer[256];
    if (pcre2_get_error_message(code, buffer, sizeof buffer) < 0)
        return "error " + std::to_string(code);
    return reinterpret_cast<const char*>(buffer);
}

} // namespace

struct UnicodeRegex::Impl {
    pcre2_code* code = nullptr;
    ~Impl() { pcre2_code_free(code); }
};

UnicodeRegex::UnicodeRegex(const std::string& pattern, const std::string& context)
    : m_pattern(pattern), m_impl(std::make_unique<Impl>())
{
    int errorCode = 0;
    PCRE2_SIZE errorOffset = 0;
    // UTF + UCP: \s, \w, \d and POSIX classes follow Unicode properties, as in Oniguruma. NO_UTF_CHECK at match
    // time is safe because the tokenizer sanitizes its input first.
    m_impl->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), PCRE2_UTF | PCRE2_UCP,
                                 &errorCode, &errorOffset, nullptr);
    if (!m_impl->code)
        throw Error(context + ": invalid regex '" + pattern + "': " + pcre2Message(errorCode) + " at offset " +
                    std::to_string(errorOffset));
    // JIT is an optimisation only; without it (unsupported CPU, no executable memory) the interpreter runs.
    pcre2_jit_compile(m_impl->code, PCRE2_JIT_COMPLETE);
}

UnicodeRegex UnicodeRegex::literal(const std::string& literal, const std::string& context)
{
    // \Q...\E quotes everything except a literal "\E", which we split around.
    std::string quoted;
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = literal.find("\\E", start);
        quoted += "\\Q" + literal.substr(start, end == std::string::npos ? std::string::npos : end - start) + "\\E";
        if (end == std::string::npos)
            break;
        quoted += "\\\\E";
        start = end + 2;
    }
    return UnicodeRegex(quoted, context);
}

UnicodeRegex::~UnicodeRegex() = default;
UnicodeRegex::UnicodeRegex(UnicodeRegex&&) noexcept = default;
UnicodeRegex& UnicodeRegex::operator=(UnicodeRegex&&) noexcept = default;

void UnicodeRegex::findAll(std::string_view text, std::vector<std::pair<std::size_t, std::size_t>>& matches) const
{
    pcre2_match_data* data = threadMatchData();
    const auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    std::size_t searchFrom = 0;
    bool haveLast = false;
    std::size_t lastEnd = 0;
    while (searchFrom <= text.size()) {
        int rc = pcre2_match(m_impl->code, subject, text.size(), searchFrom, PCRE2_NO_UTF_CHECK, data, nullptr);
        if (rc == PCRE2_ERROR_JIT_STACKLIMIT) // pathological backtracking: the interpreter keeps its stack on the heap
            rc = pcre2_match(m_impl->code, subject, text.size(), searchFrom, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, data,
                             nullptr);
        if (rc == PCRE2_ERROR_NOMATCH)
            return;
        if (rc < 0)
            throw Error("regex '" + m_pattern + "': " + pcre2Message(rc));
        const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data);
        const std::size_t begin = ovector[0], end = ovector[1];
        // As the `onig` crate: an empty match right where the previous match ended is skipped by one character.
        if (begin == end && haveLast && lastEnd == end) {
            if (searchFrom >= text.size())
                return;
            searchFrom += utf8::charLength(static_cast<unsigned char>(text[searchFrom]));
            continue;
        }
        searchFrom = end;
        haveLast = true;
        lastEnd = end;
        matches.emplace_back(begin, end);
    }
}

} // namespace flatslice::core
