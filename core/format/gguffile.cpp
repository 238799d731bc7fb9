// SPDX-License-Identifier: GPL-3.0-or-later
#include "format/gguffile.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <map>
#include <numeric>
#include <optional>

#include "format/ggufdequant.h"
#include "util/error.h"
#include "util/mappedfile.h"

namespace flatslice::core {

static_assert(std::endian::native == std::endian::little, "GGUF is read as little-endian");

namespace {

constexpr std::uint64_t kDefaultAlignment = 32;
constexpr int kMaxArrayDepth = 16;           // nested arrays deeper than this are a crafted file, not a model
constexpr std::size_t kMaxReserve = 1 << 16; // never pre-allocate more elements than this on a file's word
constexpr std::uint32_t kMaxDims = 4;        // GGML_MAX_DIMS

// Smallest possible encodings, used to reject counts the file cannot hold before looping over them.
constexpr std::uint64_t kMinKeyValueBytes = 8 + 4 + 1;           // key length, value type, one byte of value
constexpr std::uint64_t kMinTensorInfoBytes = 8 + 4 + 8 + 4 + 8; // name length, n_dims, one dim, type, offset
constexpr std::uint64_t kMinStringBytes = 8;
constexpr std::uint64_t kMinArrayBytes = 4 + 8; // element type, count

// A key or tensor name for an error message: quoted, control bytes escaped so that the message stays one line,
// and cut short if a corrupt file makes it enormous.
std::string inQuotes(std::string_view text)
{
    constexpr std::size_t kMaxShown = 120;
    constexpr std::string_view hex = "0123456789abcdef";
    std::string out = "'";
    for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7f)
            out += std::string("\\x") + hex[c >> 4] + hex[c & 0xf];
        else
            out += static_cast<char>(c);
    }
    if (text.size() > kMaxShown)
        out += "...";
    return out + "'";
}

std::string joinDims(const std::vector<std::uint64_t>& ne)
{
    std::string out = "[";
    for (std::size_t i = 0; i < ne.size(); ++i)
        out += (i ? ", " : "") + std::to_string(ne[i]);
    return out + "]";
}

std::string range(std::uint64_t begin, std::uint64_t end)
{
    return "[" + std::to_string(begin) + ", " + std::to_string(end) + ")";
}

// Bounds-checked little-endian cursor over the mapped bytes. Every read names what it reads, so a truncated file
// says which field ran out.
class Reader {
public:
    Reader(std::span<const std::byte> bytes, std::string file) : m_bytes(bytes), m_file(std::move(file)) {}

    std::uint64_t pos() const { return m_pos; }
    std::uint64_t remaining() const { return m_bytes.size() - m_pos; }
    const std::string& file() const { return m_file; }

    [[noreturn]] void fail(const std::string& message) const { throw Error(m_file + ": " + message); }

    std::span<const std::byte> take(std::uint64_t n, const std::string& what)
    {
        if (n > remaining())
            fail("truncated at byte " + std::to_string(m_pos) + ": " + what + " needs " + std::to_string(n) +
                 " bytes, only " + std::to_string(remaining()) + " left");
        const auto out = m_bytes.subspan(m_pos, n);
        m_pos += n;
        return out;
    }

    template <typename T>
    T read(const std::string& what)
    {
        T value{};
        std::memcpy(&value, take(sizeof(T), what).data(), sizeof(T));
        return value;
    }

    std::string readString(const std::string& what)
    {
        const auto at = m_pos;
        const auto length = read<std::uint64_t>(what + " length");
        if (length > remaining())
            fail(what + ": string length " + std::to_string(length) + " at byte " + std::to_string(at) +
                 " runs past the end of the file (" + std::to_string(remaining()) + " bytes left)");
        const auto bytes = take(length, what);
        return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    }

private:
    std::span<const std::byte> m_bytes;
    std::string m_file;
    std::uint64_t m_pos = 0;
};

GgufValueType readValueType(Reader& reader, const std::string& what)
{
    const auto raw = reader.read<std::uint32_t>(what + " value type");
    if (!ggufValueTypeKnown(raw))
        reader.fail(what + " has unknown value type " + std::to_string(raw) + " (GGUF defines 0 to 12)");
    return static_cast<GgufValueType>(raw);
}

