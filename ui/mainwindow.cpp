#include "mainwindow.h"

#include <QAction>
#include <QApplication>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPointer>
#include <QSettings>
#include <QStatusBar>
#include <QTableWidget>
#include <QTabWidget>
#include <QThread>
#include <QVBoxLayout>
#include <QSplitter>

#include <qcustomplot.h>

#include "io/checkpoint.h"

namespace flatslice::ui {

namespace {

constexpr int kMaxRecent = 8;
const char* kRecentKey = "recentModels";

QString grouped(qint64 n)
{
    return QLocale(QLocale::English).toString(n);
}

// A horizontal bar chart of labelled values (one bar per row), with the value printed at each bar's end.
void fillBars(QCustomPlot* plot, const QString& title, const QVector<QString>& labels, const QVector<double>& values,
              const QString& unit)
{
    plot->clearPlottables();
    plot->clearItems();
    plot->plotLayout()->clear();
    auto* rect = new QCPAxisRect(plot);
    plot->plotLayout()->addElement(0, 0, new QCPTextElement(plot, title, QFont(QStringLiteral("DejaVu Sans"), 11)));
    plot->plotLayout()->addElement(1, 0, rect);
    QCPAxis* keyAxis = rect->axis(QCPAxis::atLeft);
    QCPAxis* valueAxis = rect->axis(QCPAxis::atBottom);
    auto* bars = new QCPBars(keyAxis, valueAxis);
    bars->setBrush(QColor(52, 101, 164));
    bars->setPen(Qt::NoPen);
    bars->setWidth(0.6);
    QVector<double> keys;
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    double maxValue = 0.0;
    for (int i = 0; i < labels.size(); ++i) {
        keys << i + 1;
        ticker->addTick(i + 1, labels[i]);
        maxValue = std::max(maxValue, values[i]);
    }
    bars->setData(keys, values);
    keyAxis->setTicker(ticker);
    keyAxis->setRange(0.3, static_cast<double>(labels.size()) + 0.7);
    keyAxis->setRangeReversed(true);
    keyAxis->grid()->setVisible(false);
    valueAxis->setRange(0, maxValue > 0 ? maxValue * 1.4 : 1.0); // room for the value labels
    valueAxis->setLabel(unit);
    for (int i = 0; i < labels.size(); ++i) {
        auto* text = new QCPItemText(plot);
        text->setClipAxisRect(rect);
        text->position->setAxes(valueAxis, keyAxis);
        text->position->setCoords(values[i], keys[i]);
        text->setPositionAlignment(Qt::AlignLeft | Qt::AlignVCenter);
        text->setPadding(QMargins(6, 0, 0, 0));
        text->setText(QString::number(values[i], 'f', values[i] < 10 ? 2 : 1));
    }
    plot->replot();
}

} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setWindowTitle(QStringLiteral("flatslice"));
    setAcceptDrops(true);

    auto* modelPage = new QWidget;
    auto* layout = new QVBoxLayout(modelPage);
    m_hint = new QLabel(tr("Open a model: File > Open (a Hugging Face directory or a .gguf file), or drop it here."));
    m_hint->setWordWrap(true);
    layout->addWidget(m_hint);
    auto* splitter = new QSplitter(Qt::Horizontal);
    m_table = new QTableWidget(0, 2);
    m_table->setHorizontalHeaderLabels({tr("Property"), tr("Value")});
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    splitter->addWidget(m_table);
    auto* plots = new QSplitter(Qt::Vertical);
    m_partsPlot = new QCustomPlot;
    m_layerPlot = new QCustomPlot;
    plots->addWidget(m_partsPlot);
    plots->addWidget(m_layerPlot);
    splitter->addWidget(plots);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setSizes({440, 820});
    layout->addWidget(splitter, 1);

    m_tabs = new QTabWidget;
    m_tabs->addTab(modelPage, tr("Model"));
    setCentralWidget(m_tabs);
    buildMenus();
    statusBar()->showMessage(tr("No model open"));
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open model..."));
    open->setShortcut(QKeySequence::Open);
    connect(open, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open model"), QString(),
                                                          tr("Models (*.gguf config.json *.safetensors)"));
        if (!path.isEmpty())
            openModel(path);
    });
    QAction* openDir = file->addAction(tr("Open model &directory..."));
    connect(openDir, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getExistingDirectory(this, tr("Open Hugging Face model directory"));
        if (!path.isEmpty())
            openModel(path);
    });
    m_recentMenu = file->addMenu(tr("Open &recent"));
    rebuildRecentMenu();
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);
}

