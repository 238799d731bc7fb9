// SPDX-License-Identifier: GPL-3.0-or-later
#include "explainedvariance.h"

#include <algorithm>
#include <cmath>

namespace flatslice::ui {

ExplainedVariance::ExplainedVariance(const std::vector<double>& eigenvaluesDescending)
{
    m_sums.assign(eigenvaluesDescending.size() + 1, 0.0);
    for (std::size_t k = 0; k < eigenvaluesDescending.size(); ++k)
        m_sums[k + 1] = m_sums[k] + std::max(eigenvaluesDescending[k], 0.0);
    m_total = m_sums.back();
    m_cumulative.assign(m_sums.size(), 0.0);
    if (m_total > 0.0)
        for (std::size_t k = 0; k < m_sums.size(); ++k)
            m_cumulative[k] = m_sums[k] / m_total;
}

double ExplainedVariance::fractionAt(std::int64_t width) const
{
    const std::int64_t k = std::clamp<std::int64_t>(width, 0, dimension());
    return m_cumulative[static_cast<std::size_t>(k)];
}

std::int64_t ExplainedVariance::widthFor(double fraction) const
{
    if (fraction <= 0.0)
        return 0;
    // The same comparison as core's spectrumOf (running sum >= fraction x total), so the answers agree exactly.
    const auto it = std::lower_bound(m_sums.begin(), m_sums.end(), fraction * m_total);
    return it == m_sums.end() || m_total <= 0.0 ? dimension() : static_cast<std::int64_t>(it - m_sums.begin());
}

std::int64_t ExplainedVariance::snapWidth(double coord, std::int64_t dimension, std::int64_t rounding)
{
    if (dimension <= 0)
        return 0;
    if (!std::isfinite(coord))
        coord = static_cast<double>(dimension);
    rounding = std::max<std::int64_t>(rounding, 1);
    if (dimension < rounding)
        rounding = 1;
    const std::int64_t top = dimension - dimension % rounding;
    const auto snapped = static_cast<std::int64_t>(std::llround(coord / static_cast<double>(rounding))) * rounding;
    return std::clamp(snapped, rounding, top);
}

} // namespace flatslice::ui
