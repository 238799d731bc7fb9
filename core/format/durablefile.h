// SPDX-License-Identifier: GPL-3.0-or-later
// One file written under a temporary name beside its target and renamed into place only when complete.
//
// The temporary file lives in the target's directory (same filesystem, so the rename is atomic). `sync()` fsyncs
// and closes it, after which it may be read back (an exporter's self-check does); `commit()` renames it over the
// target and makes the rename durable. If the object dies without a commit (an error, a cancel), the temporary
// file is removed and the target is untouched. Writes are unbuffered: callers hand over large pieces.
// Not thread-safe; one writer per object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace flatslice::core {

class DurableFile {
public:
    enum class Naming {
        Partial,      // "<target>.partial", truncated if a stale one exists
        HiddenUnique, // ".<target name>.partial-XXXXXX<target extension>", created exclusively; the extension is
                      // kept so that readers that go by it (Checkpoint::open) accept the file before the rename
    };

    explicit DurableFile(std::filesystem::path target, Naming naming = Naming::Partial);
    ~DurableFile();
    DurableFile(const DurableFile&) = delete;
    DurableFile& operator=(const DurableFile&) = delete;

    const std::filesystem::path& target() const { return m_target; }
    const std::filesystem::path& partialPath() const { return m_partial; }
    std::uint64_t bytesWritten() const { return m_written; }

    // Appends `size` bytes. Error naming the file on any I/O failure, or after sync().
    void write(const void* data, std::size_t size);
    // fsyncs and closes the temporary file; nothing can be written after this. Error on failure.
    void sync();
    // sync() if not done yet, then renames the temporary file over the target. Error if it cannot.
    void commit();

private:
    std::filesystem::path m_target;
    std::filesystem::path m_partial;
    int m_fd = -1;
    std::uint64_t m_written = 0;
    bool m_synced = false;
    bool m_committed = false;
};

// A small file (a plan, a report) written whole through a DurableFile: the target is replaced only once every byte
// is on disk, and left as it was on any failure.
void writeFileDurably(const std::filesystem::path& target, std::string_view bytes);

} // namespace flatslice::core
