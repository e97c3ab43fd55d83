/* main.c — the driftd program: everything lives in the engine library. */
#include "engine.h"

int main(int argc, char **argv) {
    return dd_engine_main(argc, argv);
}
