// SPDX-License-Identifier: GPL-3.0-or-later
// Checked field access for tokenizer.json parsing; internal to core/text.
//
// Every accessor throws Error("<context>: ...") naming the missing or mistyped field, so an untrusted file can
// never reach an unchecked nlohmann access (which would throw a message without the file's name).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "text/unicoderegex.h"

namespace flatslice::core::jsonfields {

// The object's "type" string.
std::string typeOf(const nlohmann::json& json, const std::string& context);
const nlohmann::json& array(const nlohmann::json& json, const char* key, const std::string& context);
std::string string(const nlohmann::json& json, const char* key, const std::string& context);
// A missing or null field gives `fallback`.
bool boolean(const nlohmann::json& json, const char* key, const std::string& context, bool fallback = false);
std::optional<std::string> optionalString(const nlohmann::json& json, const char* key, const std::string& context);
std::int64_t integer(const nlohmann::json& json, const char* key, const std::string& context,
                     std::optional<std::int64_t> fallback = std::nullopt);
// A token id: an integer in [0, 2^24).
std::int32_t tokenId(const nlohmann::json& value, const std::string& context);
// A `{"String": s}` or `{"Regex": r}` pattern, compiled.
UnicodeRegex pattern(const nlohmann::json& json, const char* key, const std::string& context);

} // namespace flatslice::core::jsonfields
