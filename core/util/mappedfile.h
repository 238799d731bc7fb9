// SPDX-License-Identifier: GPL-3.0-or-later
// A read-only memory map of a whole file.
//
// Tensors handed out by the checkpoint readers point into the mapping and keep it alive through a shared_ptr,
// so a mapping lives exactly as long as the last tensor that uses it. The file is never written through the
// map (PROT_READ, MAP_PRIVATE): the input checkpoint is never modified. Thread-safe for concurrent reads.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>

namespace flatslice::core {

class MappedFile {
public:
    // Maps `path`; throws Error naming the file if it cannot be opened or mapped. An empty file maps to an
    // empty span.
    static std::shared_ptr<const MappedFile> open(const std::filesystem::path& path);

    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    std::span<const std::byte> bytes() const { return {m_data, m_size}; }
    std::size_t size() const { return m_size; }
    const std::filesystem::path& path() const { return m_path; }

private:
    MappedFile(std::filesystem::path path, const std::byte* data, std::size_t size);

    std::filesystem::path m_path;
    const std::byte* m_data = nullptr;
    std::size_t m_size = 0;
};

} // namespace flatslice::core