void MainWindow::openModel(const QString& path)
{
    m_loading = true;
    const quint64 generation = ++m_generation;
    statusBar()->showMessage(tr("Opening %1 ...").arg(path));
    QPointer<MainWindow> self(this);
    const std::string file = QFileInfo(path).absoluteFilePath().toStdString();
    QThread* worker = QThread::create([self, generation, file, path] {
        std::shared_ptr<core::ModelSummary> summary;
        QString error;
        try {
            const auto checkpoint = core::Checkpoint::open(file);
            summary = std::make_shared<core::ModelSummary>(core::ModelSummary::of(*checkpoint));
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
        if (!self)
            return;
        QMetaObject::invokeMethod(
            self.data(),
            [self, generation, summary, error, path] {
                if (!self || generation != self->m_generation)
                    return; // a newer open superseded this one
                self->m_loading = false;
                if (summary) {
                    self->m_summary = std::make_unique<core::ModelSummary>(*summary);
                    self->showSummary(*summary);
                    self->addRecent(path);
                    Q_EMIT self->modelLoaded();
                } else {
                    self->showError(error);
                    Q_EMIT self->loadFailed(error);
                }
            },
            Qt::QueuedConnection);
    });
    connect(worker, &QThread::finished, worker, &QObject::deleteLater);
    worker->start();
}

void MainWindow::showSummary(const core::ModelSummary& s)
{
    const core::ModelConfig& c = s.config;
    setWindowTitle(tr("flatslice: %1").arg(QFileInfo(QString::fromStdString(s.path)).fileName()));
    m_hint->setText(tr("<b>What am I looking at?</b> The model's shape as the checkpoint declares it, and where "
                       "its parameters live. Attention and MLP weights are what FlattenGPT merges across blocks "
                       "and what SliceGPT narrows; embeddings and the head only shrink with slicing."));
    const QList<QPair<QString, QString>> rows = {
        {tr("File"), QString::fromStdString(s.path)},
        {tr("Format"), QString::fromStdString(s.format)},
        {tr("Architecture"), QString::fromStdString(c.architecture)},
        {tr("Layers"), QString::number(c.numLayers)},
        {tr("Hidden size"), QString::number(c.hiddenSize)},
        {tr("Intermediate size"), QString::number(c.intermediateSize)},
        {tr("Attention heads"), tr("%1 (head dim %2)").arg(c.numHeads).arg(c.headDim)},
        {tr("KV heads"), QString::number(c.numKvHeads)},
        {tr("Vocabulary"), grouped(c.vocabSize)},
        {tr("Context"), grouped(c.maxPositionEmbeddings)},
        {tr("RoPE theta"), QString::number(c.ropeTheta)},
        {tr("Tied head"), c.tieWordEmbeddings ? tr("yes") : tr("no")},
        {tr("Parameters"), grouped(s.totalParams())},
        {tr("Tensors"), QString::number(s.tensorCount)},
        {tr("On disk"), tr("%1 MB").arg(static_cast<double>(s.bytesOnDisk) / 1e6, 0, 'f', 1)},
    };
    m_table->setRowCount(static_cast<int>(rows.size()));
    for (int i = 0; i < rows.size(); ++i) {
        m_table->setItem(i, 0, new QTableWidgetItem(rows[i].first));
        m_table->setItem(i, 1, new QTableWidgetItem(rows[i].second));
    }
    m_table->resizeColumnToContents(0);

    const double m = 1e6;
    fillBars(m_partsPlot, tr("Parameters by part (millions)"),
             {tr("embeddings"), tr("attention"), tr("MLP"), tr("norms"),
              c.tieWordEmbeddings && s.headParams == 0 ? tr("head (tied)") : tr("head")},
             {static_cast<double>(s.embeddingParams) / m, static_cast<double>(s.attentionParams) / m,
              static_cast<double>(s.mlpParams) / m, static_cast<double>(s.normParams) / m,
              static_cast<double>(s.headParams) / m},
             tr("million parameters"));
    QVector<QString> types;
    QVector<double> bytes;
    for (const auto& [type, count] : s.bytesByStoredType) {
        types << tr("%1 (%2 tensors)").arg(QString::fromStdString(type)).arg(s.tensorsByStoredType.at(type));
        bytes << static_cast<double>(count) / m;
    }
    fillBars(m_layerPlot, tr("Bytes on disk by stored type (MB)"), types, bytes, tr("MB"));
    statusBar()->showMessage(tr("%1: %2 layers, %3 parameters")
                                 .arg(QString::fromStdString(c.architecture))
                                 .arg(c.numLayers)
                                 .arg(grouped(s.totalParams())));
}

void MainWindow::showError(const QString& message)
{
    statusBar()->showMessage(tr("Could not open the model"));
    // Non-modal, so an error never blocks the window or a test.
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Could not open the model"), message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::addRecent(const QString& path)
{
    QSettings settings;
    QStringList recent = settings.value(QLatin1String(kRecentKey)).toStringList();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    recent.removeAll(absolute);
    recent.prepend(absolute);
    while (recent.size() > kMaxRecent)
        recent.removeLast();
    settings.setValue(QLatin1String(kRecentKey), recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = QSettings().value(QLatin1String(kRecentKey)).toStringList();
    for (const QString& path : recent) {
        QAction* action = m_recentMenu->addAction(path);
        connect(action, &QAction::triggered, this, [this, path] { openModel(path); });
    }
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::saveScreenshots(const QString& dir)
{
    for (int i = 0; i < m_tabs->count(); ++i) {
        m_tabs->setCurrentIndex(i);
        const QString name = m_tabs->tabText(i).toLower().remove(QLatin1Char('&')).replace(QLatin1Char(' '), '-');
        grab().save(dir + QStringLiteral("/") + QStringLiteral("%1-%2.png").arg(i + 1).arg(name));
    }
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.front().isLocalFile())
        openModel(urls.front().toLocalFile());
}

} // namespace flatslice::ui
