// SPDX-License-Identifier: GPL-3.0-or-later
// flatslice: the GUI when run bare, with `open`, or with a path; a headless subcommand otherwise.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "cli.h"

#ifdef FLATSLICE_WITH_UI
#include "window/runworkbench.h"
#endif

namespace {

bool wantsGui(const std::vector<std::string>& args)
{
    if (args.empty() || args[0] == "open")
        return true;
    if (flatslice::app::isCliCommand(args[0]))
        return false;
    std::error_code ec;
    return args[0].starts_with("--") || std::filesystem::exists(args[0], ec);
}

[[maybe_unused]] bool hasDisplay()
{
    for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
        if (const char* value = std::getenv(name); value && *value)
            return true;
    return false;
}

} // namespace

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (!wantsGui(args))
        return flatslice::app::runCli(args);
#ifdef FLATSLICE_WITH_UI
    if (!hasDisplay()) {
        // Qt would abort without a platform plugin; say what to do instead.
        std::fprintf(stderr, "flatslice: no display for the workbench (DISPLAY is not set). Use the CLI "
                             "(flatslice --help), run under xvfb-run, or set QT_QPA_PLATFORM=offscreen.\n");
        return 1;
    }
    return flatslice::ui::runWorkbench(argc, argv);
#else
    std::fprintf(stderr, "flatslice: built without the workbench; see flatslice --help\n");
    return 2;
#endif
}
