/* methods.c — drift method names. */
#include "methods.h"

#include <string.h>

static const char *const method_names[] = {
    "auto", "ks", "wasserstein", "psi", "jensen_shannon", "hellinger", "kl", "z", "chi2", "tvd",
};

const char *dd_method_name(dd_method_t m) {
    return (size_t)m < sizeof(method_names) / sizeof(method_names[0]) ? method_names[m] : "?";
}

dd_method_t dd_method_parse(const char *name) {
    for (size_t i = 1; i < sizeof(method_names) / sizeof(method_names[0]); i++)
        if (strcmp(name, method_names[i]) == 0)
            return (dd_method_t)i;
    return DD_METHOD_AUTO;
}
