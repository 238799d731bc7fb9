// SPDX-License-Identifier: GPL-3.0-or-later
// Writes a directory so that it appears complete or not at all.
//
// Files go into a hidden staging directory beside the target (same filesystem, so the final rename is
// atomic). `commit()` fsyncs and renames the staging directory into place; if the object is destroyed without
// a commit (an error, a cancel), the staging directory is removed and the target is untouched. An existing
// target is an Error unless `overwrite` is set, in which case it is replaced only at commit time.
#pragma once

#include <filesystem>
#include <string>

namespace flatslice::core {

class AtomicDirectory {
public:
    AtomicDirectory(std::filesystem::path target, bool overwrite);
    ~AtomicDirectory();
    AtomicDirectory(const AtomicDirectory&) = delete;
    AtomicDirectory& operator=(const AtomicDirectory&) = delete;

    // Where to write the files now.
    const std::filesystem::path& staging() const { return m_staging; }
    const std::filesystem::path& target() const { return m_target; }

    // Writes a small text file into the staging directory (durably).
    void writeText(const std::string& fileName, const std::string& text) const;

    // Moves the finished directory into place. Throws Error if it cannot.
    void commit();

private:
    std::filesystem::path m_target;
    std::filesystem::path m_staging;
    bool m_overwrite = false;
    bool m_committed = false;
};

} // namespace flatslice::core
