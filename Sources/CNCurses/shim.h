// The wide-character ncurses API (get_wch, setcchar, mvadd_wch) is only declared with
// _XOPEN_SOURCE_EXTENDED. Swift 6 rejects curses' mutable C globals as not concurrency-safe,
// so they are read through the inline functions below.
#ifndef THINKSCOPE_CNCURSES_SHIM_H
#define THINKSCOPE_CNCURSES_SHIM_H

#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <locale.h>
#include <langinfo.h>
#include <wchar.h>
#include <signal.h>
#include <pthread.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <ncursesw/curses.h>

// glibc declares wcwidth only under _XOPEN_SOURCE; the C library always has it.
extern int wcwidth(wchar_t c);
static inline int ts_wcwidth(unsigned int c) { return wcwidth((wchar_t)c); }

static inline WINDOW *ts_stdscr(void) { return stdscr; }
static inline int ts_colors(void) { return COLORS; }
static inline int ts_color_pairs(void) { return COLOR_PAIRS; }
static inline int ts_lines(void) { return LINES; }
static inline int ts_cols(void) { return COLS; }
static inline int ts_key_resize(void) { return KEY_RESIZE; }
static inline int ts_key_mouse(void) { return KEY_MOUSE; }
static inline int ts_err(void) { return ERR; }
static inline int ts_key_code_yes(void) { return KEY_CODE_YES; }
static inline int ts_key_f(int n) { return KEY_F(n); }
static inline void ts_set_escdelay(int ms) { set_escdelay(ms); }
/// newterm on stdout/stdin with a named terminal description.
static inline SCREEN *ts_newterm(const char *name) { return newterm(name, stdout, stdin); }

static inline attr_t ts_a_bold(void) { return A_BOLD; }
static inline attr_t ts_a_dim(void) { return A_DIM; }
static inline attr_t ts_a_underline(void) { return A_UNDERLINE; }
static inline attr_t ts_a_reverse(void) { return A_REVERSE; }
static inline attr_t ts_a_italic(void) { return A_ITALIC; }
static inline attr_t ts_a_normal(void) { return A_NORMAL; }

static inline mmask_t ts_all_mouse_events(void) { return ALL_MOUSE_EVENTS | REPORT_MOUSE_POSITION; }
static inline mmask_t ts_button1_pressed(void) { return BUTTON1_PRESSED | BUTTON1_CLICKED; }
static inline mmask_t ts_button4_pressed(void) { return BUTTON4_PRESSED; }
#if defined(BUTTON5_PRESSED)
static inline mmask_t ts_button5_pressed(void) { return BUTTON5_PRESSED; }
#else
static inline mmask_t ts_button5_pressed(void) { return 0; }
#endif

/// One cell: a spacing character plus up to four combining characters, drawn with an
/// extended colour pair and attributes.
static inline int ts_put_cell(int y, int x, const wchar_t *wch, attr_t attrs, int pair) {
    cchar_t c;
    if (setcchar(&c, wch, attrs, 0, &pair) == ERR) return ERR;
    return mvadd_wch(y, x, &c);
}

// MARK: Signals and a last-resort terminal restore

static volatile sig_atomic_t ts_pending_signal = 0;
static inline struct termios *ts_saved_termios(void) {
    static struct termios saved;
    return &saved;
}
static volatile sig_atomic_t ts_have_termios = 0;

static void ts_on_termination(int sig) { ts_pending_signal = sig; }

/// A crash (trap, segfault, abort): put the terminal back with async-signal-safe calls only,
/// then die of the same signal.
static void ts_on_crash(int sig) {
    static const char reset[] =
        "\033[?2004l\033[?1000l\033[?1002l\033[?1003l\033[?1006l\033[0m\033[?25h\033[?1049l\r\n";
    ssize_t n = write(STDOUT_FILENO, reset, sizeof reset - 1);
    (void)n;
    if (ts_have_termios) tcsetattr(STDIN_FILENO, TCSANOW, ts_saved_termios());
    signal(sig, SIG_DFL);
    raise(sig);
}

/// Saves the terminal mode (call before initscr) and installs the handlers: SIGINT, SIGTERM,
/// SIGHUP and SIGQUIT only set a flag the UI loop polls; crash signals restore the terminal.
static inline void ts_install_signal_handlers(void) {
    if (tcgetattr(STDIN_FILENO, ts_saved_termios()) == 0) ts_have_termios = 1;
    struct sigaction term;
    memset(&term, 0, sizeof term);
    term.sa_handler = ts_on_termination;
    sigemptyset(&term.sa_mask);
    sigaction(SIGINT, &term, NULL);
    sigaction(SIGTERM, &term, NULL);
    sigaction(SIGHUP, &term, NULL);
    sigaction(SIGQUIT, &term, NULL);
    struct sigaction crash;
    memset(&crash, 0, sizeof crash);
    crash.sa_handler = ts_on_crash;
    sigemptyset(&crash.sa_mask);
    int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
    for (unsigned i = 0; i < sizeof fatal / sizeof fatal[0]; i++) sigaction(fatal[i], &crash, NULL);
    // A parent may have started us with signals blocked (thread pools block them, and the mask is
    // inherited): termination must reach us, and curses needs SIGWINCH to see resizes.
    sigset_t wanted;
    sigemptyset(&wanted);
    int needed[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGCONT, SIGTSTP};
    for (unsigned i = 0; i < sizeof needed / sizeof needed[0]; i++) sigaddset(&wanted, needed[i]);
    pthread_sigmask(SIG_UNBLOCK, &wanted, NULL);
}

static inline void ts_restore_default_signals(void) {
    int all[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++) signal(all[i], SIG_DFL);
}

static inline int ts_take_signal(void) {
    int s = ts_pending_signal;
    ts_pending_signal = 0;
    return s;
}

/// Whether the locale's character set is UTF-8.
static inline int ts_locale_is_utf8(void) {
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

static inline void ts_write_stdout(const char *s) {
    ssize_t n = write(STDOUT_FILENO, s, strlen(s));
    (void)n;
}

#endif
