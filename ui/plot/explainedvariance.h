// SPDX-License-Identifier: GPL-3.0-or-later
// Cumulative explained variance of a spectrum, and the width <-> variance lookups the Spectra view's keep-width
// line uses. Built from eigenvalues in descending order (Spectrum::eigenvalues); negative rounding noise counts as
// zero, exactly as core's dim90/dim95/dim99 do, so widthFor(0.9) == Spectrum::dim90.
// Plain value type; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

namespace flatslice::ui {

class ExplainedVariance {
public:
    ExplainedVariance() = default;
    explicit ExplainedVariance(const std::vector<double>& eigenvaluesDescending);

    // D, the number of eigenvalues.
    std::int64_t dimension() const { return static_cast<std::int64_t>(m_cumulative.size()) - 1; }
    bool isEmpty() const { return dimension() <= 0; }
    // Fraction of the total variance held by the top `width` directions; width clamps to [0, D]. 0 when empty or
    // when every eigenvalue is <= 0.
    double fractionAt(std::int64_t width) const;
    // The smallest width whose top eigenvalues hold >= `fraction` of the total (D when fraction > 1 or the spectrum
    // is empty of variance; 0 for fraction <= 0).
    std::int64_t widthFor(double fraction) const;
    // fractionAt(k) for k = 0..D.
    const std::vector<double>& cumulative() const { return m_cumulative; }

    // The width a drag at plot coordinate `coord` asks for: the nearest multiple of `rounding` (>= 1), clamped to
    // [rounding, the largest multiple of rounding <= D]; with D < rounding, the nearest integer in [1, D].
    static std::int64_t snapWidth(double coord, std::int64_t dimension, std::int64_t rounding);

private:
    std::vector<double> m_sums{0.0};       // running sums of the clamped eigenvalues, k = 0..D
    std::vector<double> m_cumulative{0.0}; // m_sums / total
    double m_total = 0.0;
};

} // namespace flatslice::ui
