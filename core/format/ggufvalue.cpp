// SPDX-License-Identifier: GPL-3.0-or-later
#include "format/ggufvalue.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "util/error.h"

namespace flatslice::core {

static_assert(std::endian::native == std::endian::little, "GGUF arrays are kept as little-endian bytes");

struct GgufValue::ArrayData {
    GgufValueType elementType = GgufValueType::UInt8;
    std::size_t count = 0;
    std::vector<std::byte> packed;    // numbers and bools, exactly as in the file
    std::vector<std::string> strings; // STRING elements
    std::vector<GgufValue> arrays;    // ARRAY elements
};

namespace {

constexpr std::size_t kShownElements = 8; // array elements toString() prints before "..."
constexpr std::size_t kShownChars = 200;  // string bytes toString() prints before "..."

bool isUnsignedType(GgufValueType type)
{
    return type == GgufValueType::UInt8 || type == GgufValueType::UInt16 || type == GgufValueType::UInt32 ||
           type == GgufValueType::UInt64;
}

bool isSignedType(GgufValueType type)
{
    return type == GgufValueType::Int8 || type == GgufValueType::Int16 || type == GgufValueType::Int32 ||
           type == GgufValueType::Int64;
}

bool isFloatType(GgufValueType type)
{
    return type == GgufValueType::Float32 || type == GgufValueType::Float64;
}

template <typename T>
T load(const std::byte* p)
{
    T value{};
    std::memcpy(&value, p, sizeof(T));
    return value;
}

// Integer element `index` of a packed array, widened. Unsigned values come back in `u`, signed in `s`.
struct WideInt {
    bool isSigned = false;
    std::uint64_t u = 0;
    std::int64_t s = 0;
};

WideInt loadInt(GgufValueType type, const std::byte* p)
{
    switch (type) {
    case GgufValueType::UInt8: return {false, load<std::uint8_t>(p), 0};
    case GgufValueType::UInt16: return {false, load<std::uint16_t>(p), 0};
    case GgufValueType::UInt32: return {false, load<std::uint32_t>(p), 0};
    case GgufValueType::UInt64: return {false, load<std::uint64_t>(p), 0};
    case GgufValueType::Int8: return {true, 0, load<std::int8_t>(p)};
    case GgufValueType::Int16: return {true, 0, load<std::int16_t>(p)};
    case GgufValueType::Int32: return {true, 0, load<std::int32_t>(p)};
    case GgufValueType::Int64: return {true, 0, load<std::int64_t>(p)};
    default: return {};
    }
}

double loadFloat(GgufValueType type, const std::byte* p)
{
    return type == GgufValueType::Float32 ? static_cast<double>(load<float>(p)) : load<double>(p);
}

// Shortest round-trip digits; plain notation for everyday magnitudes (rope.freq_base 100000, not 1e+05).
std::string formatDouble(double value, bool asFloat32)
{
    const double magnitude = std::fabs(value);
    const auto format = (magnitude == 0 || (magnitude >= 1e-4 && magnitude < 1e15)) ? std::chars_format::fixed
                                                                                    : std::chars_format::scientific;
    std::array<char, 64> buffer{}; // enough for either notation in the ranges chosen above
    char* const first = buffer.data();
    char* const last = first + buffer.size();
    const auto result = asFloat32 ? std::to_chars(first, last, static_cast<float>(value), format)
                                  : std::to_chars(first, last, value, format);
    return std::string(first, result.ptr); // inf and nan come out as "inf", "-inf", "nan"
}

std::string quote(const std::string& text)
{
    std::size_t shown = std::min(text.size(), kShownChars);
    while (shown < text.size() && shown > 0 && (static_cast<unsigned char>(text[shown]) & 0xc0u) == 0x80u)
        --shown; // do not cut a UTF-8 sequence in half
    std::string out = "\"";
    for (std::size_t i = 0; i < shown; ++i) {
        const char c = text[i];
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                constexpr std::string_view hex = "0123456789abcdef";
                out += "\\x";
                out += hex[static_cast<unsigned char>(c) >> 4];
                out += hex[static_cast<unsigned char>(c) & 0xf];
            } else {
                out += c;
            }
        }
    }
    out += '"';
    if (shown < text.size())
        out += "... (" + std::to_string(text.size()) + " bytes)";
    return out;
}

} // namespace

