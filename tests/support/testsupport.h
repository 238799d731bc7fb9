// SPDX-License-Identifier: GPL-3.0-or-later
// Helpers shared by the GoogleTest suites: fixture paths, scratch directories, the demo model.
#pragma once

#include <gtest/gtest.h>

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

// FLATSLICE_REQUIRE_REFERENCES=1 (CI sets it): a reference file a test needs but cannot find (the demo model, the
// reference tokenizers, the shared calibration/evaluation text) is a failure instead of a skip.
bool referencesRequired();

// What FLATSLICE_SKIP_UNLESS_REQUIRED reports: a fatal failure when references are required, else a skip.
::testing::TestPartResult::Type missingReferenceResult();
const char* missingReferenceMessage();

} // namespace flatslice::test

// For a missing reference file, in place of GTEST_SKIP() (and used like it, in a test body or SetUp, with the reason
// streamed in): skips the test, or fails it when FLATSLICE_REQUIRE_REFERENCES=1, so CI cannot pass by skipping.
//   if (model.empty())
//       FLATSLICE_SKIP_UNLESS_REQUIRED() << "demo model not present (run ./dev setup)";
// Not for skips that are about the environment rather than a missing file (e.g. running as root).
#define FLATSLICE_SKIP_UNLESS_REQUIRED()                                                                               \
    return ::testing::internal::AssertHelper(::flatslice::test::missingReferenceResult(), __FILE__, __LINE__,          \
                                             ::flatslice::test::missingReferenceMessage()) = ::testing::Message()

namespace flatslice::test {

// A test binary's process exit status when every test it ran was skipped (tests/support/testmain.cpp); the suite's
// ctest entry declares it as SKIP_RETURN_CODE, so a wholly skipped suite shows as skipped rather than passed.
inline constexpr int kAllSkippedExitCode = 77;

} // namespace flatslice::test
