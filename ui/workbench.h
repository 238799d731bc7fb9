// Entry point of the GUI: `flatslice [open] [PATH] [--screenshots DIR] [--quit-after MS]`.
#pragma once

namespace flatslice::ui {

// Creates the QApplication and the main window, opens PATH if given, runs the event loop.
int runWorkbench(int argc, char** argv);

} // namespace flatslice::ui