bool ggufValueTypeKnown(std::uint32_t raw)
{
    return raw <= static_cast<std::uint32_t>(GgufValueType::Float64);
}

std::string ggufValueTypeName(GgufValueType type)
{
    switch (type) {
    case GgufValueType::UInt8: return "UINT8";
    case GgufValueType::Int8: return "INT8";
    case GgufValueType::UInt16: return "UINT16";
    case GgufValueType::Int16: return "INT16";
    case GgufValueType::UInt32: return "UINT32";
    case GgufValueType::Int32: return "INT32";
    case GgufValueType::Float32: return "FLOAT32";
    case GgufValueType::Bool: return "BOOL";
    case GgufValueType::String: return "STRING";
    case GgufValueType::Array: return "ARRAY";
    case GgufValueType::UInt64: return "UINT64";
    case GgufValueType::Int64: return "INT64";
    case GgufValueType::Float64: return "FLOAT64";
    }
    return "type " + std::to_string(static_cast<std::uint32_t>(type));
}

std::size_t ggufScalarSize(GgufValueType type)
{
    switch (type) {
    case GgufValueType::UInt8:
    case GgufValueType::Int8:
    case GgufValueType::Bool: return 1;
    case GgufValueType::UInt16:
    case GgufValueType::Int16: return 2;
    case GgufValueType::UInt32:
    case GgufValueType::Int32:
    case GgufValueType::Float32: return 4;
    case GgufValueType::UInt64:
    case GgufValueType::Int64:
    case GgufValueType::Float64: return 8;
    case GgufValueType::String:
    case GgufValueType::Array: return 0;
    }
    return 0;
}

GgufValue::GgufValue() : m_storage(std::in_place_type<std::uint64_t>, 0) {}

GgufValue::GgufValue(GgufValueType type, Storage storage) : m_type(type), m_storage(std::move(storage)) {}

GgufValue GgufValue::makeUnsigned(GgufValueType type, std::uint64_t value)
{
    if (!isUnsignedType(type))
        throw Error("cannot make a GGUF " + ggufValueTypeName(type) + " from an unsigned integer");
    const unsigned bits = static_cast<unsigned>(ggufScalarSize(type) * 8);
    if (bits < 64 && value >> bits != 0)
        throw Error("value " + std::to_string(value) + " does not fit GGUF " + ggufValueTypeName(type));
    return GgufValue(type, Storage(std::in_place_type<std::uint64_t>, value));
}

GgufValue GgufValue::makeSigned(GgufValueType type, std::int64_t value)
{
    if (!isSignedType(type))
        throw Error("cannot make a GGUF " + ggufValueTypeName(type) + " from a signed integer");
    const unsigned bits = static_cast<unsigned>(ggufScalarSize(type) * 8);
    if (bits < 64) {
        const std::int64_t limit = std::int64_t{1} << (bits - 1);
        if (value < -limit || value >= limit)
            throw Error("value " + std::to_string(value) + " does not fit GGUF " + ggufValueTypeName(type));
    }
    return GgufValue(type, Storage(std::in_place_type<std::int64_t>, value));
}

GgufValue GgufValue::makeFloat(GgufValueType type, double value)
{
    if (!isFloatType(type))
        throw Error("cannot make a GGUF " + ggufValueTypeName(type) + " from a floating-point number");
    if (type == GgufValueType::Float32)
        value = static_cast<double>(static_cast<float>(value)); // what the file can hold
    return GgufValue(type, Storage(std::in_place_type<double>, value));
}

GgufValue GgufValue::makeBool(bool value)
{
    return GgufValue(GgufValueType::Bool, Storage(std::in_place_type<bool>, value));
}

GgufValue GgufValue::makeString(std::string value)
{
    return GgufValue(GgufValueType::String, Storage(std::in_place_type<std::string>, std::move(value)));
}

