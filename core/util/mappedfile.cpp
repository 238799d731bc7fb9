// SPDX-License-Identifier: GPL-3.0-or-later
#include "util/mappedfile.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"

namespace flatslice::core {

MappedFile::MappedFile(std::filesystem::path path, const std::byte* data, std::size_t size)
    : m_path(std::move(path)), m_data(data), m_size(size)
{
}

MappedFile::~MappedFile()
{
    if (m_data && m_size > 0)
        ::munmap(const_cast<std::byte*>(m_data), m_size);
}

std::shared_ptr<const MappedFile> MappedFile::open(const std::filesystem::path& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw Error(path.string() + ": cannot open: " + std::strerror(errno));
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        throw Error(path.string() + ": not a regular file");
    }
    const auto size = static_cast<std::size_t>(info.st_size);
    const std::byte* data = nullptr;
    if (size > 0) {
        void* mapped = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (mapped == MAP_FAILED) {
            const int err = errno;
            ::close(fd);
            throw Error(path.string() + ": cannot map " + std::to_string(size) + " bytes: " + std::strerror(err));
        }
        data = static_cast<const std::byte*>(mapped);
    }
    ::close(fd); // the mapping stays valid after close
    return std::shared_ptr<const MappedFile>(new MappedFile(path, data, size));
}

} // namespace flatslice::core
