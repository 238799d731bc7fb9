// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>

#include "arguments.h"
#include "commands.h"
#include "progressbar.h"
#include "util/error.h"

namespace flatslice::app {

namespace {

using Command = std::function<int(const std::vector<std::string>&)>;

const std::map<std::string, Command>& commands()
{
    static const std::map<std::string, Command> table = {
        {"inspect", inspectCommand}, {"convert", convertCommand},   {"demo", demoCommand},
        {"eval", evalCommand},       {"generate", generateCommand}, {"bench", benchCommand},
        {"analyze", analyzeCommand}, {"compress", compressCommand}, {"plan", planCommand},
    };
    return table;
}

} // namespace

std::string usage()
{
    return R"(flatslice: find where a transformer LLM is redundant, and compress it

usage: flatslice [open] [MODEL]                  the workbench (GUI)
       flatslice inspect MODEL [--json]          architecture, parameters by part, types, size
       flatslice convert MODEL.gguf -o DIR       GGUF to a Hugging Face directory
       flatslice eval MODEL --data FILE [--seqlen N] [--max-tokens N]
                                                 perplexity (SliceGPT/FlattenGPT protocol)
       flatslice generate MODEL --prompt TEXT    greedy continuation, streamed
       flatslice bench MODEL [--seqlen N]        prefill and decode tokens/s
       flatslice analyze MODEL --calib FILE [-o SESSION.flatslice.h5]
                                                 redundancy: block similarity, spectra, head/channel scores
       flatslice plan SESSION -o PLAN.json [--flatten-ratio R] [--drop-count N] [--slice R]
                                                 a compression plan from a session's rankings
       flatslice compress MODEL --plan P.json --calib FILE -o OUT [--eval FILE]
                                                 flatten/drop blocks per plan, export a HF directory
       flatslice demo MODEL.gguf -o DIR          headless walk-through
       flatslice COMMAND --help                  details of one command
       flatslice --version

MODEL is a Hugging Face directory (config.json + *.safetensors) or a .gguf file.
Models run in f32 or bf16 (--dtype) on --threads N threads (default: all cores).
Exit codes: 0 ok, 1 failure, 2 usage error, 130 cancelled (Ctrl-C).
)";
}

bool isCliCommand(const std::string& command)
{
    return commands().count(command) > 0 || command == "--help" || command == "-h" || command == "help" ||
           command == "--version";
}

int runCli(const std::vector<std::string>& args)
{
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::cout << usage();
        return 0;
    }
    if (args[0] == "--version") {
        std::cout << "flatslice " << FLATSLICE_VERSION << "\n";
        return 0;
    }
    const auto it = commands().find(args[0]);
    if (it == commands().end()) {
        std::cerr << "flatslice: unknown command '" << args[0] << "'\n\n" << usage();
        return 2;
    }
    ProgressBar::installInterruptHandler();
    try {
        return it->second(std::vector<std::string>(args.begin() + 1, args.end()));
    } catch (const UsageError& e) {
        std::cerr << "flatslice " << args[0] << ": " << e.what() << " (see flatslice " << args[0] << " --help)\n";
        return 2;
    } catch (const core::Cancelled&) {
        std::cerr << "\nflatslice " << args[0] << ": cancelled; nothing was left half-written\n";
        return 130;
    } catch (const core::Error& e) {
        std::cerr << "flatslice " << args[0] << ": error: " << e.what() << "\n";
        return 1;
    } catch (const std::bad_alloc&) {
        std::cerr << "flatslice " << args[0] << ": error: out of memory\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "flatslice " << args[0] << ": error: " << e.what() << "\n";
        return 1;
    }
}

} // namespace flatslice::app
