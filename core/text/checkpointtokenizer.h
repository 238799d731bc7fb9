// SPDX-License-Identifier: GPL-3.0-or-later
// The tokenizer that belongs to a checkpoint: tokenizer.json (+ tokenizer_config.json) beside a Hugging Face
// model, or the vocabulary in a GGUF file's metadata. Throws Error naming what is missing.
#pragma once

#include "text/tokenizer.h"

namespace flatslice::core {

class Checkpoint;

Tokenizer tokenizerFor(const Checkpoint& checkpoint);

} // namespace flatslice::core
