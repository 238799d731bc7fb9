// SPDX-License-Identifier: GPL-3.0-or-later
// One GGUF metadata value: a scalar, a string, or an array (of scalars, of strings, or of arrays).
//
// Accessors are strict: asking for a type the value does not hold throws Error naming both types (and the key,
// when the value came from a file). Integer accessors accept every integer type and range-check; float accessors
// accept FLOAT32 and FLOAT64 only. Arrays of numbers and bools are stored as their packed little-endian bytes (a
// 49k-entry token-type array stays 196 KB), strings in one vector, and array contents are shared between copies,
// so copying a value is cheap. Immutable once made; safe to read from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace flatslice::core {

// GGUF's value type ids, as stored in the file.
enum class GgufValueType : std::uint32_t {
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
};

// Whether `raw` names one of the types above.
bool ggufValueTypeKnown(std::uint32_t raw);

// The spec's spelling: "UINT8", ..., "STRING", "ARRAY", "FLOAT64"; "type 13" for an unknown id.
std::string ggufValueTypeName(GgufValueType type);

// Bytes of one scalar in the file (1 for UINT8/INT8/BOOL ... 8 for UINT64/INT64/FLOAT64); 0 for STRING and ARRAY.
std::size_t ggufScalarSize(GgufValueType type);

class GgufValue {
public:
    GgufValue(); // UINT8 0; exists so that containers can hold values

    // Makers, used by the reader and by tests. Each throws Error if `type` does not fit the maker.
    static GgufValue makeUnsigned(GgufValueType type, std::uint64_t value); // UINT8..UINT64, value must fit
    static GgufValue makeSigned(GgufValueType type, std::int64_t value);    // INT8..INT64, value must fit
    static GgufValue makeFloat(GgufValueType type, double value);           // FLOAT32 (rounded) or FLOAT64
    static GgufValue makeBool(bool value);
    static GgufValue makeString(std::string value);
    // An array of a scalar type (numbers or BOOL) from its packed little-endian bytes, as in the file.
    static GgufValue makeScalarArray(GgufValueType elementType, std::vector<std::byte> packed);
    static GgufValue makeStringArray(std::vector<std::string> values);
    // An array of arrays; every element must be an array (their element types may differ).
    static GgufValue makeArrayOfArrays(std::vector<GgufValue> values);

    // A copy whose error messages say where the value came from, e.g. "model.gguf: key 'llama.block_count'".
    GgufValue withContext(std::string context) const;

    GgufValueType type() const { return m_type; }

    const std::string& asString() const;
    std::uint64_t asUInt() const; // any integer type; Error if negative
    std::int64_t asInt() const;   // any integer type; Error if above INT64_MAX
    double asFloat() const;       // FLOAT32 or FLOAT64
    bool asBool() const;

    bool isArray() const { return m_type == GgufValueType::Array; }
    GgufValueType arrayType() const;            // element type; Error if not an array
    std::size_t size() const;                   // element count; Error if not an array
    GgufValue element(std::size_t index) const; // any array; Error if out of range

    const std::vector<std::string>& asStringArray() const; // arrays of STRING
    std::vector<std::int64_t> asIntArray() const;          // arrays of any integer type, range-checked
    std::vector<double> asFloatArray() const;              // arrays of FLOAT32 or FLOAT64
    // Arrays of numbers or BOOL: their packed little-endian bytes, as a file stores them (the writer copies them
    // through unchanged). Error for arrays of strings or arrays, and for non-arrays.
    std::span<const std::byte> packedBytes() const;

    // For display: 42, -1.5, true, "text" (quoted, long strings cut), [1, 2, 3, ... (49152 items)].
    std::string toString() const;

private:
    struct ArrayData;
    using Storage =
        std::variant<std::uint64_t, std::int64_t, double, bool, std::string, std::shared_ptr<const ArrayData>>;

    GgufValue(GgufValueType type, Storage storage);
    const ArrayData& array() const;
    [[noreturn]] void throwMismatch(std::string_view wanted) const;
    std::string where() const;

    GgufValueType m_type = GgufValueType::UInt8;
    Storage m_storage;
    std::string m_context; // empty unless withContext() was called
};

} // namespace flatslice::core
