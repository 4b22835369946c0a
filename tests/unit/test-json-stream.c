/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of monitor/json-stream.c: framing of a JSON byte stream.
 */
#include <errno.h>
#include <string.h>

#include "monitor/json-stream.h"

/*
 * Feed @input in chunks of @chunk bytes (0: all at once) and describe what
 * came out: each value re-serialised, each error as "ERR(message)", joined
 * by " | ".
 */
static char *run(JsonStream *js, const char *input, size_t len, size_t chunk)
{
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);

    if (!chunk) {
        chunk = len ? len : 1;
    }
    for (size_t off = 0; off < len; off += chunk) {
        json_stream_feed(js, input + off, MIN(chunk, len - off));
    }
    while (json_stream_pending(js)) {
        g_autoptr(GError) err = NULL;
        g_autoptr(JsonNode) node = json_stream_pop(js, &err);

        if (node) {
            g_ptr_array_add(out, json_to_string(node, false));
        } else {
            g_ptr_array_add(out, g_strdup_printf("ERR(%s)", err->message));
        }
    }
    g_ptr_array_add(out, NULL);
    return g_strjoinv(" | ", (char **)out->pdata);
}

static char *split(const char *input, size_t chunk)
{
    JsonStream *js = json_stream_new(JSON_STREAM_MAX_SIZE,
                                     JSON_STREAM_MAX_DEPTH);
    char *res = run(js, input, strlen(input), chunk);

    json_stream_free(js);
    return res;
}

static void assert_split(const char *input, const char *expected)
{
    /* whole, byte by byte and in odd chunks: always the same result */
    static const size_t chunks[] = { 0, 1, 2, 3, 7 };

    for (size_t i = 0; i < G_N_ELEMENTS(chunks); i++) {
        g_autofree char *got = split(input, chunks[i]);

        if (g_strcmp0(got, expected)) {
            g_error("input '%s' (chunks of %zu): got '%s', expected '%s'",
                    input, chunks[i], got, expected);
        }
    }
}

static void test_one_object(void)
{
    assert_split("{\"execute\": \"quit\"}", "{\"execute\":\"quit\"}");
}

static void test_several_per_read(void)
{
    assert_split("{\"a\":1}{\"b\":2}\n{\"c\":[1,{}]}  ",
                 "{\"a\":1} | {\"b\":2} | {\"c\":[1,{}]}");
}

static void test_brackets_in_strings(void)
{
    assert_split("{\"a\":\"}]\\\"{[\\\\\"}", "{\"a\":\"}]\\\"{[\\\\\"}");
}

static void test_top_level_scalars(void)
{
    /* a bare scalar ends at the next delimiter, as QEMU's lexer needs */
    g_autofree char *pending = split("123", 0);

    assert_split("123 \"str\" true\n[]", "123 | \"str\" | true | []");
    g_assert_cmpstr(pending, ==, "");
}

static void test_partial_value_waits(void)
{
    g_autofree char *got = split("{\"execute\": \"qu", 0);

    g_assert_cmpstr(got, ==, "");
}

static void test_garbage_then_value(void)
{
    /* one error for a run of garbage, then the stream is usable again */
    assert_split("@@@ $%^{\"a\":1}",
                 "ERR(JSON parse error, stray '@') | {\"a\":1}");
}

static void test_stray_in_value(void)
{
    /* the broken value is dropped up to its closing bracket */
    assert_split("{\"a\": @x, \"b\": [1]}{\"ok\":true}",
                 "ERR(JSON parse error, stray '@') | {\"ok\":true}");
}

static void test_stray_closer(void)
{
    assert_split("}{\"a\":1}",
                 "ERR(JSON parse error, stray '}') | {\"a\":1}");
}

static void test_control_char_in_string(void)
{
    /* the string ends at the control character, as in QEMU's lexer */
    assert_split("{\"execute\": \"query-\x01\xff]}{\"b\":2}",
                 "ERR(JSON parse error, stray '\\x01' in string) | "
                 "{\"b\":2}");
    assert_split("\"top\nlevel {\"b\":2}",
                 "ERR(JSON parse error, stray '\\x0a' in string) | "
                 "ERR(JSON parse error, unexpected identifier `level', "
                 "expected value at line 1 column 5) | {\"b\":2}");
}

static void test_mismatched_closer(void)
{
    /* reported at once, not when (if ever) the braces balance */
    g_autofree char *got = split("{\"a\": [1}", 0);

    g_assert_cmpstr(got, ==, "ERR(JSON parse error, stray '}')");
    /* and the broken value ends when braces and brackets balance */
    assert_split("{\"a\": [1}]{}", "ERR(JSON parse error, stray '}') | {}");
    assert_split("{\"a\": 1]}{}", "ERR(JSON parse error, stray ']') | {}");
}

static void test_nul_and_high_bytes(void)
{
    static const char input[] = "\0\xff{\"a\":1}";
    JsonStream *js = json_stream_new(64, 8);
    g_autofree char *got = run(js, input, sizeof(input) - 1, 1);

    g_assert_cmpstr(got, ==, "ERR(JSON parse error, stray '\\x00') | "
                    "{\"a\":1}");
    json_stream_free(js);
}

