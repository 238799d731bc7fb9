// SPDX-License-Identifier: GPL-3.0-or-later
// SHA-256 of bytes and files (FIPS 180-4), for protocol records and model fingerprints.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>

namespace flatslice::core {

// Lowercase hex digest.
std::string sha256Hex(std::span<const std::byte> bytes);
std::string sha256Hex(const std::string& text);
// Streams the file (memory-mapped); throws Error naming the file if it cannot be read.
std::string sha256File(const std::filesystem::path& path);

} // namespace flatslice::core