GgufValue GgufValue::makeScalarArray(GgufValueType elementType, std::vector<std::byte> packed)
{
    const std::size_t size = ggufScalarSize(elementType);
    if (size == 0)
        throw Error("a packed GGUF array cannot hold " + ggufValueTypeName(elementType) + " elements");
    if (packed.size() % size != 0)
        throw Error("a packed GGUF array of " + ggufValueTypeName(elementType) + " cannot be " +
                    std::to_string(packed.size()) + " bytes long");
    auto data = std::make_shared<ArrayData>();
    data->elementType = elementType;
    data->count = packed.size() / size;
    data->packed = std::move(packed);
    return GgufValue(GgufValueType::Array, Storage(std::shared_ptr<const ArrayData>(std::move(data))));
}

GgufValue GgufValue::makeStringArray(std::vector<std::string> values)
{
    auto data = std::make_shared<ArrayData>();
    data->elementType = GgufValueType::String;
    data->count = values.size();
    data->strings = std::move(values);
    return GgufValue(GgufValueType::Array, Storage(std::shared_ptr<const ArrayData>(std::move(data))));
}

GgufValue GgufValue::makeArrayOfArrays(std::vector<GgufValue> values)
{
    for (std::size_t i = 0; i < values.size(); ++i)
        if (!values[i].isArray())
            throw Error("element " + std::to_string(i) + " of a GGUF array of arrays is " +
                        ggufValueTypeName(values[i].type()) + ", not ARRAY");
    auto data = std::make_shared<ArrayData>();
    data->elementType = GgufValueType::Array;
    data->count = values.size();
    data->arrays = std::move(values);
    return GgufValue(GgufValueType::Array, Storage(std::shared_ptr<const ArrayData>(std::move(data))));
}

GgufValue GgufValue::withContext(std::string context) const
{
    GgufValue copy = *this;
    copy.m_context = std::move(context);
    return copy;
}

std::string GgufValue::where() const
{
    return m_context.empty() ? std::string("GGUF value") : m_context;
}

void GgufValue::throwMismatch(std::string_view wanted) const
{
    std::string actual = ggufValueTypeName(m_type);
    if (isArray())
        actual += " of " + ggufValueTypeName(array().elementType);
    throw Error(where() + " is " + actual + ", not " + std::string(wanted));
}

const GgufValue::ArrayData& GgufValue::array() const
{
    return *std::get<std::shared_ptr<const ArrayData>>(m_storage);
}

const std::string& GgufValue::asString() const
{
    if (m_type != GgufValueType::String)
        throwMismatch("STRING");
    return std::get<std::string>(m_storage);
}

std::uint64_t GgufValue::asUInt() const
{
    if (isUnsignedType(m_type))
        return std::get<std::uint64_t>(m_storage);
    if (isSignedType(m_type)) {
        const auto value = std::get<std::int64_t>(m_storage);
        if (value < 0)
            throw Error(where() + " is " + ggufValueTypeName(m_type) + " " + std::to_string(value) +
                        ", expected a non-negative integer");
        return static_cast<std::uint64_t>(value);
    }
    throwMismatch("an integer");
}

std::int64_t GgufValue::asInt() const
{
    if (isSignedType(m_type))
        return std::get<std::int64_t>(m_storage);
    if (isUnsignedType(m_type)) {
        const auto value = std::get<std::uint64_t>(m_storage);
        if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            throw Error(where() + " is " + ggufValueTypeName(m_type) + " " + std::to_string(value) +
                        ", too large for a signed 64-bit integer");
        return static_cast<std::int64_t>(value);
    }
    throwMismatch("an integer");
}

double GgufValue::asFloat() const
{
    if (!isFloatType(m_type))
        throwMismatch("FLOAT32 or FLOAT64");
    return std::get<double>(m_storage);
}

bool GgufValue::asBool() const
{
    if (m_type != GgufValueType::Bool)
        throwMismatch("BOOL");
    return std::get<bool>(m_storage);
}

GgufValueType GgufValue::arrayType() const
{
    if (!isArray())
        throwMismatch("ARRAY");
    return array().elementType;
}

std::size_t GgufValue::size() const
{
    if (!isArray())
        throwMismatch("ARRAY");
    return array().count;
}

