// SPDX-License-Identifier: GPL-3.0-or-later
// UTF-8 helpers for the tokenizer (internal to core/text).
//
// The tokenizer works on bytes that must be valid UTF-8, as Rust's `&str` in Hugging Face `tokenizers` always
// is. `sanitizeUtf8` turns arbitrary bytes into valid UTF-8 the way Rust's `String::from_utf8_lossy` and
// Python's `errors="replace"` do (one U+FFFD per maximal invalid subpart), so decoding stays byte-exact with HF.
// All functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace flatslice::core::utf8 {

// Length of the valid UTF-8 sequence starting at `pos`, or 0 if the bytes there are not valid UTF-8. `invalidLength`
// (when non-null) receives the length of the maximal invalid subpart (1..3) in that case.
std::size_t validSequenceLength(std::string_view s, std::size_t pos, std::size_t* invalidLength = nullptr);

bool isValid(std::string_view s);

// `s` with each maximal invalid subpart replaced by U+FFFD (unchanged when already valid).
std::string sanitize(std::string_view s);

// Decodes the code point at `pos` of valid UTF-8 and advances `pos` past it.
char32_t next(std::string_view s, std::size_t& pos);

// Number of bytes of the character whose lead byte is `lead` (valid UTF-8 assumed).
inline std::size_t charLength(unsigned char lead)
{
    return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

void append(std::string& out, char32_t cp);

// Rust's `char::is_whitespace` (the Unicode White_Space property).
bool isWhitespace(char32_t cp);

} // namespace flatslice::core::utf8
