// SPDX-License-Identifier: GPL-3.0-or-later
#include "text/jsonfields.h"

#include "util/error.h"

namespace flatslice::core::jsonfields {

namespace {

const nlohmann::json* find(const nlohmann::json& json, const char* key, const std::string& context)
{
    if (!json.is_object())
        throw Error(context + ": expected an object, found " + json.type_name());
    const auto it = json.find(key);
    return it == json.end() || it->is_null() ? nullptr : &*it;
}

const nlohmann::json& require(const nlohmann::json& json, const char* key, const std::string& context)
{
    const nlohmann::json* value = find(json, key, context);
    if (!value)
        throw Error(context + ": missing field '" + key + "'");
    return *value;
}

} // namespace

std::string typeOf(const nlohmann::json& json, const std::string& context)
{
    return string(json, "type", context);
}

const nlohmann::json& array(const nlohmann::json& json, const char* key, const std::string& context)
{
    const nlohmann::json& value = require(json, key, context);
    if (!value.is_array())
        throw Error(context + ": field '" + key + "' must be an array, found " + value.type_name());
    return value;
}

std::string string(const nlohmann::json& json, const char* key, const std::string& context)
{
    const nlohmann::json& value = require(json, key, context);
    if (!value.is_string())
        throw Error(context + ": field '" + key + "' must be a string, found " + value.type_name());
    return value.get<std::string>();
}

bool boolean(const nlohmann::json& json, const char* key, const std::string& context, bool fallback)
{
    const nlohmann::json* value = find(json, key, context);
    if (!value)
        return fallback;
    if (!value->is_boolean())
        throw Error(context + ": field '" + key + "' must be true or false, found " + value->type_name());
    return value->get<bool>();
}

std::optional<std::string> optionalString(const nlohmann::json& json, const char* key, const std::string& context)
{
    const nlohmann::json* value = find(json, key, context);
    if (!value)
        return std::nullopt;
    if (!value->is_string())
        throw Error(context + ": field '" + key + "' must be a string, found " + value->type_name());
    return value->get<std::string>();
}

std::int64_t integer(const nlohmann::json& json, const char* key, const std::string& context,
                     std::optional<std::int64_t> fallback)
{
    const nlohmann::json* value = find(json, key, context);
    if (!value) {
        if (fallback)
            return *fallback;
        throw Error(context + ": missing field '" + key + "'");
    }
    if (!value->is_number_integer())
        throw Error(context + ": field '" + key + "' must be an integer, found " + value->type_name());
    return value->get<std::int64_t>();
}

std::int32_t tokenId(const nlohmann::json& value, const std::string& context)
{
    // 2^24 is far above any real vocabulary (the largest are ~260k) and keeps id -> token tables allocatable.
    constexpr std::int64_t kMaxId = std::int64_t{1} << 24;
    if (!value.is_number_integer())
        throw Error(context + ": token id must be an integer, found " + value.dump());
    const std::int64_t id = value.is_number_unsigned() && value.get<std::uint64_t>() > std::uint64_t(kMaxId)
                                ? kMaxId
                                : value.get<std::int64_t>();
    if (id < 0 || id >= kMaxId)
        throw Error(context + ": token id " + value.dump() + " is out of range [0, " + std::to_string(kMaxId) + ")");
    return static_cast<std::int32_t>(id);
}

UnicodeRegex pattern(const nlohmann::json& json, const char* key, const std::string& context)
{
    const nlohmann::json& value = require(json, key, context);
    if (value.is_object()) {
        if (const auto it = value.find("Regex"); it != value.end() && it->is_string())
            return UnicodeRegex(it->get<std::string>(), context);
        if (const auto it = value.find("String"); it != value.end() && it->is_string())
            return UnicodeRegex::literal(it->get<std::string>(), context);
    }
    throw Error(context + ": field '" + key + "' must be {\"String\": ...} or {\"Regex\": ...}, found " +
                value.dump().substr(0, 80));
}

} // namespace flatslice::core::jsonfields
