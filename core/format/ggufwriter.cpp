// SPDX-License-Identifier: GPL-3.0-or-later
#include "format/ggufwriter.h"

#include <bit>
#include <cstring>
#include <limits>
#include <set>

#include "format/durablefile.h"
#include "util/error.h"

namespace flatslice::core {

static_assert(std::endian::native == std::endian::little, "GGUF is written little-endian");

namespace {

constexpr std::uint32_t kVersion = 3;
constexpr std::size_t kMaxKeyBytes = 65535; // the spec's limit on key length
constexpr std::size_t kMaxNameBytes = 63;   // GGML_MAX_NAME - 1: ggml's tensor name buffer holds 64 with the NUL
constexpr std::size_t kMaxDims = 4;         // GGML_MAX_DIMS
constexpr int kMaxArrayDepth = 16;          // the reader's limit
constexpr std::uint64_t kPaddingChunk = 64;

template <typename T>
void put(std::string& out, T value)
{
    char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    out.append(bytes, sizeof(T));
}

void putString(std::string& out, const std::string& text)
{
    put<std::uint64_t>(out, text.size());
    out += text;
}

void putValue(std::string& out, const GgufValue& value, int depth)
{
    if (depth > kMaxArrayDepth)
        throw Error("GGUF metadata: arrays nested deeper than " + std::to_string(kMaxArrayDepth) + " levels");
    switch (value.type()) {
    case GgufValueType::UInt8: put(out, static_cast<std::uint8_t>(value.asUInt())); break;
    case GgufValueType::Int8: put(out, static_cast<std::int8_t>(value.asInt())); break;
    case GgufValueType::UInt16: put(out, static_cast<std::uint16_t>(value.asUInt())); break;
    case GgufValueType::Int16: put(out, static_cast<std::int16_t>(value.asInt())); break;
    case GgufValueType::UInt32: put(out, static_cast<std::uint32_t>(value.asUInt())); break;
    case GgufValueType::Int32: put(out, static_cast<std::int32_t>(value.asInt())); break;
    case GgufValueType::UInt64: put(out, value.asUInt()); break;
    case GgufValueType::Int64: put(out, value.asInt()); break;
    case GgufValueType::Float32: put(out, static_cast<float>(value.asFloat())); break;
    case GgufValueType::Float64: put(out, value.asFloat()); break;
    case GgufValueType::Bool: put<std::uint8_t>(out, value.asBool() ? 1 : 0); break;
    case GgufValueType::String: putString(out, value.asString()); break;
    case GgufValueType::Array: {
        const GgufValueType element = value.arrayType();
        put(out, static_cast<std::uint32_t>(element));
        put<std::uint64_t>(out, value.size());
        if (element == GgufValueType::String) {
            for (const std::string& s : value.asStringArray())
                putString(out, s);
        } else if (element == GgufValueType::Array) {
            for (std::size_t i = 0; i < value.size(); ++i)
                putValue(out, value.element(i), depth + 1);
        } else {
            const std::span<const std::byte> packed = value.packedBytes();
            out.append(reinterpret_cast<const char*>(packed.data()), packed.size());
        }
        break;
    }
    }
}

std::uint64_t alignUp(std::uint64_t n, std::uint64_t alignment)
{
    return (n + alignment - 1) / alignment * alignment;
}

std::string quoted(const std::string& text)
{
    return "'" + text + "'";
}

} // namespace

GgufWriter::GgufWriter(std::filesystem::path target, bool overwrite, std::uint64_t alignment)
    : m_target(std::move(target)), m_overwrite(overwrite), m_alignment(alignment)
{
    if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > std::numeric_limits<std::uint32_t>::max())
        throw Error(m_target.string() + ": GGUF alignment " + std::to_string(alignment) +
                    " is not a power of two that fits 32 bits");
    std::error_code ec;
    if (!m_overwrite && std::filesystem::exists(m_target, ec))
        throw Error(m_target.string() + ": already exists (overwrite it explicitly)");
    if (std::filesystem::is_directory(m_target, ec))
        throw Error(m_target.string() + ": is a directory, not a file name");
    m_metadata.push_back(
        {"general.alignment", GgufValue::makeUnsigned(GgufValueType::UInt32, static_cast<std::uint32_t>(alignment))});
}

GgufWriter::~GgufWriter() = default;

const std::filesystem::path& GgufWriter::partialPath() const
{
    static const std::filesystem::path none;
    return m_file ? m_file->partialPath() : none;
}

void GgufWriter::addMetadata(const std::string& key, GgufValue value)
{
    if (m_file)
        throw Error(m_target.string() + ": metadata key " + quoted(key) + " added after the header was written");
    if (key.empty() || key.size() > kMaxKeyBytes)
        throw Error(m_target.string() + ": a metadata key must have 1.." + std::to_string(kMaxKeyBytes) +
                    " bytes, not " + std::to_string(key.size()));
    if (key == "general.alignment")
        throw Error(m_target.string() + ": general.alignment is set by the writer (its alignment argument)");
    for (const Entry& e : m_metadata)
        if (e.key == key)
            throw Error(m_target.string() + ": duplicate metadata key " + quoted(key));
    std::string probe; // serializing now checks nesting depth and value ranges before any byte is on disk
    putValue(probe, value, 0);
    m_metadata.push_back({key, std::move(value)});
}

