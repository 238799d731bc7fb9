// SPDX-License-Identifier: GPL-3.0-or-later
#include "format/durablefile.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "util/error.h"

namespace flatslice::core {

DurableFile::DurableFile(std::filesystem::path target, Naming naming) : m_target(std::move(target))
{
    if (naming == Naming::Partial) {
        m_partial = m_target;
        m_partial += ".partial";
        m_fd = ::open(m_partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (m_fd < 0)
            throw Error(m_partial.string() + ": cannot create: " + std::strerror(errno));
        return;
    }
    const std::string extension = m_target.extension().string();
    const std::filesystem::path dir = m_target.parent_path();
    const std::string name = "." + m_target.filename().string() + ".partial-XXXXXX" + extension;
    std::string pattern = (dir.empty() ? std::filesystem::path(name) : dir / name).string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    m_fd = ::mkostemps(buffer.data(), static_cast<int>(extension.size()), O_CLOEXEC);
    if (m_fd < 0)
        throw Error(pattern + ": cannot create a temporary file beside " + m_target.string() + ": " +
                    std::strerror(errno));
    m_partial = buffer.data();
    (void)::fchmod(m_fd, 0644); // mkstemp makes 0600; the result is an ordinary model file
}

DurableFile::~DurableFile()
{
    if (m_fd >= 0)
        ::close(m_fd);
    if (!m_committed)
        ::unlink(m_partial.c_str());
}

void DurableFile::write(const void* data, std::size_t size)
{
    if (m_fd < 0)
        throw Error(m_partial.string() + ": write after the file was closed");
    const auto* p = static_cast<const char*>(data);
    while (size > 0) {
        // Linux writes at most ~2 GiB per call; ask for 1 GiB at a time.
        const std::size_t chunk = std::min<std::size_t>(size, std::size_t{1} << 30);
        const ssize_t n = ::write(m_fd, p, chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw Error(m_partial.string() + ": write failed: " + std::strerror(errno));
        }
        p += n;
        size -= static_cast<std::size_t>(n);
        m_written += static_cast<std::uint64_t>(n);
    }
}

// fsync before rename, so that after a crash the target is either the old file or the complete new one.
void DurableFile::sync()
{
    if (m_synced)
        return;
    if (::fsync(m_fd) != 0)
        throw Error(m_partial.string() + ": fsync failed: " + std::strerror(errno));
    const int fd = m_fd;
    m_fd = -1;
    if (::close(fd) != 0)
        throw Error(m_partial.string() + ": close failed: " + std::strerror(errno));
    m_synced = true;
}

void DurableFile::commit()
{
    sync();
    if (::rename(m_partial.c_str(), m_target.c_str()) != 0)
        throw Error(m_target.string() + ": cannot rename " + m_partial.filename().string() +
                    " into place: " + std::strerror(errno));
    m_committed = true;
    // Make the rename itself durable; failing here loses nothing already written, so it is best effort.
    const auto parent = m_target.parent_path().empty() ? std::filesystem::path(".") : m_target.parent_path();
    const int dirFd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirFd >= 0) {
        ::fsync(dirFd);
        ::close(dirFd);
    }
}

void writeFileDurably(const std::filesystem::path& target, std::string_view bytes)
{
    DurableFile file(target);
    file.write(bytes.data(), bytes.size());
    file.commit();
}

} // namespace flatslice::core
