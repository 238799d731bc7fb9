// SPDX-License-Identifier: GPL-3.0-or-later
#include "maindocks.h"

#include <QComboBox>
#include <QDockWidget>
#include <QFontDatabase>
#include <QLabel>
#include <QMainWindow>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QTime>
#include <QVBoxLayout>

#include "plan/planpanel.h"
#include "views/blockstrip.h"

namespace flatslice::ui {

namespace {

QDockWidget* addDock(QMainWindow* window, const QString& title, const QString& name, QWidget* content,
                     Qt::DockWidgetArea area)
{
    auto* dock = new QDockWidget(title, window);
    dock->setObjectName(name);
    dock->setWidget(content);
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetClosable);
    window->addDockWidget(area, dock);
    return dock;
}

} // namespace

MainDocks::MainDocks(QMainWindow* window, PlanDocument* document)
{
    // Left: the block strip with its metric chooser.
    auto* stripPage = new QWidget;
    auto* stripLayout = new QVBoxLayout(stripPage);
    stripLayout->setContentsMargins(4, 4, 4, 4);
    auto* metric = new QComboBox;
    metric->setObjectName(QStringLiteral("metricCombo"));
    for (const auto m : {BlockStrip::Metric::Similarity, BlockStrip::Metric::BlockInfluence,
                         BlockStrip::Metric::AttnDim95, BlockStrip::Metric::MlpDim95})
        metric->addItem(BlockStrip::metricName(m), static_cast<int>(m));
    metric->setToolTip(QObject::tr("What colours the blocks"));
    metric->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    metric->setMinimumContentsLength(8);
    m_strip = new BlockStrip;
    m_strip->setPlanDocument(document);
    QObject::connect(metric, &QComboBox::currentIndexChanged, m_strip, [strip = m_strip, metric] {
        strip->setMetric(static_cast<BlockStrip::Metric>(metric->currentData().toInt()));
    });
    auto* stripHelp = new QLabel(QObject::tr("Click a gap: flatten pair. Ctrl-click: drop."));
    stripHelp->setWordWrap(true);
    QFont small = stripHelp->font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    stripHelp->setFont(small);
    stripLayout->addWidget(metric);
    stripLayout->addWidget(m_strip, 1);
    stripLayout->addWidget(stripHelp);
    QDockWidget* stripDock = addDock(window, QObject::tr("Blocks"), QStringLiteral("blocksDock"), stripPage,
                                     Qt::LeftDockWidgetArea);

    // Right: the plan.
    m_planPanel = new PlanPanel;
    m_planPanel->setPlanDocument(document);
    auto* scroll = new QScrollArea;
    scroll->setWidget(m_planPanel);
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setMinimumWidth(325);
    QDockWidget* planDock = addDock(window, QObject::tr("Plan"), QStringLiteral("planDock"), scroll,
                                    Qt::RightDockWidgetArea);

    // Bottom: the log.
    m_log = new QPlainTextEdit;
    m_log->setObjectName(QStringLiteral("logView"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000);
    m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    QDockWidget* logDock = addDock(window, QObject::tr("Log"), QStringLiteral("logDock"), m_log,
                                   Qt::BottomDockWidgetArea);
    window->resizeDocks({logDock}, {110}, Qt::Vertical);
    window->resizeDocks({stripDock, planDock}, {140, 325}, Qt::Horizontal);
    m_toggles = {stripDock->toggleViewAction(), planDock->toggleViewAction(), logDock->toggleViewAction()};
}

void MainDocks::appendLog(const QString& line)
{
    m_log->appendPlainText(
        QStringLiteral("%1  %2").arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")), line));
}

QString MainDocks::logText() const
{
    return m_log->toPlainText();
}

} // namespace flatslice::ui
