// SPDX-License-Identifier: GPL-3.0-or-later
// Unicode normalization form C, as the `NFC` normalizer of Hugging Face `tokenizers` (Qwen2/Qwen3 use it);
// internal to core/text.
//
// Tables are generated from Python's `unicodedata` (see unicodetables.inc). Text that passes the NFC quick check
// (all ASCII, most real text) is returned unchanged without decoding. Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace flatslice::core {

// `text` (valid UTF-8) in NFC.
std::string toNfc(std::string_view text);

} // namespace flatslice::core
