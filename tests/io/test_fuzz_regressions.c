/* Replays the fuzzing seeds (fuzz/corpus/<target>) and the regression inputs
 * (fuzz/regressions/<target>) through the contract checks of the libFuzzer harnesses
 * (fuzz/contract_<target>.c, compiled into this test: one copy of each check), with the normal
 * compiler and no libFuzzer; the sanitizer build turns memory errors into failures. A failure
 * names the file.
 *
 * Seeds must parse unless named refused-*. The regression inputs, written by
 * fuzz/make_regressions.py, are malformed or borderline files of the kinds that break parsers
 * (and any input the fuzzer ever found); fuzz/regressions/<target>.tsv says for each whether it
 * is accepted or, if refused, a fragment of the message it must be refused with, so that it
 * keeps exercising the check it was made for. A missing or empty folder or list fails the case:
 * the replay cannot silently check nothing. */
#include "test_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "contract.h"

#ifndef RM_FUZZ_DIR
#error "RM_FUZZ_DIR must name the fuzz folder (tests/CMakeLists.txt)"
#endif

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of dir (not hidden) as malloc'd paths, sorted; fails if there are none. */
static char **list_files(const char *dir, size_t *count)
{
    size_t n = 0, cap = 16;
    char **paths = malloc(cap * sizeof *paths);
    assert_non_null(paths);
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("%s: cannot open the folder", dir);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        char *p = tu_path(dir, e->d_name);
        struct stat sb;
        if (stat(p, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            free(p);
            continue;
        }
        if (n == cap) {
            cap *= 2;
            paths = realloc(paths, cap * sizeof *paths);
            assert_non_null(paths);
        }
        paths[n++] = p;
    }
    closedir(d);
    if (n == 0)
        fail_msg("%s: no input files", dir);
    qsort(paths, n, sizeof *paths, cmp_names);
    *count = n;
    return paths;
}

static void free_files(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}

/* One replay: the file, and the message fragment its refusal must show (NULL: none asked). */
struct replay {
    const char *file;
    const char *fragment;
    int found; /* some refusal's message held the fragment */
};

static void replay_broken(void *ctx, const char *what)
{
    const struct replay *p = ctx;
    fail_msg("%s: contract broken: %s", p->file, what);
}

static void replay_refused(void *ctx, const char *msg)
{
    struct replay *p = ctx;
    if (p->fragment && strstr(msg, p->fragment))
        p->found = 1;
}

/* Runs the target's contract check on p->file; returns 1 if the file was accepted. */
static int replay_file(const char *target, struct replay *p)
{
    print_message("%s\n", p->file); /* names the file if the parser crashes */
    size_t size;
    uint8_t *data = tu_read_file(p->file, &size);
    const struct contract_report report = {replay_broken, replay_refused, p};
    int accepted = strcmp(target, "idx") == 0     ? contract_check_idx(data, size, p->file, &report)
                   : strcmp(target, "ckpt") == 0  ? contract_check_ckpt(data, size, &report)
                   : strcmp(target, "image") == 0 ? contract_check_image(data, size, &report)
                                                  : contract_check_font(data, size, &report);
    free(data);
    return accepted;
}

/* The seeds of fuzz/corpus/<target>: valid files unless named refused-*. A seed that no longer
 * parses, or a seed folder gone missing, would leave the fuzzer stuck at the first checks. */
static void replay_seeds(const char *target)
{
    char *dir = tu_path(RM_FUZZ_DIR "/corpus", target);
    size_t n;
    char **files = list_files(dir, &n);
    for (size_t i = 0; i < n; i++) {
        struct replay p = {files[i], NULL, 0};
        int accepted = replay_file(target, &p);
        const char *base = strrchr(files[i], '/') + 1;
        int refused = strncmp(base, "refused-", strlen("refused-")) == 0;
        if (accepted == refused)
            fail_msg("%s: seed %s", files[i],
                     refused ? "named refused-* is accepted" : "is refused");
    }
    free_files(files, n);
    free(dir);
}

/* One line of fuzz/regressions/<target>.tsv: "<file>\t<verdict>\t<why>", the verdict
 * "accepted" or "refused: <message fragment>". Points into the list's text. */
struct expectation {
    const char *name;
    const char *fragment; /* NULL when accepted */
    int used;
};

/* Splits the list's text (modified in place) into at most max expectations; returns how many. */
static size_t parse_expectations(char *text, const char *list, struct expectation *x, size_t max)
{
    size_t n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#' || line[0] == 0)
            continue;
        char *verdict = strchr(line, '\t');
        if (!verdict)
            fail_msg("%s: line without a verdict: %s", list, line);
        *verdict++ = 0;
        char *why = strchr(verdict, '\t');
        if (why)
            *why = 0;
        if (n == max)
            fail_msg("%s: more than %zu lines", list, max);
        x[n] = (struct expectation){line, NULL, 0};
        if (strncmp(verdict, "refused: ", 9) == 0 && verdict[9])
            x[n].fragment = verdict + 9;
        else if (strcmp(verdict, "accepted") != 0)
            fail_msg("%s: %s: verdict '%s' is neither 'accepted' nor 'refused: <fragment>'", list,
                     line, verdict);
        n++;
    }
    return n;
}