static void test_syntax_error(void)
{
    g_autofree char *got = split("{\"a\" 1}{\"b\":2}", 0);

    g_assert_true(g_str_has_prefix(got, "ERR(JSON parse error, "));
    g_assert_true(g_str_has_suffix(got, " | {\"b\":2}"));
}

static void test_size_limit(void)
{
    JsonStream *js = json_stream_new(64, 8);
    g_autoptr(GString) big = g_string_new("{\"a\": \"");
    g_autofree char *got = NULL;
    g_autoptr(GError) err = NULL;

    for (int i = 0; i < 10000; i++) {
        g_string_append(big, "xxxxxxxxxx");
    }
    g_string_append(big, "\"}{\"b\":2}");
    got = run(js, big->str, big->len, 4096);
    g_assert_cmpstr(got, ==, "ERR(JSON size limit of 64 bytes exceeded) | "
                    "{\"b\":2}");
    /* a huge top-level scalar too */
    json_stream_feed(js, "1234567890123456789012345678901234567890"
                     "12345678901234567890123456789 {}", 72);
    g_assert_cmpuint(json_stream_pending(js), ==, 2);
    g_assert_null(json_stream_pop(js, &err));
    g_assert_error(err, JSON_STREAM_ERROR, EMSGSIZE);
    json_stream_free(js);
}

static void test_depth_limit(void)
{
    JsonStream *js = json_stream_new(1 << 20, 4);
    g_autofree char *ok = run(js, "[[[[1]]]]", 9, 0);
    g_autofree char *deep = run(js, "[[[[[1]]]]]{}", 13, 0);

    g_assert_cmpstr(ok, ==, "[[[[1]]]]");
    g_assert_cmpstr(deep, ==, "ERR(JSON nesting depth limit of 4 exceeded) "
                    "| {}");
    json_stream_free(js);
}

static void test_deep_garbage_bounded(void)
{
    /* a million '[' cost one error, not a million bytes of buffer */
    JsonStream *js = json_stream_new(1024, 16);
    g_autofree char *open = g_strnfill(1000000, '[');
    g_autofree char *close = g_strnfill(1000000, ']');
    g_autofree char *a = run(js, open, 1000000, 65536);
    g_autofree char *b = run(js, close, 1000000, 65536);
    g_autofree char *c = run(js, "{\"x\":1}", 7, 0);

    g_assert_cmpstr(a, ==, "ERR(JSON nesting depth limit of 16 exceeded)");
    g_assert_cmpstr(b, ==, "");
    g_assert_cmpstr(c, ==, "{\"x\":1}");
    json_stream_free(js);
}

static void test_numbers(void)
{
    assert_split("[0,-1,2.5,1e3,-0.5E-2,9223372036854775807]",
                 "[0,-1,2.5,1000.0,-0.0050000000000000001,"
                 "9223372036854775807]");
    /* json-glib alone would take these, or wrap them */
    assert_split("[01] {\"a\":0x10} [1.] [.5] - ",
                 "ERR(JSON parse error, invalid number '01') | "
                 "ERR(JSON parse error, invalid number '0x10') | "
                 "ERR(JSON parse error, invalid number '1.') | "
                 "ERR(JSON parse error, invalid number '.5') | "
                 "ERR(JSON parse error, invalid number '-')");
    assert_split("[9223372036854775808] -9223372036854775809 [1e999] {}",
                 "ERR(JSON parse error, number '9223372036854775808' is out "
                 "of range) | ERR(JSON parse error, number "
                 "'-9223372036854775809' is out of range) | "
                 "ERR(JSON parse error, number '1e999' is out of range) | {}");
}

static void test_whitespace_only(void)
{
    assert_split(" \t\r\n \n", "");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/json-stream/one-object", test_one_object);
    g_test_add_func("/json-stream/several-per-read", test_several_per_read);
    g_test_add_func("/json-stream/brackets-in-strings",
                    test_brackets_in_strings);
    g_test_add_func("/json-stream/top-level-scalars", test_top_level_scalars);
    g_test_add_func("/json-stream/partial-value-waits",
                    test_partial_value_waits);
    g_test_add_func("/json-stream/garbage-then-value",
                    test_garbage_then_value);
    g_test_add_func("/json-stream/stray-in-value", test_stray_in_value);
    g_test_add_func("/json-stream/stray-closer", test_stray_closer);
    g_test_add_func("/json-stream/control-char-in-string",
                    test_control_char_in_string);
    g_test_add_func("/json-stream/mismatched-closer", test_mismatched_closer);
    g_test_add_func("/json-stream/nul-and-high-bytes",
                    test_nul_and_high_bytes);
    g_test_add_func("/json-stream/syntax-error", test_syntax_error);
    g_test_add_func("/json-stream/size-limit", test_size_limit);
    g_test_add_func("/json-stream/depth-limit", test_depth_limit);
    g_test_add_func("/json-stream/deep-garbage-bounded",
                    test_deep_garbage_bounded);
    g_test_add_func("/json-stream/numbers", test_numbers);
    g_test_add_func("/json-stream/whitespace-only", test_whitespace_only);
    return g_test_run();
}