bool readBool(Reader& reader, const std::string& what)
{
    const auto byte = reader.read<std::uint8_t>(what);
    if (byte > 1)
        reader.fail(what + " is a BOOL holding " + std::to_string(byte) + ", not 0 or 1");
    return byte == 1;
}

GgufValue readValue(Reader& reader, GgufValueType type, const std::string& what, int depth);

GgufValue readArray(Reader& reader, const std::string& what, int depth)
{
    if (depth > kMaxArrayDepth)
        reader.fail(what + ": arrays nested deeper than " + std::to_string(kMaxArrayDepth) + " levels");
    const GgufValueType elementType = readValueType(reader, what + " array element");
    const auto countAt = reader.pos();
    const auto count = reader.read<std::uint64_t>(what + " array length");
    const auto tooLong = [&](std::uint64_t minBytesEach) {
        reader.fail(what + ": array of " + std::to_string(count) + " " + ggufValueTypeName(elementType) + " at byte " +
                    std::to_string(countAt) + " needs at least " + std::to_string(minBytesEach) +
                    " bytes each, but only " + std::to_string(reader.remaining()) + " bytes are left in the file");
    };

    if (const std::uint64_t size = ggufScalarSize(elementType); size > 0) {
        if (count > reader.remaining() / size)
            tooLong(size);
        const auto bytes = reader.take(count * size, what + " array data");
        if (elementType == GgufValueType::Bool)
            for (std::size_t i = 0; i < bytes.size(); ++i)
                if (static_cast<std::uint8_t>(bytes[i]) > 1)
                    reader.fail(what + "[" + std::to_string(i) + "] is a BOOL holding " +
                                std::to_string(static_cast<std::uint8_t>(bytes[i])) + ", not 0 or 1");
        return GgufValue::makeScalarArray(elementType, std::vector<std::byte>(bytes.begin(), bytes.end()));
    }
    if (elementType == GgufValueType::String) {
        if (count > reader.remaining() / kMinStringBytes)
            tooLong(kMinStringBytes);
        std::vector<std::string> strings;
        strings.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(count, kMaxReserve)));
        for (std::uint64_t i = 0; i < count; ++i)
            strings.push_back(reader.readString(what + "[" + std::to_string(i) + "]"));
        return GgufValue::makeStringArray(std::move(strings));
    }
    if (count > reader.remaining() / kMinArrayBytes)
        tooLong(kMinArrayBytes);
    std::vector<GgufValue> arrays;
    arrays.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(count, kMaxReserve)));
    for (std::uint64_t i = 0; i < count; ++i)
        arrays.push_back(readArray(reader, what + "[" + std::to_string(i) + "]", depth + 1));
    return GgufValue::makeArrayOfArrays(std::move(arrays));
}

GgufValue readValue(Reader& reader, GgufValueType type, const std::string& what, int depth)
{
    switch (type) {
    case GgufValueType::UInt8: return GgufValue::makeUnsigned(type, reader.read<std::uint8_t>(what));
    case GgufValueType::UInt16: return GgufValue::makeUnsigned(type, reader.read<std::uint16_t>(what));
    case GgufValueType::UInt32: return GgufValue::makeUnsigned(type, reader.read<std::uint32_t>(what));
    case GgufValueType::UInt64: return GgufValue::makeUnsigned(type, reader.read<std::uint64_t>(what));
    case GgufValueType::Int8: return GgufValue::makeSigned(type, reader.read<std::int8_t>(what));
    case GgufValueType::Int16: return GgufValue::makeSigned(type, reader.read<std::int16_t>(what));
    case GgufValueType::Int32: return GgufValue::makeSigned(type, reader.read<std::int32_t>(what));
    case GgufValueType::Int64: return GgufValue::makeSigned(type, reader.read<std::int64_t>(what));
    case GgufValueType::Float32: return GgufValue::makeFloat(type, reader.read<float>(what));
    case GgufValueType::Float64: return GgufValue::makeFloat(type, reader.read<double>(what));
    case GgufValueType::Bool: return GgufValue::makeBool(readBool(reader, what));
    case GgufValueType::String: return GgufValue::makeString(reader.readString(what));
    case GgufValueType::Array: return readArray(reader, what, depth);
    }
    reader.fail(what + " has unknown value type " + std::to_string(static_cast<std::uint32_t>(type)));
}

