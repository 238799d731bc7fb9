// SPDX-License-Identifier: GPL-3.0-or-later
// One .safetensors file: JSON header, optional `__metadata__`, and zero-copy tensor data.
//
// Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON, then the data section. open() maps the
// file and validates all of it before returning: the length against the file size (and a 100 MB cap, as the
// Python library has), the JSON (well-formed, an object, no duplicate keys at any depth), `__metadata__` (an
// object of strings), and every tensor entry: a known dtype, a shape of non-negative integers whose byte size does
// not overflow, data_offsets [begin, end] with begin <= end <= data-section size and end - begin equal to that
// byte size, and no two tensors sharing a byte. Gaps between tensors are tolerated (the Python library rejects
// them; nothing here depends on contiguity). Any violation throws Error with one line naming the file, the
// tensor and the numbers; nothing is read from a file that failed validation.
//
// A SafetensorsFile is an immutable handle: copies share the mapping and the parsed header, and every member is
// safe to call from any thread. References returned by accessors live as long as any copy of the handle. Tensor
// views point into the mapping and keep it alive after the handle is gone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "format/tensorview.h"
#include "util/dtype.h"

namespace flatslice::core {

struct SafetensorsTensorInfo {
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape; // row-major, outermost first
    std::uint64_t begin = 0;         // data_offsets as stored: from the start of the data section
    std::uint64_t end = 0;           // one past the last byte; end - begin = numel * dtypeSize(dtype)
};

class SafetensorsFile {
public:
    // Maps and validates `path`; throws Error naming the file and the problem.
    static SafetensorsFile open(const std::filesystem::path& path);

    const std::filesystem::path& path() const;
    std::uint64_t fileSize() const;
    std::uint64_t dataOffset() const; // 8 + header length: where the data section starts in the file
    // The whole mapped file (header included), valid while any copy of this handle or any of its views lives.
    std::span<const std::byte> bytes() const;

    // `__metadata__`, empty if the file has none.
    const std::map<std::string, std::string>& metadata() const;

    // Tensor names in data-offset order (ties, which only zero-byte tensors can have, by name).
    const std::vector<std::string>& names() const;
    bool contains(const std::string& name) const;
    // Throws Error naming the file and the tensor for an unknown name.
    const SafetensorsTensorInfo& info(const std::string& name) const;
    // A zero-copy view into the mapping; `owner` keeps the mapping alive. Throws Error for an unknown name.
    TensorView tensor(const std::string& name) const;

private:
    struct State;
    explicit SafetensorsFile(std::shared_ptr<const State> state);

    std::shared_ptr<const State> m_state;
};

} // namespace flatslice::core
