/*
 * Escapes per output language. Each walks the input as UTF-8 once, so
 * a byte that is not part of a valid sequence is never copied through
 * (an invalid byte can swallow the quote or angle bracket after it in
 * some readers).
 */
#include "tg_escape.h"

#include <string.h>

/*
 * Decode one UTF-8 sequence at s. Returns its length (1-4) and the code
 * point in *cp, or 0 for a byte that does not start a valid sequence
 * (overlong, surrogate, above U+10FFFF, truncated).
 */
static int utf8_next(const unsigned char *s, unsigned *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    int n;
    unsigned min;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        min = 0x80;
        c &= 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        min = 0x800;
        c &= 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        min = 0x10000;
        c &= 0x07;
    } else {
        return 0;
    }
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0; /* also stops at the terminating NUL */
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

/* C0 controls, DEL and C1 controls. */
static int is_control(unsigned cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

static const char REPLACEMENT[] = "\xef\xbf\xbd"; /* U+FFFD */

/* HTML and XML share everything but what tab, newline and CR become. */
static void markup(FILE *f, const char *s, int xml)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned cp;
        int n = utf8_next(p, &cp);
        if (n == 0) {
            fputs(REPLACEMENT, f);
            p++;
            continue;
        }
        switch (cp) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        case '\t':
        case '\n':
            if (xml)
                fprintf(f, "&#%u;", cp);
            else
                fputc((int)cp, f);
            break;
        case '\r': fputs("&#13;", f); break;
        default:
            if (is_control(cp) || (xml && (cp == 0xfffe || cp == 0xffff)))
                fputs(REPLACEMENT, f);
            else
                fwrite(p, 1, (size_t)n, f);
        }
        p += n;
    }
}

void tg_esc_html(FILE *f, const char *s)
{
    markup(f, s ? s : "", 0);
}

void tg_esc_xml(FILE *f, const char *s)
{
    markup(f, s ? s : "", 1);
}

static void github(FILE *f, const char *s, int property)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        unsigned cp;
        int n = utf8_next(p, &cp);
        if (n == 0) {
            fputs(REPLACEMENT, f);
            p++;
            continue;
        }
        if (cp == '%')
            fputs("%25", f);
        else if (cp == '\r')
            fputs("%0D", f);
        else if (cp == '\n')
            fputs("%0A", f);
        else if (property && cp == ':')
            fputs("%3A", f);
        else if (property && cp == ',')
            fputs("%2C", f);
        else if (cp != '\t' && is_control(cp))
            fputs(REPLACEMENT, f);
        else
            fwrite(p, 1, (size_t)n, f);
        p += n;
    }
}

void tg_esc_gh_message(FILE *f, const char *s)
{
    github(f, s, 0);
}

void tg_esc_gh_property(FILE *f, const char *s)
{
    github(f, s, 1);
}

void tg_esc_md(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        unsigned cp;
        int n = utf8_next(p, &cp);
        if (n == 0) {
            fputs(REPLACEMENT, f);
            p++;
            continue;
        }
        switch (cp) {
        case '\n':
        case '\r':
        case '\t': fputc(' ', f); break;
        case '|':
        case '\\':
        case '`':
        case '*':
        case '[':
        case ']':
            fputc('\\', f);
            fputc((int)cp, f);
            break;
        case '<':
            /* Only '<' can open raw HTML; '>' and '&' stay readable
             * (an entity decodes to text, never to a tag). */
            fputs("&lt;", f);
            break;
        default:
            if (is_control(cp))
                fputs(REPLACEMENT, f);
            else
                fwrite(p, 1, (size_t)n, f);
        }
        p += n;
    }
}

void tg_esc_md_code(FILE *f, const char *s)
{
    s = s ? s : "";
    /* A code span ends at a run of backticks as long as its fence. */
    size_t longest = 0, run = 0;
    for (const char *q = s; *q; q++) {
        run = *q == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    size_t len = strlen(s);
    int pad = len && (s[0] == '`' || s[len - 1] == '`');
    for (size_t i = 0; i <= longest; i++)
        fputc('`', f);
    if (pad)
        fputc(' ', f);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned cp;
        int n = utf8_next(p, &cp);
        if (n == 0) {
            fputs(REPLACEMENT, f);
            p++;
            continue;
        }
        if (cp == '\n' || cp == '\r' || cp == '\t')
            fputc(' ', f);
        else if (cp == '|')
            fputs("\\|", f); /* GFM splits table cells even in code spans */
        else if (is_control(cp))
            fputs(REPLACEMENT, f);
        else
            fwrite(p, 1, (size_t)n, f);
        p += n;
    }
    if (pad)
        fputc(' ', f);
    for (size_t i = 0; i <= longest; i++)
        fputc('`', f);
}

void tg_esc_term(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        unsigned cp;
        int n = utf8_next(p, &cp);
        if (n == 0) {
            fprintf(f, "\\x%02x", *p);
            p++;
            continue;
        }
        if (cp == '\n')
            fputs("\\n", f);
        else if (cp == '\t')
            fputs("\\t", f);
        else if (cp == '\r')
            fputs("\\r", f);
        else if (cp < 0x80 && is_control(cp))
            fprintf(f, "\\x%02x", cp);
        else if (is_control(cp))
            fprintf(f, "\\u%04x", cp);
        else
            fwrite(p, 1, (size_t)n, f);
        p += n;
    }
}

const char *tg_esc_term_buf(const char *s, char *buf, size_t size)
{
    if (size == 0)
        return buf;
    buf[0] = '\0';
    FILE *m = fmemopen(buf, size, "w");
    if (!m)
        return buf;
    setvbuf(m, NULL, _IONBF, 0);
    tg_esc_term(m, s);
    fclose(m);
    buf[size - 1] = '\0';
    return buf;
}

void tg_esc_sql_comment(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        unsigned cp;
        int n = utf8_next(p, &cp);
        if (n == 0 || is_control(cp)) {
            /* Every byte of it, so no part of a C1 sequence stays raw. */
            int k = n ? n : 1;
            for (int i = 0; i < k; i++)
                fprintf(f, "\\x%02x", p[i]);
            p += k;
            continue;
        }
        if (cp == '*' && p[1] == '/')
            fputs("* ", f); /* never close an enclosing block comment */
        else if (cp == '/' && p[1] == '*')
            fputs("/ ", f);
        else
            fwrite(p, 1, (size_t)n, f);
        p += n;
    }
}

void tg_esc_sql_string(FILE *f, const char *s, tg_sql_literal style)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    int backslash = style == TG_SQL_LITERAL_BACKSLASH;
    if (style == TG_SQL_LITERAL_POSTGRES) {
        for (const unsigned char *q = p; *q && !backslash; q++)
            backslash = *q == '\\' || *q < 0x20 || *q == 0x7f;
        if (backslash)
            fputc('E', f);
    }
    fputc('\'', f);
    for (; *p; p++) {
        if (!backslash) {
            if (*p == '\'')
                fputc('\'', f);
            fputc(*p, f);
            continue;
        }
        switch (*p) {
        case '\'': fputs("\\'", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fprintf(f, "\\x%02x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('\'', f);
}

int tg_path_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64 || s[0] == '.' || s[0] == '-' || strstr(s, ".."))
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
              (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
              *p == '-'))
            return 0;
    return 1;
}