// a * b, or nullopt on overflow.
std::optional<std::uint64_t> checkedMul(std::uint64_t a, std::uint64_t b)
{
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a)
        return std::nullopt;
    return a * b;
}

} // namespace

struct GgufFile::Impl {
    std::shared_ptr<const MappedFile> file;
    std::filesystem::path path;
    std::uint32_t version = 0;
    std::uint64_t alignment = kDefaultAlignment;
    std::uint64_t dataOffset = 0;
    std::vector<GgufKeyValue> metadata;
    std::map<std::string, std::size_t, std::less<>> keyIndex;
    std::vector<GgufTensorInfo> tensors;
    std::map<std::string, std::size_t, std::less<>> tensorIndex;
};

GgufFile::GgufFile(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}

GgufFile GgufFile::open(const std::filesystem::path& path)
{
    auto impl = std::make_shared<Impl>();
    impl->file = MappedFile::open(path);
    impl->path = path;
    const auto bytes = impl->file->bytes();
    Reader reader(bytes, path.string());

    // Header: magic, version, tensor count, key count.
    if (bytes.size() >= 4 && std::memcmp(bytes.data(), "GGUF", 4) != 0)
        reader.fail("bad magic " + inQuotes(std::string_view(reinterpret_cast<const char*>(bytes.data()), 4)) +
                    " (expected 'GGUF'): not a GGUF file");
    reader.take(4, "the magic 'GGUF'");
    impl->version = reader.read<std::uint32_t>("the GGUF version");
    if (impl->version == 1)
        reader.fail("GGUF version 1 is unsupported (it predates 64-bit lengths; only versions 2 and 3 are read)");
    if (impl->version == 0x02000000u || impl->version == 0x03000000u)
        reader.fail("big-endian GGUF files are unsupported");
    if (impl->version != 2 && impl->version != 3)
        reader.fail("unsupported GGUF version " + std::to_string(impl->version) + " (only versions 2 and 3 are read)");
    const auto tensorCount = reader.read<std::uint64_t>("the tensor count");
    const auto keyCount = reader.read<std::uint64_t>("the metadata key count");
    // Each key and each tensor info takes some minimum number of bytes; counts beyond what is left are lies.
    if (tensorCount > reader.remaining() / kMinTensorInfoBytes)
        reader.fail("tensor count " + std::to_string(tensorCount) + " cannot fit in the " +
                    std::to_string(reader.remaining()) + " bytes after the header (each tensor info takes at least " +
                    std::to_string(kMinTensorInfoBytes) + ")");
    if (keyCount > (reader.remaining() - tensorCount * kMinTensorInfoBytes) / kMinKeyValueBytes)
        reader.fail("metadata key count " + std::to_string(keyCount) + " cannot fit in the " +
                    std::to_string(reader.remaining()) + " bytes after the header (with " +
                    std::to_string(tensorCount) + " tensor infos)");

    // Metadata.
    impl->metadata.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(keyCount, kMaxReserve)));
    for (std::uint64_t i = 0; i < keyCount; ++i) {
        std::string key = reader.readString("metadata key #" + std::to_string(i));
        const std::string what = "key " + inQuotes(key);
        const GgufValueType type = readValueType(reader, what);
        GgufValue value = readValue(reader, type, what, 0).withContext(path.string() + ": " + what);
        if (impl->keyIndex.contains(key))
            reader.fail("duplicate metadata key " + inQuotes(key));
        impl->keyIndex.emplace(key, impl->metadata.size());
        impl->metadata.push_back({std::move(key), std::move(value)});
    }

    if (const auto it = impl->keyIndex.find("general.alignment"); it != impl->keyIndex.end()) {
        const GgufValue& value = impl->metadata[it->second].value;
        if (value.type() == GgufValueType::Array || value.type() == GgufValueType::String ||
            value.type() == GgufValueType::Bool || value.type() == GgufValueType::Float32 ||
            value.type() == GgufValueType::Float64)
            reader.fail("general.alignment is " + ggufValueTypeName(value.type()) + ", not an unsigned integer");
        const std::uint64_t alignment = value.asUInt();
        if (!std::has_single_bit(alignment))
            reader.fail("general.alignment " + std::to_string(alignment) + " is not a power of two");
        impl->alignment = alignment;
    }

    // Tensor infos.
    impl->tensors.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(tensorCount, kMaxReserve)));
    for (std::uint64_t i = 0; i < tensorCount; ++i) {
        GgufTensorInfo info;
        info.name = reader.readString("tensor #" + std::to_string(i) + " name");
        const std::string what = "tensor " + inQuotes(info.name);
        if (impl->tensorIndex.contains(info.name))
            reader.fail("duplicate tensor name " + inQuotes(info.name));

        const auto dims = reader.read<std::uint32_t>(what + " dimension count");
        if (dims == 0 || dims > kMaxDims)
            reader.fail(what + " has " + std::to_string(dims) + " dimensions (expected 1 to " +
                        std::to_string(kMaxDims) + ")");
        info.ne.resize(dims);
        for (std::uint32_t d = 0; d < dims; ++d)
            info.ne[d] = reader.read<std::uint64_t>(what + " ne[" + std::to_string(d) + "]");
        std::uint64_t elements = 1;
        for (std::uint32_t d = 0; d < dims; ++d) {
            if (info.ne[d] == 0)
                reader.fail(what + " has a zero dimension: ne = " + joinDims(info.ne));
            const auto product = checkedMul(elements, info.ne[d]);
            if (!product || *product > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                reader.fail(what + " dimensions ne = " + joinDims(info.ne) + " overflow a 64-bit element count");
            elements = *product;
        }
        info.shape.assign(info.ne.rbegin(), info.ne.rend());

        const auto rawType = reader.read<std::uint32_t>(what + " ggml type");
        if (!ggmlTypeKnown(rawType))
            reader.fail(what + " has unknown ggml type " + std::to_string(rawType));
        info.type = static_cast<GgmlType>(rawType);
        const std::uint64_t blockSize = ggmlBlockSize(info.type);
        // ggml quantizes row by row, so each row (ne[0]), not just the total, must be whole blocks.
        if (info.ne[0] % blockSize != 0)
            reader.fail(what + ": row length ne[0] = " + std::to_string(info.ne[0]) + " (element count " +
                        std::to_string(elements) + ") is not a multiple of " + ggmlTypeName(info.type) +
                        "'s block size " + std::to_string(blockSize));
        const auto nbytes = checkedMul(elements / blockSize, ggmlTypeSize(info.type));
        if (!nbytes)
            reader.fail(what + " of " + std::to_string(elements) + " " + ggmlTypeName(info.type) +
                        " elements overflows a 64-bit byte count");
        info.nbytes = *nbytes;

        info.offset = reader.read<std::uint64_t>(what + " offset");
        if (info.offset % impl->alignment != 0)
            reader.fail(what + " offset " + std::to_string(info.offset) + " is not a multiple of the alignment " +
                        std::to_string(impl->alignment));

        impl->tensorIndex.emplace(info.name, impl->tensors.size());
        impl->tensors.push_back(std::move(info));
    }

    // The data section starts at the next multiple of the alignment.
    const std::uint64_t fileSize = bytes.size();
    const std::uint64_t headerEnd = reader.pos();
    const std::uint64_t padding = (impl->alignment - headerEnd % impl->alignment) % impl->alignment;
    impl->dataOffset = headerEnd + std::min(padding, fileSize - headerEnd);
    if (!impl->tensors.empty() && padding > fileSize - headerEnd)
        reader.fail("tensor data should start at byte " + std::to_string(headerEnd) + " + " + std::to_string(padding) +
                    " bytes of padding, past the end of the " + std::to_string(fileSize) + "-byte file");
    const std::uint64_t dataSize = fileSize - impl->dataOffset;
    for (const auto& info : impl->tensors)
        if (info.offset > dataSize || info.nbytes > dataSize - info.offset)
            reader.fail("tensor " + inQuotes(info.name) + " data at " +
                        range(info.offset, info.offset + std::min(info.nbytes, ~info.offset)) +
                        " of the data section runs past the end of the file (the data section holds " +
                        std::to_string(dataSize) + " bytes from byte " + std::to_string(impl->dataOffset) + ")");

    // No two tensors may share bytes: sort by offset, compare each with the furthest end seen so far.
    std::vector<std::size_t> order(impl->tensors.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return impl->tensors[a].offset < impl->tensors[b].offset; });
    const GgufTensorInfo* furthest = nullptr;
    for (const std::size_t index : order) {
        const GgufTensorInfo& info = impl->tensors[index];
        if (furthest && info.offset < furthest->offset + furthest->nbytes)
            reader.fail("tensors " + inQuotes(furthest->name) + " at " +
                        range(furthest->offset, furthest->offset + furthest->nbytes) + " and " + inQuotes(info.name) +
                        " at " + range(info.offset, info.offset + info.nbytes) + " overlap");
        if (!furthest || info.offset + info.nbytes > furthest->offset + furthest->nbytes)
            furthest = &info;
    }

    return GgufFile(std::move(impl));
}