std::span<const std::byte> GgufValue::packedBytes() const
{
    if (!isArray())
        throwMismatch("ARRAY");
    const ArrayData& data = array();
    if (data.elementType == GgufValueType::String || data.elementType == GgufValueType::Array)
        throw Error(where() + ": an array of " + ggufValueTypeName(data.elementType) + " has no packed bytes");
    return data.packed;
}

GgufValue GgufValue::element(std::size_t index) const
{
    if (!isArray())
        throwMismatch("ARRAY");
    const ArrayData& data = array();
    if (index >= data.count)
        throw Error(where() + ": index " + std::to_string(index) + " is out of range for an array of " +
                    std::to_string(data.count));
    GgufValue out;
    const GgufValueType type = data.elementType;
    if (type == GgufValueType::String) {
        out = makeString(data.strings[index]);
    } else if (type == GgufValueType::Array) {
        out = data.arrays[index];
    } else {
        const std::byte* p = data.packed.data() + index * ggufScalarSize(type);
        if (type == GgufValueType::Bool) {
            out = makeBool(load<std::uint8_t>(p) != 0);
        } else if (isFloatType(type)) {
            out = GgufValue(type, Storage(std::in_place_type<double>, loadFloat(type, p)));
        } else {
            const WideInt value = loadInt(type, p);
            out = value.isSigned ? GgufValue(type, Storage(std::in_place_type<std::int64_t>, value.s))
                                 : GgufValue(type, Storage(std::in_place_type<std::uint64_t>, value.u));
        }
    }
    if (!m_context.empty())
        out.m_context = m_context + "[" + std::to_string(index) + "]";
    return out;
}

const std::vector<std::string>& GgufValue::asStringArray() const
{
    if (!isArray() || array().elementType != GgufValueType::String)
        throwMismatch("ARRAY of STRING");
    return array().strings;
}

std::vector<std::int64_t> GgufValue::asIntArray() const
{
    if (!isArray() || !(isUnsignedType(array().elementType) || isSignedType(array().elementType)))
        throwMismatch("ARRAY of integers");
    const ArrayData& data = array();
    const std::size_t size = ggufScalarSize(data.elementType);
    std::vector<std::int64_t> out(data.count);
    for (std::size_t i = 0; i < data.count; ++i) {
        const WideInt value = loadInt(data.elementType, data.packed.data() + i * size);
        if (value.isSigned) {
            out[i] = value.s;
        } else if (value.u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            throw Error(where() + ": element " + std::to_string(i) + " is " + std::to_string(value.u) +
                        ", too large for a signed 64-bit integer");
        } else {
            out[i] = static_cast<std::int64_t>(value.u);
        }
    }
    return out;
}

std::vector<double> GgufValue::asFloatArray() const
{
    if (!isArray() || !isFloatType(array().elementType))
        throwMismatch("ARRAY of FLOAT32 or FLOAT64");
    const ArrayData& data = array();
    const std::size_t size = ggufScalarSize(data.elementType);
    std::vector<double> out(data.count);
    for (std::size_t i = 0; i < data.count; ++i)
        out[i] = loadFloat(data.elementType, data.packed.data() + i * size);
    return out;
}

std::string GgufValue::toString() const
{
    switch (m_type) {
    case GgufValueType::String: return quote(std::get<std::string>(m_storage));
    case GgufValueType::Bool: return std::get<bool>(m_storage) ? "true" : "false";
    case GgufValueType::Float32:
    case GgufValueType::Float64: return formatDouble(std::get<double>(m_storage), m_type == GgufValueType::Float32);
    case GgufValueType::Array: {
        const ArrayData& data = array();
        std::string out = "[";
        const std::size_t shown = std::min(data.count, kShownElements);
        for (std::size_t i = 0; i < shown; ++i) {
            if (i > 0)
                out += ", ";
            out += element(i).toString();
        }
        if (shown < data.count)
            out += ", ... (" + std::to_string(data.count) + " items)";
        return out + "]";
    }
    default:
        if (isSignedType(m_type))
            return std::to_string(std::get<std::int64_t>(m_storage));
        return std::to_string(std::get<std::uint64_t>(m_storage));
    }
}

} // namespace flatslice::core
