#pragma once
// The main window's menus, besides File > Export (ExportController's): File > Open
// Checkpoint…, Open Latents…, Open Trace…, Open Demo (the three built-in demos), Quit;
// Help > Keyboard Shortcuts and About. The openers are off while a decode runs, as the
// inputs' Browse… buttons are.
#include <QObject>

class QAction;
class QMenu;

namespace tsui {

class MainWindow;

class WindowMenus : public QObject {
    Q_OBJECT
public:
    // After the exporter has put File > Export in the window's menu bar.
    explicit WindowMenus(MainWindow* window);

    // The text Help > Keyboard Shortcuts and About show (rich text), for tests.
    static QString shortcutsHtml();
    static QString aboutHtml();

private:
    void setRunning(bool running);

    MainWindow* window_;
    QAction* openCheckpoint_ = nullptr;
    QAction* openLatents_ = nullptr;
    QAction* openTrace_ = nullptr;
    QMenu* demos_ = nullptr;
};

}  // namespace tsui
