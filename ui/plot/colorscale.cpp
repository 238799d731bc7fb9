// SPDX-License-Identifier: GPL-3.0-or-later
#include "colorscale.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace flatslice::ui {

namespace {

struct Palette {
    const char* name;
    std::array<QRgb, 5> stops; // equally spaced over [0, 1]
};

// viridis and magma at 0, .25, .5, .75, 1 (matplotlib's tables); coolwarm is Moreland's diverging map.
constexpr std::array<Palette, 3> kPalettes = {{
    {"viridis", {0x440154, 0x3b528b, 0x21918c, 0x5ec962, 0xfde725}},
    {"magma", {0x000004, 0x51127c, 0xb73779, 0xfc8961, 0xfcfdbf}},
    {"coolwarm", {0x3b4cc0, 0x8db0fe, 0xdddddd, 0xf49a7b, 0xb40426}},
}};

const Palette& paletteNamed(const QString& name)
{
    for (const Palette& p : kPalettes)
        if (name == QLatin1String(p.name))
            return p;
    return kPalettes[0];
}

int lerp(int a, int b, double t)
{
    return static_cast<int>(std::lround(static_cast<double>(a) + (static_cast<double>(b) - a) * t));
}

// n x m x 10^k, computed so that k < 0 divides once by an exact power of ten (0.3 comes out as the double 0.3).
double scaled(double nm, int k)
{
    return k >= 0 ? nm * std::pow(10.0, k) : nm / std::pow(10.0, -k);
}

} // namespace

ColorScale::ColorScale(const QString& palette, double min, double max)
    : m_palette(QString::fromLatin1(paletteNamed(palette).name)), m_min(std::min(min, max)), m_max(std::max(min, max))
{
}

QStringList ColorScale::paletteNames()
{
    QStringList names;
    for (const Palette& p : kPalettes)
        names << QString::fromLatin1(p.name);
    return names;
}

bool ColorScale::isValidPalette(const QString& name)
{
    return paletteNames().contains(name);
}

double ColorScale::normalized(double value) const
{
    if (std::isnan(value))
        return value;
    if (!(m_max > m_min))
        return 0.5;
    return std::clamp((value - m_min) / (m_max - m_min), 0.0, 1.0);
}

QColor ColorScale::color(double value) const
{
    const double t = normalized(value);
    if (std::isnan(t))
        return QColor(160, 160, 160);
    const auto& stops = paletteNamed(m_palette).stops;
    const double position = t * static_cast<double>(stops.size() - 1);
    const auto lower = std::min(static_cast<std::size_t>(position), stops.size() - 2);
    const double f = position - static_cast<double>(lower);
    const QColor a(stops[lower]);
    const QColor b(stops[lower + 1]);
    return QColor(lerp(a.red(), b.red(), f), lerp(a.green(), b.green(), f), lerp(a.blue(), b.blue(), f));
}

QVector<QPair<double, QColor>> ColorScale::stops() const
{
    QVector<QPair<double, QColor>> result;
    const auto& stops = paletteNamed(m_palette).stops;
    for (std::size_t i = 0; i < stops.size(); ++i)
        result.append({static_cast<double>(i) / static_cast<double>(stops.size() - 1), QColor(stops[i])});
    return result;
}

double ColorScale::tickStep(int maxTicks) const
{
    maxTicks = std::max(maxTicks, 2);
    const double range = m_max - m_min;
    if (!(range > 0.0) || !std::isfinite(range))
        return 1.0;
    constexpr std::array<double, 3> kMantissas = {1.0, 2.0, 5.0};
    int k = static_cast<int>(std::floor(std::log10(range / maxTicks))) - 1;
    for (;; ++k)
        for (double m : kMantissas) {
            const double step = scaled(m, k);
            const double count = std::floor(m_max / step + 1e-9) - std::ceil(m_min / step - 1e-9) + 1.0;
            if (count <= maxTicks)
                return step;
        }
}

QVector<double> ColorScale::ticks(int maxTicks) const
{
    QVector<double> result;
    if (!(m_max > m_min) || !std::isfinite(m_max - m_min)) {
        result.append(m_min);
        return result;
    }
    const double step = tickStep(maxTicks);
    // Recover (m, k) of the step to build every tick as one exact product or quotient.
    const int k = static_cast<int>(std::floor(std::log10(step) + 1e-9));
    const double m = std::round(step / std::pow(10.0, k));
    const auto first = static_cast<long long>(std::ceil(m_min / step - 1e-9));
    const auto last = static_cast<long long>(std::floor(m_max / step + 1e-9));
    for (long long n = first; n <= last; ++n)
        result.append(scaled(static_cast<double>(n) * m, k));
    return result;
}

} // namespace flatslice::ui
