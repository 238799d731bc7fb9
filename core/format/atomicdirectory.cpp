// SPDX-License-Identifier: GPL-3.0-or-later
#include "format/atomicdirectory.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <unistd.h>

#include "util/error.h"

namespace flatslice::core {

namespace fs = std::filesystem;

namespace {

void syncPath(const fs::path& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

} // namespace

AtomicDirectory::AtomicDirectory(fs::path target, bool overwrite) : m_target(std::move(target)), m_overwrite(overwrite)
{
    if (m_target.filename().empty())
        m_target = m_target.parent_path();
    std::error_code ec;
    if (fs::exists(m_target, ec) && !m_overwrite)
        throw Error(m_target.string() + " already exists (use --force to replace it)");
    const fs::path parent = m_target.has_parent_path() ? m_target.parent_path() : fs::path(".");
    fs::create_directories(parent, ec);
    if (ec)
        throw Error(parent.string() + ": cannot create directory: " + ec.message());
    std::random_device device;
    for (int attempt = 0;; ++attempt) {
        m_staging = parent / ("." + m_target.filename().string() + ".staging-" + std::to_string(device() % 1000000));
        if (fs::create_directory(m_staging, ec))
            break;
        if (ec || attempt > 100)
            throw Error(m_staging.string() + ": cannot create staging directory: " + ec.message());
    }
}

AtomicDirectory::~AtomicDirectory()
{
    if (!m_committed) {
        std::error_code ignored;
        fs::remove_all(m_staging, ignored);
    }
}

void AtomicDirectory::writeText(const std::string& fileName, const std::string& text) const
{
    const fs::path path = m_staging / fileName;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        throw Error(path.string() + ": cannot create: " + std::strerror(errno));
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const int err = errno;
            ::close(fd);
            throw Error(path.string() + ": write failed: " + std::strerror(err));
        }
        written += static_cast<std::size_t>(n);
    }
    ::fsync(fd);
    ::close(fd);
}

void AtomicDirectory::commit()
{
    syncPath(m_staging);
    std::error_code ec;
    fs::path old;
    if (fs::exists(m_target, ec)) {
        if (!m_overwrite)
            throw Error(m_target.string() + " appeared while writing; not replacing it");
        // Move the old one aside first so that a failure leaves either the old or the new, never neither.
        old = m_target.parent_path() / ("." + m_target.filename().string() + ".replaced");
        fs::remove_all(old, ec);
        fs::rename(m_target, old, ec);
        if (ec)
            throw Error(m_target.string() + ": cannot move the existing directory aside: " + ec.message());
    }
    fs::rename(m_staging, m_target, ec);
    if (ec) {
        if (!old.empty())
            fs::rename(old, m_target, ec);
        throw Error(m_target.string() + ": cannot move the finished export into place: " + ec.message());
    }
    m_committed = true;
    syncPath(m_target.has_parent_path() ? m_target.parent_path() : fs::path("."));
    if (!old.empty())
        fs::remove_all(old, ec);
}

} // namespace flatslice::core
