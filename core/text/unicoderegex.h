// SPDX-License-Identifier: GPL-3.0-or-later
// A compiled Unicode regular expression (PCRE2 in UTF + UCP mode, JIT when available); internal to core/text.
//
// Hugging Face `tokenizers` runs its pre-tokenizer patterns through Oniguruma; `std::regex` cannot match `\p{L}`.
// PCRE2 accepts the same syntax for every pattern real tokenizer files use (`\p{L}`, `\p{N}`, `(?i:...)`,
// `\s+(?!\S)`). `findAll` reproduces the Rust `onig` crate's `find_iter` (how empty matches advance).
//
// Thread-safety: construction is not; `findAll` is const and safe from any number of threads.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flatslice::core {

class UnicodeRegex {
public:
    // Throws Error("<context>: invalid regex '<pattern>': <PCRE2 message> at offset N").
    UnicodeRegex(const std::string& pattern, const std::string& context);
    // A pattern matching `literal` exactly (what `tokenizers` builds from a `{"String": ...}` pattern).
    static UnicodeRegex literal(const std::string& literal, const std::string& context);
    ~UnicodeRegex();
    UnicodeRegex(UnicodeRegex&&) noexcept;
    UnicodeRegex& operator=(UnicodeRegex&&) noexcept;

    const std::string& pattern() const { return m_pattern; }

    // Appends the byte ranges [begin, end) of successive non-overlapping matches in `text` (valid UTF-8).
    void findAll(std::string_view text, std::vector<std::pair<std::size_t, std::size_t>>& matches) const;

private:
    struct Impl;
    std::string m_pattern;
    std::unique_ptr<Impl> m_impl;
};

} // namespace flatslice::core
