// SPDX-License-Identifier: GPL-3.0-or-later
#include "util/filereader.h"

#include <fstream>
#include <sstream>

#include "util/error.h"

namespace flatslice::core {

namespace {

[[noreturn]] void tooLarge(const std::filesystem::path& path, const std::string& what, std::uint64_t size)
{
    throw Error(path.string() + ": " + std::to_string(size) + " bytes is too large for a " + what);
}

} // namespace

std::string readFile(const std::filesystem::path& path, const std::string& what, std::uint64_t maxBytes)
{
    std::error_code ec;
    if (maxBytes > 0 && std::filesystem::is_regular_file(path, ec)) {
        const auto size = std::filesystem::file_size(path, ec);
        if (!ec && size > maxBytes)
            tooLarge(path, what, size);
    }
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path.string() + ": cannot open the " + what);
    if (maxBytes == 0) {
        std::ostringstream text;
        text << in.rdbuf();
        if (in.bad())
            throw Error(path.string() + ": cannot read the " + what);
        return text.str();
    }
    // Bounded: read one byte past the limit to tell "exactly maxBytes" from "more".
    std::string text(static_cast<std::size_t>(maxBytes) + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad())
        throw Error(path.string() + ": cannot read the " + what);
    const auto got = static_cast<std::uint64_t>(in.gcount());
    if (got > maxBytes)
        tooLarge(path, what, got);
    text.resize(static_cast<std::size_t>(got));
    return text;
}

} // namespace flatslice::core
