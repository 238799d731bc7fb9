#include "commands.h"

#include "arguments.h"

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

} // namespace flatslice::app
