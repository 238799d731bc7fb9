// SPDX-License-Identifier: GPL-3.0-or-later
#include "resulttext.h"

#include <QLocale>
#include <QObject>

#include <algorithm>
#include <cmath>

namespace flatslice::ui {

QString grouped(qint64 n)
{
    return QLocale(QLocale::English).toString(n);
}

QString planLabel(const core::Plan& plan)
{
    QStringList parts;
    if (!plan.flatten.empty())
        parts << QObject::tr("%1 flattened").arg(plan.flatten.size());
    if (!plan.drop.empty())
        parts << QObject::tr("%1 dropped").arg(plan.drop.size());
    if (plan.slice && plan.slice->ratio)
        parts << QObject::tr("s = %1").arg(*plan.slice->ratio, 0, 'f', 2);
    else if (plan.slice)
        parts << QObject::tr("sliced per layer");
    return parts.isEmpty() ? QObject::tr("unchanged") : parts.join(QStringLiteral(", "));
}

QString compressionReport(const core::CompressionJobResult& r, const core::Plan& plan)
{
    const double drift = std::abs(r.selfCheckReloaded - r.selfCheckInMemory) / std::max(1e-12, r.selfCheckInMemory);
    QString text = QObject::tr("Plan: %1.\n").arg(planLabel(plan));
    text += QObject::tr("Wrote %1\n%2 -> %3 layers, %4 -> %5 parameters.\nSelf-check: perplexity %6 in memory, %7 "
                        "reloaded from the files (%8).")
                .arg(QString::fromStdString(r.outputPath))
                .arg(r.report.layersBefore)
                .arg(r.report.layersAfter)
                .arg(grouped(r.report.parametersBefore), grouped(r.report.parametersAfter))
                .arg(r.selfCheckInMemory, 0, 'f', 4)
                .arg(r.selfCheckReloaded, 0, 'f', 4)
                .arg(drift < 1e-3 ? QObject::tr("match") : QObject::tr("relative difference %1").arg(drift, 0, 'g', 3));
    if (r.evaluation)
        text += QObject::tr("\nPerplexity %1 over %2 tokens.")
                    .arg(r.evaluation->perplexity, 0, 'f', 3)
                    .arg(r.evaluation->tokens);
    for (const std::string& w : r.warnings)
        text += QStringLiteral("\n") + QObject::tr("Warning: %1").arg(QString::fromStdString(w));
    return text;
}

QStringList measurementLines(const std::vector<MeasureResult>& results)
{
    QStringList lines;
    for (const MeasureResult& m : results) {
        QString line = QObject::tr("%1 (%2 layers, %3 parameters)")
                           .arg(QString::fromStdString(m.label))
                           .arg(m.summary.config.numLayers)
                           .arg(grouped(m.summary.totalParams()));
        if (m.perplexity)
            line += QObject::tr(": perplexity %1 over %2 tokens")
                        .arg(m.perplexity->perplexity, 0, 'f', 3)
                        .arg(m.perplexity->tokens);
        if (m.throughput)
            line += QObject::tr(", prefill %1 tok/s, decode %2 tok/s")
                        .arg(m.throughput->prefillTokensPerSecond, 0, 'f', 1)
                        .arg(m.throughput->decodeTokensPerSecond, 0, 'f', 1);
        if (!m.sample.empty())
            line += QObject::tr("\n    sample: %1").arg(QString::fromStdString(m.sample).simplified());
        lines << line;
    }
    return lines;
}

} // namespace flatslice::ui
