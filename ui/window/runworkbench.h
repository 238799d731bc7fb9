// SPDX-License-Identifier: GPL-3.0-or-later
// Entry point of the GUI:
//   flatslice [open] [PATH] [--calib FILE] [--eval FILE] [--samples N] [--seqlen L] [--analyse]
//             [--screenshots DIR [--export OUT]] [--quit-after MS]
// PATH is a model, a session (*.flatslice.h5) or a plan (*.json). --calib/--eval/--samples/--seqlen pre-fill the
// Analyse panel; --analyse starts the analysis as soon as the model is open. --screenshots analyses first when
// --calib is given (then suggests a 10% flatten plan), saves one PNG per tab into DIR and quits (exit 1 on a
// failure). --export OUT compresses that plan into OUT (Hugging Face directory, self-checked, evaluated on --eval)
// and compares it with the dense model before the screenshots, so the Compare tab shows the measurements.
// runWorkbench only parses the arguments and wires: the options pre-fill the Workbench's protocol, and the
// scripted part (--analyse, --screenshots, --export) is a ScreenshotDriver (workbench/screenshotdriver.h).
#pragma once

namespace flatslice::ui {

// Creates the QApplication and the main window, opens PATH if given, runs the event loop; returns its exit code.
int runWorkbench(int argc, char** argv);

} // namespace flatslice::ui