const std::filesystem::path& GgufFile::path() const
{
    return m_impl->path;
}

std::uint32_t GgufFile::version() const
{
    return m_impl->version;
}

std::uint64_t GgufFile::alignment() const
{
    return m_impl->alignment;
}

std::uint64_t GgufFile::fileSize() const
{
    return m_impl->file->size();
}

std::uint64_t GgufFile::dataOffset() const
{
    return m_impl->dataOffset;
}

const std::vector<GgufKeyValue>& GgufFile::metadata() const
{
    return m_impl->metadata;
}

const GgufValue* GgufFile::find(std::string_view key) const
{
    const auto it = m_impl->keyIndex.find(key);
    return it == m_impl->keyIndex.end() ? nullptr : &m_impl->metadata[it->second].value;
}

const GgufValue& GgufFile::get(std::string_view key) const
{
    if (const GgufValue* value = find(key))
        return *value;
    throw Error(m_impl->path.string() + ": metadata key " + inQuotes(key) + " is missing");
}

const std::vector<GgufTensorInfo>& GgufFile::tensors() const
{
    return m_impl->tensors;
}

const GgufTensorInfo* GgufFile::findTensor(std::string_view name) const
{
    const auto it = m_impl->tensorIndex.find(name);
    return it == m_impl->tensorIndex.end() ? nullptr : &m_impl->tensors[it->second];
}

