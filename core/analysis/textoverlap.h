// SPDX-License-Identifier: GPL-3.0-or-later
// Does the calibration text contain passages of the evaluation text? (protocol hygiene)
//
// Calibrating on the text a perplexity is later measured on flatters the compressed model (FLAP #13 in the
// research notes). The check compares long character n-grams ("shingles"): both texts are reduced to single
// spaces between words (so CRLF vs LF and runs of blanks do not hide a copy), every `shingle`-character passage of
// the evaluation text is hashed, and every passage of the calibration text that starts at a word is looked up.
// 50 characters is about ten words: ordinary prose almost never repeats that much by chance, while a copied or
// lightly re-tokenized passage (WikiText's "raw" vs word-level releases differ only in rare words) still shares
// most of its shingles. 64-bit FNV-1a hashes; a collision could only overstate the overlap by a negligible amount.
#pragma once

#include <cstdint>
#include <string_view>

namespace flatslice::core {

struct TextOverlapOptions {
    std::int64_t shingle = 50;  // characters per passage
    double warnFraction = 0.01; // warn when at least this share of calibration passages occur in the eval text
};

struct TextOverlap {
    std::int64_t checked = 0; // calibration passages looked up
    std::int64_t shared = 0;  // of those, found in the evaluation text
    double fraction() const { return checked > 0 ? static_cast<double>(shared) / static_cast<double>(checked) : 0.0; }
};

// Linear in the two texts' sizes plus a sort of the evaluation shingles (about 0.2 s per MB).
TextOverlap measureTextOverlap(std::string_view calibration, std::string_view evaluation,
                               const TextOverlapOptions& options = {});

} // namespace flatslice::core
