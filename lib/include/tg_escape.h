/*
 * Escapes, one per output language. Every writer that puts text from a
 * rule set, a policy, a data file or a loaded result into HTML, XML,
 * Markdown, a terminal or SQL goes through these, so that such text is
 * always shown as text and never read as markup, escape sequences or
 * SQL.
 *
 * Input is treated as UTF-8. A byte that does not start a valid UTF-8
 * sequence (overlong forms, surrogates and code points above U+10FFFF
 * included) is never copied as is: markup outputs show U+FFFD, the
 * terminal and SQL comments show \xHH.
 */
#ifndef TG_ESCAPE_H
#define TG_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/**
 * HTML text, attribute values and <title>: & < > " ' and carriage
 * return as character references; control characters other than tab
 * and newline (C0, DEL, C1) as U+FFFD.
 */
void tg_esc_html(FILE *f, const char *s);

/**
 * XML 1.0 text and attribute values (JUnit): as HTML, and tab, newline
 * and carriage return as character references, so an attribute keeps
 * them; U+FFFE and U+FFFF (not XML characters) as U+FFFD.
 */
void tg_esc_xml(FILE *f, const char *s);

/**
 * A Markdown table cell or inline text: newlines become spaces (a cell
 * is one line); | \ ` * [ ] are backslash-escaped; < is &lt;, so raw
 * HTML shows as text (> and & stay: they cannot open a tag); control
 * characters as U+FFFD.
 */
void tg_esc_md(FILE *f, const char *s);

/**
 * A Markdown code span around s: fenced with one backtick more than the
 * longest run inside; newlines become spaces.
 */
void tg_esc_md_code(FILE *f, const char *s);

/**
 * Terminal text: control characters (C0, DEL, C1, and so ESC) shown as
 * \n, \t, \r, \xHH or \u00HH; invalid UTF-8 bytes as \xHH.
 */
void tg_esc_term(FILE *f, const char *s);

/**
 * A GitHub Actions workflow command (`::error file=F,title=T::MESSAGE`),
 * by GitHub's rules: in the message % CR LF become %25 %0D %0A; in a
 * property value also : and , become %3A %2C. Any other control
 * character and invalid UTF-8 show as U+FFFD, so no text can end the
 * command early or start another one.
 */
void tg_esc_gh_message(FILE *f, const char *s);
void tg_esc_gh_property(FILE *f, const char *s);

/** tg_esc_term into buf (truncated to size - 1 bytes); returns buf. */
const char *tg_esc_term_buf(const char *s, char *buf, size_t size);

/**
 * The body of an SQL line comment ("-- " is the caller's): control
 * characters, newlines included, shown as \xHH, so the comment always
 * ends where the generator ends the line. Also safe inside a block
 * comment: "*" followed by "/" is split.
 */
void tg_esc_sql_comment(FILE *f, const char *s);

/** How a dialect writes a string literal. */
typedef enum {
    /* SQLite, DuckDB: 'it''s'; every other character stands for itself. */
    TG_SQL_LITERAL_STANDARD = 0,
    /* BigQuery: 'it\'s', backslash escapes, control characters as \xHH
     * (a raw newline is not allowed in a quoted literal). */
    TG_SQL_LITERAL_BACKSLASH,
    /* PostgreSQL: 'it''s', or E'...' with backslash escapes when the
     * text holds a backslash or a control character, so the meaning does
     * not depend on standard_conforming_strings. */
    TG_SQL_LITERAL_POSTGRES
} tg_sql_literal;

/** s as a complete string literal, quotes included. */
void tg_esc_sql_string(FILE *f, const char *s, tg_sql_literal style);

/**
 * Whether s is safe as a name that becomes part of a file path: 1 to 64
 * characters from A-Z a-z 0-9 . _ -, not starting with '.' or '-', and
 * without "..". Returns 1 when it is.
 */
int tg_path_name_ok(const char *s);

#endif
