/* The man page (docs/resnet-mnist.1) documents every option the program's help texts list:
 * the options of `resnet-mnist --help` in its OPTIONS section, and those of every command that
 * `--help` lists (`resnet-mnist COMMAND --help`) in that command's `.SS COMMAND` section, each
 * as the tag of a .TP paragraph. A new option or command without its man page entry fails here,
 * naming it. */
#include "test_util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NAMES 128
#define NAME_LEN  48

struct names {
    int n;
    char v[MAX_NAMES][NAME_LEN];
};

static int names_has(const struct names *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->v[i], name) == 0)
            return 1;
    return 0;
}

static void names_add(struct names *s, const char *name, size_t len)
{
    char buf[NAME_LEN];
    assert_true(len > 0 && len < NAME_LEN);
    memcpy(buf, name, len);
    buf[len] = 0;
    if (names_has(s, buf))
        return;
    assert_true(s->n < MAX_NAMES);
    strcpy(s->v[s->n++], buf);
}

static int is_name_char(int c)
{
    return isalnum(c) || c == '-' || c == '_';
}

/* Adds the options ("-h", "--epochs") that start the text at p: a list of tokens that begin
 * with '-', separated by ", " or by one space and an argument name ("--data DIR"), ended by two
 * spaces (the description) or the end of the line. */
static void options_at(struct names *s, const char *p)
{
    while (*p == '-') {
        const char *q = p;
        while (*q == '-')
            q++;
        while (is_name_char((unsigned char)*q))
            q++;
        if (q - p > 1)
            names_add(s, p, (size_t)(q - p));
        /* the option's value, if shown: " N", " [SPEC]", "=X" */
        if ((q[0] == ' ' || q[0] == '=') && q[1] != '-' && q[1] != ' ' && q[1] != 0) {
            q++;
            while (*q && *q != ' ' && *q != ',')
                q++;
        }
        /* the next option: after ", " ("-h, --help", "--mean X, --std Y") or one space */
        if (q[0] == ',' && q[1] == ' ' && q[2] == '-')
            p = q + 2;
        else if (q[0] == ' ' && q[1] == '-')
            p = q + 1;
        else
            break;
    }
}

/* The options a help text lists: lines that start, after at most six spaces, with '-'. Deeper
 * indented lines continue a description (one may start with "--resume ..."), so they are not
 * read. */
static void help_options(const char *help, struct names *s)
{
    s->n = 0;
    for (const char *line = help; *line;) {
        const char *end = strchr(line, '\n');
        if (!end)
            end = line + strlen(line);
        int indent = 0;
        while (line[indent] == ' ')
            indent++;
        if (indent >= 1 && indent <= 6 && line[indent] == '-')
            options_at(s, line + indent);
        line = *end ? end + 1 : end;
    }
}

/* The commands the main help lists: the first word of each line of its "Commands:" block. */
static void help_commands(const char *help, struct names *s)
{
    s->n = 0;
    const char *p = strstr(help, "\nCommands:\n");
    assert_non_null(p);
    p += strlen("\nCommands:\n");
    while (*p == ' ') {
        while (*p == ' ')
            p++;
        const char *q = p;
        while (is_name_char((unsigned char)*q))
            q++;
        if (q > p)
            names_add(s, p, (size_t)(q - p));
        p = strchr(p, '\n');
        if (!p)
            break;
        p++;
    }
}

/* One line of roff as text: "\-" as "-", font changes ("\fB", "\fI", "\fR", "\fP") and the
 * zero-width "\&" dropped, quotes dropped. */
static void deroff(const char *in, size_t len, char *out, size_t out_size)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < out_size; i++) {
        if (in[i] == '\\' && i + 1 < len) {
            if (in[i + 1] == '-') {
                out[o++] = '-';
                i++;
            } else if (in[i + 1] == 'f' && i + 2 < len) {
                i += 2;
            } else if (in[i + 1] == '&') {
                i++;
            } else {
                out[o++] = in[i];
            }
        } else if (in[i] != '"') {
            out[o++] = in[i];
        }
    }
    out[o] = 0;
}

/* The options a section of the man page documents: those on the tag line of each .TP
 * paragraph, from the line that starts the section (".SH OPTIONS", ".SS train") to the next
 * .SH or .SS. Returns 0 if there is no such section. */
static int man_section_options(const char *man, const char *heading, struct names *s)
{
    s->n = 0;
    size_t hlen = strlen(heading);
    const char *p = man;
    for (;;) {
        p = strstr(p, heading);
        if (!p)
            return 0;
        if ((p == man || p[-1] == '\n') && (p[hlen] == '\n' || p[hlen] == 0))
            break;
        p += hlen;
    }
    p = strchr(p, '\n');
    int after_tp = 0;
    while (p && *p) {
        p++;
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (strncmp(p, ".SH", 3) == 0 || strncmp(p, ".SS", 3) == 0)
            break;
        if (after_tp) {
            char text[512];
            deroff(p, len, text, sizeof text);
            /* skip the macro (".B", ".BI", ".BR"...) and read the tag's options */
            const char *t = text;
            if (*t == '.') {
                while (*t && *t != ' ')
                    t++;
            }
            for (; *t; t++)
                if (*t == '-' && (t == text || !is_name_char((unsigned char)t[-1])))
                    options_at(s, t);
        }
        after_tp = strncmp(p, ".TP", 3) == 0 && (len == 3 || p[3] == ' ');
        p = end;
    }
    return 1;
}

