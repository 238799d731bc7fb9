// flatslice: the GUI when run bare or with `open`, a headless subcommand otherwise.
#include <string>
#include <vector>

#include "cli.h"

#ifdef FLATSLICE_WITH_UI
#include "workbench.h"
#endif

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    if (!args.empty() && flatslice::app::isCliCommand(args[0]))
        return flatslice::app::runCli(args);
#ifdef FLATSLICE_WITH_UI
    return flatslice::ui::runWorkbench(argc, argv);
#else
    return flatslice::app::runCli(args);
#endif
}