void GgufWriter::addTensor(const std::string& name, GgmlType type, const std::vector<std::int64_t>& shape)
{
    const std::string where = m_target.string() + ": tensor " + quoted(name);
    if (m_file)
        throw Error(where + " added after the header was written");
    if (name.empty() || name.size() > kMaxNameBytes)
        throw Error(m_target.string() + ": a tensor name must have 1.." + std::to_string(kMaxNameBytes) +
                    " bytes, not " + std::to_string(name.size()) + " (" + quoted(name) + ")");
    for (const Tensor& t : m_tensors)
        if (t.name == name)
            throw Error(m_target.string() + ": duplicate tensor name " + quoted(name));
    if (!ggmlTypeKnown(static_cast<std::uint32_t>(type)))
        throw Error(where + ": unknown ggml type " + std::to_string(static_cast<std::uint32_t>(type)));
    if (shape.empty() || shape.size() > kMaxDims)
        throw Error(where + ": " + std::to_string(shape.size()) + " dimensions (GGUF allows 1.." +
                    std::to_string(kMaxDims) + ")");
    Tensor t{name, type, {}, 0, 0};
    std::uint64_t numel = 1;
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    for (auto it = shape.rbegin(); it != shape.rend(); ++it) {
        if (*it < 1)
            throw Error(where + ": dimension " + std::to_string(*it) + " is not positive");
        const auto d = static_cast<std::uint64_t>(*it);
        if (numel > kMax / d)
            throw Error(where + ": more elements than fit in 64 bits");
        numel *= d;
        t.ne.push_back(d);
    }
    const std::uint64_t block = ggmlBlockSize(type);
    if (t.ne[0] % block != 0)
        throw Error(where + ": row length " + std::to_string(t.ne[0]) + " is not a multiple of the " +
                    ggmlTypeName(type) + " block size " + std::to_string(block));
    const std::uint64_t typeSize = ggmlTypeSize(type);
    if (numel / block > kMax / typeSize)
        throw Error(where + ": more bytes than fit in 64 bits");
    t.nbytes = numel / block * typeSize;
    t.offset = m_dataSize;
    if (t.nbytes > kMax - m_dataSize - m_alignment)
        throw Error(where + ": the data section would exceed 64 bits");
    m_dataSize = alignUp(m_dataSize + t.nbytes, m_alignment);
    m_tensors.push_back(std::move(t));
}

void GgufWriter::writeHeader()
{
    if (m_file)
        throw Error(m_target.string() + ": the GGUF header was already written");
    std::string header;
    header += "GGUF";
    put(header, kVersion);
    put<std::uint64_t>(header, m_tensors.size());
    put<std::uint64_t>(header, m_metadata.size());
    for (const Entry& e : m_metadata) {
        putString(header, e.key);
        put(header, static_cast<std::uint32_t>(e.value.type()));
        putValue(header, e.value, 0);
    }
    for (const Tensor& t : m_tensors) {
        putString(header, t.name);
        put(header, static_cast<std::uint32_t>(t.ne.size()));
        for (const std::uint64_t d : t.ne)
            put(header, d);
        put(header, static_cast<std::uint32_t>(t.type));
        put(header, t.offset);
    }
    header.append(alignUp(header.size(), m_alignment) - header.size(), '\0');
    m_file = std::make_unique<DurableFile>(m_target, DurableFile::Naming::HiddenUnique);
    m_file->write(header.data(), header.size());
}

void GgufWriter::writeTensorData(std::span<const std::byte> bytes)
{
    if (!m_file)
        throw Error(m_target.string() + ": tensor data written before the header");
    if (m_next >= m_tensors.size())
        throw Error(m_target.string() + ": more tensor data than the " + std::to_string(m_tensors.size()) +
                    " tensors declared");
    const Tensor& t = m_tensors[m_next];
    if (bytes.size() != t.nbytes)
        throw Error(m_target.string() + ": tensor " + quoted(t.name) + " got " + std::to_string(bytes.size()) +
                    " bytes, its " + ggmlTypeName(t.type) + " info says " + std::to_string(t.nbytes));
    m_file->write(bytes.data(), bytes.size());
    static const char zeros[kPaddingChunk] = {};
    std::uint64_t padding = alignUp(t.nbytes, m_alignment) - t.nbytes;
    while (padding > 0) {
        const std::uint64_t n = std::min(padding, kPaddingChunk);
        m_file->write(zeros, n);
        padding -= n;
    }
    ++m_next;
}

void GgufWriter::finish()
{
    if (!m_file)
        throw Error(m_target.string() + ": finished before the header was written");
    if (m_next != m_tensors.size())
        throw Error(m_target.string() + ": only " + std::to_string(m_next) + " of " + std::to_string(m_tensors.size()) +
                    " tensors were written");
    m_file->sync();
}

void GgufWriter::commit()
{
    finish();
    std::error_code ec;
    // Checked again: the target may have appeared while the file was being written.
    if (!m_overwrite && std::filesystem::exists(m_target, ec))
        throw Error(m_target.string() + ": already exists (overwrite it explicitly)");
    m_file->commit();
}

} // namespace flatslice::core
