// SPDX-License-Identifier: GPL-3.0-or-later
// The recently opened models, sessions and plans, most recent first, at most eight, as absolute paths. Kept in
// QSettings (key "recentModels", so lists from earlier versions carry over); changed() after every add.
// GUI thread only.
#pragma once

#include <QObject>
#include <QStringList>

namespace flatslice::ui {

class RecentFiles : public QObject {
    Q_OBJECT
public:
    explicit RecentFiles(QObject* parent = nullptr);

    QStringList paths() const;
    // Moves (or adds) `path` to the front.
    void add(const QString& path);

Q_SIGNALS:
    void changed();
};

} // namespace flatslice::ui
