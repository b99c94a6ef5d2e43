/*
 * test_orch_run.h: the main() every orchestrator suite shares. Define
 * the tests, then ORCH_SUITE(name, setup, teardown, test, ...).
 */
#ifndef METACTL_TEST_ORCH_RUN_H
#define METACTL_TEST_ORCH_RUN_H

#include <check.h>
#include <stdlib.h>

static inline int
orch_run(const char *name, void (*setup)(void), void (*teardown)(void),
    const TTest *const *tests, size_t n)
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create(name);
	SRunner *sr;
	size_t i;
	int failed;

	/* TAP for automake's driver, also when run by hand. */
	setenv("CK_TAP_LOG_FILE_NAME", "-", 0);
	setenv("CK_VERBOSITY", "silent", 0);
	tcase_add_checked_fixture(tc, setup, teardown);
	for (i = 0; i < n; i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

#define ORCH_SUITE(name, setup, teardown, ...) \
	int main(void) \
	{ \
		const TTest *const tests[] = {__VA_ARGS__}; \
		return orch_run(name, setup, teardown, tests, \
		    sizeof(tests) / sizeof(tests[0])); \
	}

#endif
