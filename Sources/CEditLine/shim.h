#ifndef KPIQ_CEDITLINE_SHIM_H
#define KPIQ_CEDITLINE_SHIM_H

// libedit's native API (BSD licensed). Never include <readline/readline.h>: that is GNU readline.
#include <histedit.h>
#include <stdio.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

// glibc declares wcwidth only under _XOPEN_SOURCE.
int wcwidth(wchar_t c);

// Swift cannot call C variadic functions (el_set, el_get, history), and Swift 6 strict
// concurrency rejects touching the global FILE pointers stdin/stdout/stderr. Each use the shell
// needs is wrapped here in a small fixed-signature function.

/// The type of a function bound to a key (EL_ADDFN): returns one of the CC_ codes.
typedef unsigned char (*kpiq_el_key_function)(EditLine *, int);
/// The type of a prompt function (EL_PROMPT).
typedef char *(*kpiq_el_prompt_function)(EditLine *);

/// An editor on the process's standard streams.
static inline EditLine *kpiq_el_init(const char *program) {
    return el_init(program, stdin, stdout, stderr);
}

static inline int kpiq_el_set_prompt(EditLine *el, kpiq_el_prompt_function prompt) {
    return el_set(el, EL_PROMPT, prompt);
}

/// "emacs" or "vi".
static inline int kpiq_el_set_editor(EditLine *el, const char *mode) {
    return el_set(el, EL_EDITOR, mode);
}

/// The current editor mode ("emacs" or "vi"), or NULL.
static inline const char *kpiq_el_get_editor(EditLine *el) {
    const char *mode = NULL;
    if (el_get(el, EL_EDITOR, &mode) != 0) return NULL;
    return mode;
}

/// With 1, libedit installs its own handlers while editing (resize, suspend, restore the tty).
static inline int kpiq_el_set_signal(EditLine *el, int on) {
    return el_set(el, EL_SIGNAL, on);
}

/// Keeps ISIG off while editing, so Ctrl-C and Ctrl-Z reach the key map instead of raising
/// signals (libedit forces ISIG on otherwise). Outside el_gets the original modes are restored.
static inline int kpiq_el_set_tty_no_signals(EditLine *el) {
    return el_set(el, EL_SETTY, "-d", "-isig", (const char *)NULL);
}

/// Registers a named editor function.
static inline int kpiq_el_add_function(EditLine *el, const char *name, const char *help,
                                       kpiq_el_key_function function) {
    return el_set(el, EL_ADDFN, name, help, function);
}

/// Binds a key sequence (e.g. "^I") to an editor function by name.
static inline int kpiq_el_bind(EditLine *el, const char *key, const char *function) {
    return el_set(el, EL_BIND, key, function, (const char *)NULL);
}

/// Binds a key in vi's command map (bind -a).
static inline int kpiq_el_bind_command_map(EditLine *el, const char *key, const char *function) {
    return el_set(el, EL_BIND, "-a", key, function, (const char *)NULL);
}

/// The type of a read function (EL_GETCFN): stores one character, returns 1, 0 at end of
/// input, -1 on an error.
typedef int (*kpiq_el_read_function)(EditLine *, wchar_t *);

/// Replaces libedit's one-byte reads from standard input with `function`.
static inline int kpiq_el_set_read_function(EditLine *el, kpiq_el_read_function function) {
    return el_set(el, EL_GETCFN, function);
}

static inline int kpiq_el_set_history(EditLine *el, History *h) {
    return el_set(el, EL_HIST, history, h);
}

static inline int kpiq_el_set_client_data(EditLine *el, void *data) {
    return el_set(el, EL_CLIENTDATA, data);
}

static inline void *kpiq_el_get_client_data(EditLine *el) {
    void *data = NULL;
    if (el_get(el, EL_CLIENTDATA, &data) != 0) return NULL;
    return data;
}

// History.

static inline int kpiq_history_set_size(History *h, int size) {
    HistEvent event;
    return history(h, &event, H_SETSIZE, size);
}

static inline int kpiq_history_set_unique(History *h, int unique) {
    HistEvent event;
    return history(h, &event, H_SETUNIQUE, unique);
}

static inline int kpiq_history_enter(History *h, const char *line) {
    HistEvent event;
    return history(h, &event, H_ENTER, line);
}

static inline int kpiq_history_load(History *h, const char *path) {
    HistEvent event;
    return history(h, &event, H_LOAD, path);
}

static inline int kpiq_history_save(History *h, const char *path) {
    HistEvent event;
    return history(h, &event, H_SAVE, path);
}

static inline int kpiq_history_clear(History *h) {
    HistEvent event;
    return history(h, &event, H_CLEAR);
}

/// The newest entry, or NULL when there is none.
static inline const char *kpiq_history_newest(History *h) {
    HistEvent event;
    if (history(h, &event, H_FIRST) < 0) return NULL;
    return event.str;
}

/// Appends `line` as one entry to the history file open (for appending, and locked by the
/// caller) on `fd`, in libedit's own file encoding: a one-entry History is saved to a
/// temporary file and its entry line (after the `_HiStOrY_V2_` header) copied over.
/// Returns 0, or -1 on an error.
static inline int kpiq_history_append_entry(int fd, const char *line) {
    HistEvent event;
    History *one = history_init();
    if (one == NULL) return -1;
    history(one, &event, H_SETSIZE, 1);
    history(one, &event, H_ENTER, line);
    FILE *scratch = tmpfile();
    if (scratch == NULL) { history_end(one); return -1; }
    int saved = history(one, &event, H_SAVE_FP, scratch);
    history_end(one);
    if (saved < 0 || fflush(scratch) != 0) { fclose(scratch); return -1; }
    rewind(scratch);
    int c;
    while ((c = fgetc(scratch)) != EOF && c != '\n') {}
    char buffer[4096];
    size_t n;
    int result = 0;
    while ((n = fread(buffer, 1, sizeof buffer, scratch)) > 0) {
        size_t done = 0;
        while (done < n) {
            ssize_t w = write(fd, buffer + done, n - done);
            if (w < 0) { result = -1; break; }
            done += (size_t)w;
        }
        if (result < 0) break;
    }
    fclose(scratch);
    return result;
}

// Terminal modes (struct termios field names differ between systems; keep them in C).

/// Turns ISIG on for descriptor `fd` if it is off; returns 1 when it changed something.
static inline int kpiq_tty_ensure_signals(int fd) {
    struct termios modes;
    if (tcgetattr(fd, &modes) != 0) return 0;
    if (modes.c_lflag & ISIG) return 0;
    modes.c_lflag |= ISIG;
    return tcsetattr(fd, TCSADRAIN, &modes) == 0 ? 1 : 0;
}

/// Unblocks, in the calling thread, the signals the shell relies on (Ctrl-C, suspend and
/// resume, window size, hang-up). A parent can pass them blocked: a thread of a test runner
/// that starts kpiq through posix_spawn, for one.
static inline int kpiq_unblock_terminal_signals(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGQUIT);
    sigaddset(&set, SIGTSTP);
    sigaddset(&set, SIGCONT);
    sigaddset(&set, SIGWINCH);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    return pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

/// Terminal cells a character takes in the current locale (-1 when not printable).
static inline int kpiq_wcwidth(unsigned int c) {
    return wcwidth((wchar_t)c);
}

#endif
