/* test_strv.c: string vectors (lib/strv.c). */
#include "buildconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "testutil.h"

/* The vector is NULL-terminated after every push, across growth. */
START_TEST(test_push_terminated)
{
	struct strv sv = STRV_INIT;
	char s[16];

	ck_assert_int_eq(strv_contains(&sv, "x"), 0);
	for (int i = 0; i < 100; i++) {
		snprintf(s, sizeof(s), "s%d", i);
		ck_assert_int_eq(strv_push(&sv, s), 0);
		ck_assert_uint_eq(sv.n, (size_t)i + 1);
		ck_assert_ptr_null(sv.v[sv.n]);
		ck_assert_str_eq(sv.v[i], s);
	}
	ck_assert_int_eq(strv_contains(&sv, "s42"), 1);
	ck_assert_int_eq(strv_contains(&sv, "s100"), 0);
	strv_clear(&sv);
	ck_assert_ptr_null(sv.v);
	ck_assert_uint_eq(sv.n, 0);
	strv_clear(&sv);
}
END_TEST

START_TEST(test_sort_uniq)
{
	static const char *const in[] = {"web2", "db1", "web1", "db1", "web2"};
	struct strv sv = STRV_INIT;

	strv_sort_uniq(&sv);
	for (size_t i = 0; i < 5; i++)
		ck_assert_int_eq(strv_push(&sv, in[i]), 0);
	strv_sort_uniq(&sv);
	ck_assert_uint_eq(sv.n, 3);
	ck_assert_str_eq(sv.v[0], "db1");
	ck_assert_str_eq(sv.v[1], "web1");
	ck_assert_str_eq(sv.v[2], "web2");
	ck_assert_ptr_null(sv.v[3]);
	strv_clear(&sv);
}
END_TEST

/* steal hands over a plain vector, an empty one for an empty strv. */
START_TEST(test_steal_copy)
{
	static const char *const in[] = {"a", "b"};
	struct strv sv = STRV_INIT;
	char **v, **c;

	ck_assert_ptr_nonnull(v = strv_steal(&sv));
	ck_assert_ptr_null(v[0]);
	strv_free(v);
	ck_assert_int_eq(strv_push(&sv, "x"), 0);
	ck_assert_ptr_nonnull(v = strv_steal(&sv));
	ck_assert_ptr_null(sv.v);
	ck_assert_uint_eq(sv.n, 0);
	ck_assert_str_eq(v[0], "x");
	ck_assert_ptr_null(v[1]);
	strv_free(v);
	ck_assert_ptr_nonnull(c = strv_copy(in, 2));
	ck_assert_str_eq(c[0], "a");
	ck_assert_str_eq(c[1], "b");
	ck_assert_ptr_null(c[2]);
	strv_free(c);
	ck_assert_ptr_nonnull(c = strv_copy(in, 0));
	ck_assert_ptr_null(c[0]);
	strv_free(c);
	strv_free(NULL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("strv");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_push_terminated);
	tcase_add_test(tc, test_sort_uniq);
	tcase_add_test(tc, test_steal_copy);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}
