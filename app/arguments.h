// SPDX-License-Identifier: GPL-3.0-or-later
// A small command-line parser: positionals, `--flag`, `--opt value` and `--opt=value`.
// Unknown options are a usage error (exit 2) naming the option, so typos never pass silently.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace flatslice::app {

class UsageError : public std::runtime_error {
public:
    explicit UsageError(const std::string& message) : std::runtime_error(message) {}
};

class Arguments {
public:
    // `flags` take no value; `options` take one. Throws UsageError on anything else.
    Arguments(const std::vector<std::string>& args, const std::set<std::string>& flags,
              const std::set<std::string>& options);

    bool has(const std::string& flag) const { return m_flags.count(flag) > 0; }
    std::optional<std::string> value(const std::string& option) const;
    std::string valueOr(const std::string& option, const std::string& fallback) const;
    long long intOr(const std::string& option, long long fallback) const;
    const std::vector<std::string>& positionals() const { return m_positionals; }
    // Exactly `n` positionals, or a UsageError that says what was expected.
    void expectPositionals(std::size_t n, const std::string& what) const;

private:
    std::set<std::string> m_flags;
    std::map<std::string, std::string> m_values;
    std::vector<std::string> m_positionals;
};

} // namespace flatslice::app
