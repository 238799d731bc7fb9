#include "commands.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "arguments.h"
#include "util/error.h"

namespace flatslice::app {

bool wantsHelp(const std::vector<std::string>& args)
{
    for (const auto& a : args)
        if (a == "--help" || a == "-h")
            return true;
    return false;
}

core::DType parseDtype(const std::string& text)
{
    if (text == "f32" || text == "float32")
        return core::DType::F32;
    if (text == "bf16" || text == "bfloat16")
        return core::DType::BF16;
    throw UsageError("--dtype must be f32 or bf16, got '" + text + "'");
}

std::string readTextFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw core::Error(path + ": cannot open");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string millions(std::int64_t n)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.2f M", static_cast<double>(n) / 1e6);
    return text;
}

} // namespace flatslice::app
