/* engine.h — public header of engine/cli/: the driftd program (command line, version). The one
 * folders (and the two programs) may include.
 */
#ifndef DRIFTD_ENGINE_H
#define DRIFTD_ENGINE_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* driftd's own version, e.g. "0.1.0". */
const char *dd_engine_version(void);

/* Writes the --version text: driftd's version and the linked librdkafka and avro-c versions. */
void dd_engine_print_version(FILE *out);

/* Runs the `driftd` command line. Returns the process exit status: 0 success, 1 a command's
 * negative result (e.g. drift found), 2 usage or input error. Writes to stdout/stderr. */
int dd_engine_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif /* DRIFTD_ENGINE_H */
