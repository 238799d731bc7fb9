// Helpers shared by the GoogleTest suites: fixture paths, scratch directories, the demo model.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace flatslice::test {

// tests/data in the source tree (committed fixtures and goldens).
std::filesystem::path dataDir();

// A fresh empty directory under the build's temp area, removed when the returned object dies.
class ScratchDir {
public:
    ScratchDir();
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const std::filesystem::path& path() const { return m_path; }
    std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

private:
    std::filesystem::path m_path;
};

// Writes bytes to a file (for crafting malformed inputs).
void writeFile(const std::filesystem::path& path, const std::vector<unsigned char>& bytes);
void writeFile(const std::filesystem::path& path, const std::string& text);
std::string readFile(const std::filesystem::path& path);

// Runs the flatslice CLI (e2e tests only: FLATSLICE_CLI names the binary) with `arguments` appended to the
// command line as shell words, stdin from /dev/null; captures exit code, stdout and stderr.
struct CliResult {
    int exitCode = -1;
    std::string out;
    std::string err;
};
CliResult runCli(const std::string& arguments);

// Single-quotes a path for a shell command line.
std::string quoted(const std::filesystem::path& path);

// The demo GGUF fetched by `./dev setup` (FLATSLICE_DEMO_MODEL overrides); empty if it is not present.
std::filesystem::path demoModel();

} // namespace flatslice::test
