// SPDX-License-Identifier: GPL-3.0-or-later
#include "testsupport.h"

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <sys/wait.h>

namespace flatslice::test {

std::filesystem::path dataDir()
{
    return FLATSLICE_TEST_DATA;
}

ScratchDir::ScratchDir()
{
    std::random_device device;
    const auto base = std::filesystem::temp_directory_path() / "flatslice-tests";
    std::filesystem::create_directories(base);
    for (;;) {
        m_path = base / ("t" + std::to_string(device()));
        if (std::filesystem::create_directory(m_path))
            break;
    }
}

ScratchDir::~ScratchDir()
{
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
}

void writeFile(const std::filesystem::path& path, const std::vector<unsigned char>& bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void writeFile(const std::filesystem::path& path, const std::string& text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

std::string readFile(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

#ifdef FLATSLICE_CLI
CliResult runCli(const std::string& arguments)
{
    ScratchDir scratch;
    const std::string command = std::string(FLATSLICE_CLI) + " " + arguments + " >" + quoted(scratch / "out") + " 2>" +
                                quoted(scratch / "err") + " </dev/null";
    const int status = std::system(command.c_str());
    CliResult result;
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = readFile(scratch / "out");
    result.err = readFile(scratch / "err");
    return result;
}
#endif

std::string quoted(const std::filesystem::path& path)
{
    std::string out = "'";
    for (const char c : path.string())
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::filesystem::path demoModel()
{
    if (const char* env = std::getenv("FLATSLICE_DEMO_MODEL"); env && *env)
        return env;
    std::filesystem::path cache;
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
        cache = xdg;
    else if (const char* home = std::getenv("HOME"); home && *home)
        cache = std::filesystem::path(home) / ".cache";
    const auto path = cache / "flatslice" / "SmolLM2-135M-Instruct.Q4_1.gguf";
    return std::filesystem::exists(path) ? path : std::filesystem::path();
}

bool referencesRequired()
{
    const char* env = std::getenv("FLATSLICE_REQUIRE_REFERENCES");
    return env && std::string(env) == "1";
}

::testing::TestPartResult::Type missingReferenceResult()
{
    return referencesRequired() ? ::testing::TestPartResult::kFatalFailure : ::testing::TestPartResult::kSkip;
}

const char* missingReferenceMessage()
{
    return referencesRequired() ? "missing reference file, and FLATSLICE_REQUIRE_REFERENCES=1 makes that a failure"
                                : "skipped: missing reference file (FLATSLICE_REQUIRE_REFERENCES=1 fails instead)";
}

} // namespace flatslice::test
