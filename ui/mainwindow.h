// The workbench window. This first version opens a model (File > Open, drag and drop, the command line,
// recent files) and shows its architecture and parameter breakdown; analysis and plan views join it as the
// core grows. Loading runs on a worker thread; the GUI thread never blocks on disk or on the model.
#pragma once

#include <QMainWindow>
#include <QString>

#include <memory>

#include "model/modelsummary.h"

class QAction;
class QCustomPlot;
class QLabel;
class QMenu;
class QTableWidget;
class QTabWidget;

namespace flatslice::ui {

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Starts loading PATH (a Hugging Face directory or .gguf) in the background.
    void openModel(const QString& path);
    // Writes one PNG per view into `dir`.
    void saveScreenshots(const QString& dir);

    bool isLoading() const { return m_loading; }
    const core::ModelSummary* summary() const { return m_summary.get(); }

Q_SIGNALS:
    void modelLoaded();
    void loadFailed(const QString& message);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildMenus();
    void showSummary(const core::ModelSummary& summary);
    void showError(const QString& message);
    void addRecent(const QString& path);
    void rebuildRecentMenu();

    QTabWidget* m_tabs = nullptr;
    QLabel* m_hint = nullptr;
    QTableWidget* m_table = nullptr;
    QCustomPlot* m_partsPlot = nullptr;
    QCustomPlot* m_layerPlot = nullptr;
    QMenu* m_recentMenu = nullptr;
    std::unique_ptr<core::ModelSummary> m_summary;
    bool m_loading = false;
    quint64 m_generation = 0; // drops results of loads that were superseded
};

} // namespace flatslice::ui
