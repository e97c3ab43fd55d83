/* methods.h — public header of engine/judge/ (library dd_methods): the drift methods and the
 * statistics a verdict can carry, by number and by name. The one part of judging that
 * configuration may know (config/ links dd_methods only). */
#ifndef DRIFTD_ENGINE_METHODS_H
#define DRIFTD_ENGINE_METHODS_H

/* The statistics a column can carry; a bit set in a mask = computed. */
enum {
    DD_STAT_KS = 1 << 0,
    DD_STAT_WASSERSTEIN = 1 << 1,
    DD_STAT_PSI = 1 << 2,
    DD_STAT_JENSEN_SHANNON = 1 << 3,
    DD_STAT_HELLINGER = 1 << 4,
    DD_STAT_KL = 1 << 5,
    DD_STAT_Z = 1 << 6,
    DD_STAT_CHI2 = 1 << 7,
    DD_STAT_TVD = 1 << 8,
    DD_STAT_FISHER = 1 << 9,
    DD_STAT_ALL = (1 << 10) - 1,
};

typedef enum dd_method {
    DD_METHOD_AUTO = 0,
    DD_METHOD_KS,             /* p-value < threshold */
    DD_METHOD_WASSERSTEIN,    /* normed distance ≥ threshold */
    DD_METHOD_PSI,            /* ≥ threshold */
    DD_METHOD_JENSEN_SHANNON, /* ≥ threshold */
    DD_METHOD_HELLINGER,      /* ≥ threshold */
    DD_METHOD_KL,             /* ≥ threshold */
    DD_METHOD_Z,              /* p-value < threshold */
    DD_METHOD_CHI2,           /* p-value < threshold */
    DD_METHOD_TVD,            /* ≥ threshold */
} dd_method_t;

const char *dd_method_name(dd_method_t m);
/* DD_METHOD_AUTO (0) when the name is unknown. */
dd_method_t dd_method_parse(const char *name);

#endif /* DRIFTD_ENGINE_METHODS_H */
