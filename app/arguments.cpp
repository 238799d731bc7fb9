// SPDX-License-Identifier: GPL-3.0-or-later
#include "arguments.h"

namespace flatslice::app {

Arguments::Arguments(const std::vector<std::string>& args, const std::set<std::string>& flags,
                     const std::set<std::string>& options)
{
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg.size() < 2 || arg[0] != '-' || arg == "--") {
            m_positionals.push_back(arg);
            continue;
        }
        std::string name = arg;
        std::optional<std::string> inlineValue;
        if (const auto eq = arg.find('='); eq != std::string::npos) {
            name = arg.substr(0, eq);
            inlineValue = arg.substr(eq + 1);
        }
        if (flags.count(name)) {
            if (inlineValue)
                throw UsageError(name + " takes no value");
            m_flags.insert(name);
        } else if (options.count(name)) {
            if (inlineValue) {
                m_values[name] = *inlineValue;
            } else {
                if (i + 1 >= args.size())
                    throw UsageError(name + " needs a value");
                m_values[name] = args[++i];
            }
        } else {
            throw UsageError("unknown option " + name);
        }
    }
}

std::optional<std::string> Arguments::value(const std::string& option) const
{
    const auto it = m_values.find(option);
    if (it == m_values.end())
        return std::nullopt;
    return it->second;
}

std::string Arguments::valueOr(const std::string& option, const std::string& fallback) const
{
    return value(option).value_or(fallback);
}

long long Arguments::intOr(const std::string& option, long long fallback) const
{
    const auto text = value(option);
    if (!text)
        return fallback;
    try {
        std::size_t used = 0;
        const long long v = std::stoll(*text, &used);
        if (used != text->size())
            throw std::invalid_argument(*text);
        return v;
    } catch (const std::exception&) {
        throw UsageError(option + " expects an integer, got '" + *text + "'");
    }
}

void Arguments::expectPositionals(std::size_t n, const std::string& what) const
{
    if (m_positionals.size() != n)
        throw UsageError("expected " + what + ", got " + std::to_string(m_positionals.size()) + " argument" +
                         (m_positionals.size() == 1 ? "" : "s"));
}

} // namespace flatslice::app
