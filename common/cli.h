/* cli.h - the command-line options every Ferry program shares.
 *
 *   --config-file FILE   nova.conf-style file; repeatable, later ones win
 *   --debug              log at debug level
 *   --print-config       print the effective configuration and exit
 *   --help, -h           print the usage (the shared options and the
 *                        program's own) and exit
 *
 * Program-specific options are passed through in *rest (argv order kept).
 */
#ifndef FERRY_CLI_H
#define FERRY_CLI_H

#include "common/cfg.h"

struct cli {
    int argc;               /* what remains after the shared options */
    char **argv;
};

/* Parse the shared options, load the config files and the environment over
 * defaults, set up logging as prog.  Exits with a message on a bad option,
 * file or value; exits 0 after --print-config or --help.  usage: the
 * program's own arguments, a line each ("  --host NAME   what it does\n"),
 * printed after the shared ones; NULL when it has none. */
void cli_init(int argc, char **argv, const char *prog, const char *usage, struct cfg *cfg,
              struct cli *rest);

/* Directory of the running executable (for files shipped beside it). */
const char *cli_exe_dir(void);

#endif