static char *read_man_page(void)
{
    size_t len;
    return (char *)tu_read_file(RM_MAN_PAGE, &len);
}

/* Appends to *missing (a malloc'd, growing string) each option of help that the man page's
 * section does not document, as "<where> <option>". */
static void check_section(const char *man, const char *help, const char *heading, const char *where,
                          char **missing)
{
    struct names listed, documented;
    help_options(help, &listed);
    assert_true(listed.n > 0); /* a help text without options would mean the parser broke */
    if (!man_section_options(man, heading, &documented)) {
        documented.n = 0;
    }
    for (int i = 0; i < listed.n; i++) {
        if (names_has(&documented, listed.v[i]))
            continue;
        size_t old = *missing ? strlen(*missing) : 0;
        size_t add = strlen(where) + strlen(listed.v[i]) + 4;
        *missing = realloc(*missing, old + add);
        assert_non_null(*missing);
        snprintf(*missing + old, add, "%s%s %s", old ? ", " : "", where, listed.v[i]);
    }
}

static void test_man_page_documents_every_option(void **state)
{
    (void)state;
    char *man = read_man_page();
    char *out, *err;
    assert_int_equal(tu_run_program(&out, &err, "--help", NULL), 0);
    char *missing = NULL;
    check_section(man, out, ".SH OPTIONS", "resnet-mnist", &missing);
    struct names commands;
    help_commands(out, &commands);
    assert_true(commands.n >= 4); /* train, test, predict, bench at least */
    free(out);
    free(err);
    for (int i = 0; i < commands.n; i++) {
        const char *cmd = commands.v[i];
        if (tu_run_program(&out, &err, cmd, "--help", NULL) != 0)
            fail_msg("'resnet-mnist %s --help' failed: %s", cmd, err);
        char heading[NAME_LEN + 8];
        snprintf(heading, sizeof heading, ".SS %s", cmd);
        struct names unused;
        if (!man_section_options(man, heading, &unused))
            fail_msg("%s: no '.SS %s' section for the command '%s'", RM_MAN_PAGE, cmd, cmd);
        check_section(man, out, heading, cmd, &missing);
        free(out);
        free(err);
    }
    if (missing)
        fail_msg("%s does not document: %s", RM_MAN_PAGE, missing);
    free(man);
}

/* The checks above on texts made up here: they find what is missing, and only that. */
static void test_man_page_check_finds_a_missing_option(void **state)
{
    (void)state;
    const char *help = "Usage: x train [OPTIONS]\n"
                       "  --epochs N     epochs (default 50)\n"
                       "  --out DIR      the folder; one that holds a run is refused unless\n"
                       "                 --resume continues it or --overwrite is given\n"
                       "  --quiet        quiet\n"
                       "  -h, --help     show this help\n"
                       "  --mean X, --std Y  normalisation\n";
    struct names listed;
    help_options(help, &listed);
    assert_int_equal(listed.n, 7);
    assert_string_equal(listed.v[0], "--epochs");
    assert_string_equal(listed.v[1], "--out");
    assert_string_equal(listed.v[2], "--quiet");
    assert_string_equal(listed.v[3], "-h");
    assert_string_equal(listed.v[4], "--help");
    assert_string_equal(listed.v[5], "--mean");
    assert_string_equal(listed.v[6], "--std");

    /* --quiet is mentioned in train's text but is no .TP tag there; it is a tag in test's */
    const char *man = ".SH OPTIONS\n"
                      ".TP\n"
                      ".BR \\-h \", \" \\-\\-help\n"
                      "Help.\n"
                      ".SS train\n"
                      ".TP\n"
                      ".BI \\-\\-epochs \" N\"\n"
                      "Epochs; see also \\fB\\-\\-quiet\\fR.\n"
                      ".TP\n"
                      "\\fB\\-\\-out\\fR \\fIDIR\\fR\n"
                      "The folder.\n"
                      ".TP\n"
                      ".BR \\-h \", \" \\-\\-help\n"
                      "Help.\n"
                      ".SS test\n"
                      ".TP\n"
                      ".B \\-\\-quiet\n"
                      "Quiet.\n";
    struct names documented;
    assert_int_equal(man_section_options(man, ".SS train", &documented), 1);
    assert_int_equal(documented.n, 4);
    assert_true(names_has(&documented, "--epochs"));
    assert_true(names_has(&documented, "--out"));
    assert_true(names_has(&documented, "-h"));
    assert_true(names_has(&documented, "--help"));
    assert_false(names_has(&documented, "--quiet"));

    char *missing = NULL;
    check_section(man, help, ".SS train", "train", &missing);
    assert_non_null(missing);
    assert_string_equal(missing, "train --quiet, train --mean, train --std");
    free(missing);
    missing = NULL;
    check_section(man, "  --quiet   quiet\n", ".SS test", "test", &missing);
    assert_null(missing);
    /* a section that is not there documents nothing: ".SS tes" is not ".SS test" */
    assert_int_equal(man_section_options(man, ".SS tes", &documented), 0);
    check_section(man, "  --quiet   quiet\n  --json  json\n", ".SS fetch", "fetch", &missing);
    assert_non_null(missing);
    assert_string_equal(missing, "fetch --quiet, fetch --json");
    free(missing);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_man_page_documents_every_option),
        cmocka_unit_test(test_man_page_check_finds_a_missing_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
