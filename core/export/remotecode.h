// SPDX-License-Identifier: GPL-3.0-or-later
// The Python files a sliced Hugging Face export carries so that transformers loads it with trust_remote_code=True
// (resources/remote-code/, embedded at build time). Plain text, no state.
#pragma once

#include <string_view>

namespace flatslice::core {

std::string_view slicedModelingPython();      // modeling_flatslice.py
std::string_view slicedConfigurationPython(); // configuration_flatslice.py

} // namespace flatslice::core
