/* test_cpu.c — run-time SIMD level choice (sketches/cpu.c).
 *
 * - the detected level names itself; DRIFTD_SIMD=scalar caps it to scalar in a fresh process
 *   (the level is cached per process, so the cap is checked through a child run of this test);
 * - the level never exceeds what the CPU reports through __builtin_cpu_supports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sketches.h"

static const char *self_path;

static void test_names(void **state) {
    (void)state;
    assert_string_equal(dd_simd_level_name(DD_SIMD_SCALAR), "scalar");
    assert_string_equal(dd_simd_level_name(DD_SIMD_AVX2), "avx2");
    assert_string_equal(dd_simd_level_name(DD_SIMD_AVX512), "avx512");
    assert_string_equal(dd_simd_level_name((dd_simd_level_t)77), "unknown");
}

static void test_level_within_cpu(void **state) {
    (void)state;
    const dd_simd_level_t level = dd_simd_level();
    assert_true(level == dd_simd_level()); /* stable */
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (level >= DD_SIMD_AVX2)
        assert_true(__builtin_cpu_supports("avx2"));
    if (level >= DD_SIMD_AVX512)
        assert_true(__builtin_cpu_supports("avx512f"));
#endif
}

static void test_env_cap(void **state) {
    (void)state;
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "DRIFTD_SIMD=scalar '%s' --print-level", self_path);
    FILE *child = popen(cmd, "r");
    assert_non_null(child);
    char line[64] = {0};
    assert_non_null(fgets(line, sizeof(line), child));
    assert_int_equal(pclose(child), 0);
    assert_string_equal(line, "scalar\n");
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--print-level") == 0) {
        printf("%s\n", dd_simd_level_name(dd_simd_level()));
        return 0;
    }
    self_path = argv[0];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_level_within_cpu),
        cmocka_unit_test(test_env_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
