// SPDX-License-Identifier: GPL-3.0-or-later
// Streaming GGUF v3 writer: metadata, tensor infos, then tensor data one tensor at a time; the file appears
// complete or not at all.
//
// Use: addMetadata() and addTensor() describe the whole file; writeHeader() writes the header, the metadata, the
// tensor infos and the padding before the data section; writeTensorData() is then called once per tensor, in
// addTensor() order, with exactly that tensor's bytes (so peak memory is one tensor); finish() fsyncs the complete
// file under its temporary name (partialPath(), which may then be read back, e.g. by a self-check); commit()
// renames it over the target. If the writer dies before commit() (an error, a cancel), the temporary file is
// removed and an existing target is untouched.
//
// Layout (the GGUF spec, little-endian): "GGUF", version 3, tensor count, metadata count; each metadata key as a
// GGUF string, its value type and value (arrays of numbers, bools, strings and arrays); each tensor info as name,
// dimension count, ne[] (ggml order: the row length first), ggml type and data offset. Every tensor's data starts
// at a multiple of the alignment (32 unless given), recorded as general.alignment (UINT32), and is padded with
// zeros to the next one.
//
// Limits, checked when a piece is added (Error naming the key or tensor, nothing written yet): non-empty keys of
// at most 65535 bytes, no duplicate keys, general.alignment only as the writer sets it; tensor names of 1..63 bytes
// (ggml's GGML_MAX_NAME), no duplicates, 1..4 dimensions, each >= 1, a row length that is a whole number of the
// type's blocks, sizes that fit 64 bits; the alignment a power of two. Little-endian hosts only.
// Not thread-safe; one writer per object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "format/ggmltype.h"
#include "format/ggufvalue.h"

namespace flatslice::core {

class DurableFile;

class GgufWriter {
public:
    // Error if `target` exists and `overwrite` is false, or if `alignment` is not a power of two. The temporary
    // file is created beside the target (hidden, same extension) by writeHeader().
    GgufWriter(std::filesystem::path target, bool overwrite, std::uint64_t alignment = 32);
    ~GgufWriter();
    GgufWriter(const GgufWriter&) = delete;
    GgufWriter& operator=(const GgufWriter&) = delete;

    void addMetadata(const std::string& key, GgufValue value);
    // `shape` in PyTorch order (outermost first); the file stores it reversed.
    void addTensor(const std::string& name, GgmlType type, const std::vector<std::int64_t>& shape);

    void writeHeader();
    // The next tensor's bytes; Error if the size differs from what its info says or all tensors are written.
    void writeTensorData(std::span<const std::byte> bytes);
    // All tensors written: fsync and close. Error if a tensor is missing.
    void finish();
    // finish() if needed, then rename over the target (replacing it only when `overwrite` was set).
    void commit();

    const std::filesystem::path& target() const { return m_target; }
    const std::filesystem::path& partialPath() const;      // empty before writeHeader()
    std::uint64_t dataBytes() const { return m_dataSize; } // data section size (tensor bytes and padding)
    std::size_t tensorCount() const { return m_tensors.size(); }

private:
    struct Tensor {
        std::string name;
        GgmlType type;
        std::vector<std::uint64_t> ne;
        std::uint64_t offset = 0;
        std::uint64_t nbytes = 0;
    };
    struct Entry {
        std::string key;
        GgufValue value;
    };

    std::filesystem::path m_target;
    bool m_overwrite = false;
    std::uint64_t m_alignment = 32;
    std::vector<Entry> m_metadata;
    std::vector<Tensor> m_tensors;
    std::uint64_t m_dataSize = 0;
    std::size_t m_next = 0; // tensors written
    std::unique_ptr<DurableFile> m_file;
};

} // namespace flatslice::core
