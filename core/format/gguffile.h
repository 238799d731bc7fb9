// SPDX-License-Identifier: GPL-3.0-or-later
// A GGUF file (llama.cpp's model format, versions 2 and 3): metadata, tensor infos and zero-copy tensor data.
//
// open() maps the file and validates all of it before returning: header, every length against the bytes left,
// value types, duplicate keys, general.alignment, and every tensor info (dimensions, type, row length vs block
// size, alignment, bounds, overlaps, duplicate names). Any violation throws Error with one line naming the file,
// the key or tensor, and the numbers; nothing is read from a file that failed validation.
//
// A GgufFile is an immutable handle: copies share the mapping and the parsed metadata, and every member is safe
// to call from any thread. Tensor views keep the mapping alive after the GgufFile itself is gone.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "format/ggmltype.h"
#include "format/ggufvalue.h"
#include "format/tensorview.h"

namespace flatslice::core {

struct GgufTensorInfo {
    std::string name;
    GgmlType type = GgmlType::F32;
    std::vector<std::uint64_t> ne;   // ggml order: ne[0] is the fastest-varying (row length)
    std::vector<std::int64_t> shape; // PyTorch order: ne reversed
    std::uint64_t offset = 0;        // from the start of the data section (GgufFile::dataOffset())
    std::uint64_t nbytes = 0;        // elements / block size * type size

    std::uint64_t numel() const
    {
        std::uint64_t n = 1;
        for (const auto d : ne)
            n *= d;
        return n;
    }
};

struct GgufKeyValue {
    std::string key;
    GgufValue value; // carries "file: key 'k'" context, so its accessors' errors name the key
};

class GgufFile {
public:
    // Maps and validates `path`; throws Error on anything malformed or unsupported (v1, big-endian).
    static GgufFile open(const std::filesystem::path& path);

    const std::filesystem::path& path() const;
    std::uint32_t version() const;
    std::uint64_t alignment() const; // general.alignment, or 32
    std::uint64_t fileSize() const;
    std::uint64_t dataOffset() const; // where tensor data starts, a multiple of alignment()

    // Metadata in file order.
    const std::vector<GgufKeyValue>& metadata() const;
    const GgufValue* find(std::string_view key) const; // nullptr if absent
    const GgufValue& get(std::string_view key) const;  // Error naming key and file if absent

    // Tensor infos in file order.
    const std::vector<GgufTensorInfo>& tensors() const;
    const GgufTensorInfo* findTensor(std::string_view name) const; // nullptr if absent

    // The tensor's bytes as stored: dtype U8, shape {nbytes}, pointing into the mapping. Error if absent.
    TensorView raw(std::string_view name) const;

    // The tensor as f32 in PyTorch-order shape. Zero-copy for 4-byte-aligned F32 data, otherwise a new buffer
    // (F16, BF16 and the types ggmlTypeDequantizable() accepts). Error naming the tensor and type otherwise.
    TensorView dequantize(std::string_view name) const;

private:
    struct Impl;
    explicit GgufFile(std::shared_ptr<const Impl> impl);
    const GgufTensorInfo& tensorOrThrow(std::string_view name) const;

    std::shared_ptr<const Impl> m_impl;
};

} // namespace flatslice::core
