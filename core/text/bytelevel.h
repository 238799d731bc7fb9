// SPDX-License-Identifier: GPL-3.0-or-later
// GPT-2's byte <-> printable character mapping, used by the ByteLevel pre-tokenizer, normalizer and decoder;
// internal to core/text. Immutable tables, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace flatslice::core::bytelevel {

// Appends the byte-level spelling of every byte of `text` (each byte becomes one character, 1 or 2 UTF-8 bytes).
void appendEncoded(std::string& out, std::string_view text);

// The byte a byte-level character stands for, or nullopt for any other character.
std::optional<unsigned char> byteOf(char32_t cp);

} // namespace flatslice::core::bytelevel
