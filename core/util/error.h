// SPDX-License-Identifier: GPL-3.0-or-later
// Errors that cross the core boundary.
//
// Every failure the user can cause (a bad file, a bad flag, a cancelled job) is an exception whose message is
// one readable line with context: which file, which tensor, which numbers. The CLI and the GUI catch at their
// boundary only; the core never aborts on input.
#pragma once

#include <stdexcept>
#include <string>

namespace flatslice::core {

// A failure with a message meant for the user ("model.safetensors: tensor 'x' ends at byte 912 ...").
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// The user (or a Progress callback) asked to stop. Not a failure: the CLI exits 130, the GUI says "cancelled".
class Cancelled : public std::runtime_error {
public:
    Cancelled() : std::runtime_error("cancelled") {}
};

} // namespace flatslice::core