const GgufTensorInfo& GgufFile::tensorOrThrow(std::string_view name) const
{
    if (const GgufTensorInfo* info = findTensor(name))
        return *info;
    throw Error(m_impl->path.string() + ": no tensor named " + inQuotes(name));
}

TensorView GgufFile::raw(std::string_view name) const
{
    const GgufTensorInfo& info = tensorOrThrow(name);
    TensorView view;
    view.name = info.name;
    view.dtype = DType::U8;
    view.shape = {static_cast<std::int64_t>(info.nbytes)};
    view.bytes = m_impl->file->bytes().subspan(static_cast<std::size_t>(m_impl->dataOffset + info.offset),
                                               static_cast<std::size_t>(info.nbytes));
    view.owner = m_impl->file;
    return view;
}

TensorView GgufFile::dequantize(std::string_view name) const
{
    const GgufTensorInfo& info = tensorOrThrow(name);
    if (!ggmlTypeDequantizable(info.type))
        throw Error(m_impl->path.string() + ": tensor " + inQuotes(info.name) + " has type " + ggmlTypeName(info.type) +
                    ", which cannot be dequantized (supported: F32, F16, BF16, Q4_0, Q4_1, "
                    "Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K)");
    TensorView view = raw(name);
    if (info.type == GgmlType::F32 && reinterpret_cast<std::uintptr_t>(view.bytes.data()) % alignof(float) == 0) {
        view.dtype = DType::F32; // the mapping already holds what the caller wants
        view.shape = info.shape;
        return view;
    }
    std::vector<float> values(static_cast<std::size_t>(info.numel()));
    try {
        core::dequantize(info.type, view.bytes, values);
    } catch (const Error& error) {
        throw Error(m_impl->path.string() + ": tensor " + inQuotes(info.name) + ": " + error.what());
    }
    return makeOwnedF32(info.name, info.shape, std::move(values));
}

} // namespace flatslice::core