#define MAX_REGRESSIONS 256

/* The inputs of fuzz/regressions/<target>: each listed in <target>.tsv and given the verdict
 * listed there; each listed file present. */
static void replay_regressions(const char *target)
{
    char *dir = tu_path(RM_FUZZ_DIR "/regressions", target);
    char list[512];
    snprintf(list, sizeof list, "%s.tsv", dir);
    struct stat sb;
    if (stat(list, &sb) != 0)
        fail_msg("%s: missing (run fuzz/make_regressions.py)", list);
    size_t len;
    char *text = (char *)tu_read_file(list, &len);
    text[len] = 0;
    static struct expectation x[MAX_REGRESSIONS];
    size_t nx = parse_expectations(text, list, x, MAX_REGRESSIONS);

    size_t n;
    char **files = list_files(dir, &n);
    for (size_t i = 0; i < n; i++) {
        const char *base = strrchr(files[i], '/') + 1;
        struct expectation *e = NULL;
        for (size_t k = 0; k < nx && !e; k++)
            if (strcmp(x[k].name, base) == 0)
                e = &x[k];
        if (!e)
            fail_msg("%s: not listed in %s", files[i], list);
        e->used = 1;
        struct replay p = {files[i], e->fragment, 0};
        int accepted = replay_file(target, &p);
        if (!e->fragment && !accepted)
            fail_msg("%s: refused, but listed as accepted", files[i]);
        if (e->fragment && accepted)
            fail_msg("%s: accepted, but listed as refused (%s)", files[i], e->fragment);
        if (e->fragment && !p.found)
            fail_msg("%s: refused, but no message holds '%s'", files[i], e->fragment);
    }
    for (size_t k = 0; k < nx; k++)
        if (!x[k].used)
            fail_msg("%s: lists %s, which is not in %s", list, x[k].name, dir);
    free_files(files, n);
    free(text);
    free(dir);
}

static void test_fuzz_regressions_idx(void **state)
{
    (void)state;
    replay_seeds("idx");
    replay_regressions("idx");
}

static void test_fuzz_regressions_ckpt(void **state)
{
    (void)state;
    replay_seeds("ckpt");
    replay_regressions("ckpt");
}

static void test_fuzz_regressions_image(void **state)
{
    (void)state;
    replay_seeds("image");
    replay_regressions("image");
}

static void test_fuzz_regressions_font(void **state)
{
    (void)state;
    replay_seeds("font");
    replay_regressions("font");
}

#define SYS_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

/* fuzz/regressions/font-mutations.tsv: DejaVu Sans with bytes replaced in the tables a renderer
 * reads (the table directory, cmap, head, hhea, hmtx, kern, loca, maxp), 120 a font, each line
 * "<name>\t<offset>:<byte>,...". These 17 of 120 such mutants crashed the stb_truetype path
 * under ASan/UBSan (reads far out of bounds, a calloc of a negative size, shifts of negative
 * values); through FreeType each must be used or passed over, and drawn without harm. Needs
 * fonts-dejavu-core (the font the offsets are in). */
static void test_fuzz_regressions_font_mutations(void **state)
{
    (void)state;
    struct stat sb;
    if (stat(SYS_FONT, &sb) != 0)
        fail_msg("%s is missing: install fonts-dejavu-core", SYS_FONT);
    size_t len, tlen;
    uint8_t *orig = tu_read_file(SYS_FONT, &len), *font = malloc(len);
    assert_non_null(font);
    char *text = (char *)tu_read_file(RM_FUZZ_DIR "/regressions/font-mutations.tsv", &tlen);
    text[tlen] = 0;
    int mutants = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *list = strchr(line, '\t');
        if (!list)
            fail_msg("font-mutations.tsv: line without a list: %s", line);
        *list++ = 0;
        memcpy(font, orig, len);
        for (char *p = list; *p;) {
            char *end;
            unsigned long at = strtoul(p, &end, 10), value;
            if (*end != ':' || at >= len)
                fail_msg("%s: bad mutation at '%s'", line, p);
            value = strtoul(end + 1, &end, 10);
            if ((*end != ',' && *end != 0) || value > 255)
                fail_msg("%s: bad mutation value at '%s'", line, p);
            font[at] = (uint8_t)value;
            p = *end ? end + 1 : end;
        }
        print_message("%s\n", line);
        struct replay r = {line, NULL, 0};
        const struct contract_report report = {replay_broken, replay_refused, &r};
        contract_check_font(font, len, &report);
        mutants++;
    }
    assert_int_equal(mutants, 17);
    free(text), free(font), free(orig);
}

int main(int argc, char **argv)
{
    tu_select_case(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fuzz_regressions_idx),
        cmocka_unit_test(test_fuzz_regressions_ckpt),
        cmocka_unit_test(test_fuzz_regressions_image),
        cmocka_unit_test(test_fuzz_regressions_font),
        cmocka_unit_test(test_fuzz_regressions_font_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
