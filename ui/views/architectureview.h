// SPDX-License-Identifier: GPL-3.0-or-later
// The Architecture tab: the opened model's shape as its checkpoint declares it (property table), where its
// parameters live and how its bytes are stored (two bar charts), and beside them the Analyse panel with the
// calibration protocol. Shown as soon as a model is open, before any analysis. GUI thread only.
#pragma once

#include <QList>
#include <QWidget>

#include "model/modelsummary.h"

class QCustomPlot;
class QLabel;
class QTableWidget;

namespace flatslice::ui {

class AnalysePanel;

class ArchitectureView : public QWidget {
    Q_OBJECT
public:
    explicit ArchitectureView(QWidget* parent = nullptr);

    void setSummary(const core::ModelSummary& summary);
    AnalysePanel* analysePanel() const { return m_analyse; }
    QTableWidget* table() const { return m_table; }
    QString hint() const;
    QList<QCustomPlot*> plots() const { return {m_partsPlot, m_typesPlot}; }

private:
    QLabel* m_hint = nullptr;
    QTableWidget* m_table = nullptr;
    QCustomPlot* m_partsPlot = nullptr;
    QCustomPlot* m_typesPlot = nullptr;
    AnalysePanel* m_analyse = nullptr;
};

} // namespace flatslice::ui
