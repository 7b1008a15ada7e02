#!/usr/bin/env bash
#-------------------------------------------------------------------------
# .ci/check_packages.sh
#	Every Debian package that the project's commands use is installed by
#	the command itself: a missing install step shows on any machine, even
#	one where the package happens to be installed already.
#
# SCRIPTS (below) are the commands a user runs.  Each installs what it
# needs with `apt-get install --no-install-recommends`; its install list is
# the words inside `PACKAGES=( ... )` and `PACKAGES+=( ... )` in its text (a
# conditional addition counts).
#
# What a script uses is extracted from its text, not declared, so a new
# call is checked with no table to update:
#   programs    the command words of the shell code (comments and heredoc
#               bodies left out): first words of commands, after env, exec,
#               command, runuser -u X --, sudo, a leading "${array[@]}" and
#               VAR=value; the arguments of the script's own functions
#               (as_pg initdb ...); "$VAR" through the script's assignments
#               ("$PSQL", "$PYTHON", "$PG_REGRESS" by its last path part);
#               in Python, the program of subprocess.run/Popen/call/
#               check_call/check_output; in Perl, of start/run/system/
#               command_* calls.  A word counts when it names an executable
#               in /usr/lib/postgresql/15/bin, PGXS's src/test/regress,
#               /usr/sbin, /usr/bin, /sbin or /bin;
#   paths       absolute paths under /usr, /etc, /opt, /var/lib that exist
#               (a data set, a font, /usr/bin/python3);
#   extensions  CREATE EXTENSION names but vecext (their .control file);
#   Python      every module a Python file imports, anywhere in it (an
#               optional import too: a test that skips without it would
#               count differently on a fresh machine), and in
#               `python3 -c '...'` code; found by importlib.util.find_spec
#               in /usr/bin/python3; the standard library comes with python3;
#   Perl        every module a Perl file uses or requires, and every module
#               those load in turn, as perl's %INC shows after loading them
#               (PostgreSQL::Test::Cluster needs IPC::Run, and
#               postgresql-client-15, which ships it, does not depend on it).
# A script's helpers are scanned as part of it: the files it names
# (`*.py`, `*.pl`, `*.sh`, `*.sql`, by path or glob, as "$ROOT"/test/t/*.pl)
# and the local modules its Python files import.  A helper that is itself
# in SCRIPTS has its own list and is checked against that list only: a
# sub-script can be run by hand, so it must install what it uses; a helper
# without a list relies on its caller's (each script installs its list
# before anything else).
#
# The rule.  The package that owns the file (dpkg -S, trying /bin for
# /usr/bin and the symlink's target) must be one that the script's list
# installs: a listed package, or one in their Depends/Pre-Depends closure
# (apt always installs those; Recommends it does not: pg_prove was missing
# on fresh machines because postgresql-15-pgtap only recommends it), or the
# base system that every Debian root has (Priority required or Essential,
# what debootstrap --variant=minbase installs).  Else it fails, naming the
# script, the program or module, its package and where to add it.  A
# program, module or path that is not installed here, or that no package
# provides, fails too.  A command word that names a program the script
# does not need goes in OPTIONAL, with the reason.
#
# Also: README.md's opening section names (in backquotes) every package of
# the lists behind its two commands (README_SCRIPTS), and no other package.
#
# Closure and owners are read from this machine's dpkg database; a listed
# package that is not installed here (npm, listed only when there is no npm
# command) adds nothing.  No network.  `-v` lists every use and its package.
# Exit 0 = every use is installed by its script.
#-------------------------------------------------------------------------
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
exec /usr/bin/python3 - "$@" <<'PYTHON'
import ast, glob, importlib.util, os, re, shlex, subprocess, sys, tempfile

SCRIPTS = [
    "test/run",
    "examples/quickstart/run.sh",
    "examples/image_search/run.sh",
    "examples/image_search/clients/run.sh",
    "bench/run.sh",
    "test/soak.sh",
]
# The scripts behind the README's two commands, whose packages it names.
README_SCRIPTS = SCRIPTS[:4]
# Words that name a program the scripts do not need on a fresh machine.
OPTIONAL = {
    "sudo": "used only when not run as root, for make install",
    "git": "bench.py records the revision when git exists (a clone has it)",
}
PGBIN = "/usr/lib/postgresql/15/bin"
PGXS = "/usr/lib/postgresql/15/lib/pgxs"
PROGRAM_DIRS = [PGBIN, PGXS + "/src/test/regress", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
PERL_INC_EXTRA = [PGXS + "/src/test/perl"]

failures = []
VERBOSE = "-v" in sys.argv[1:]  # list every use and its package


def fail(msg):
    failures.append(msg)


# ---------------------------------------------------------------- dpkg
def dpkg_db():
    out = subprocess.run(
        ["dpkg-query", "-W", "-f",
         "${Package}\t${db:Status-Abbrev}\t${Depends}\t${Pre-Depends}\t${Provides}\t${Priority}\t${Essential}\n"],
        capture_output=True, text=True, check=True).stdout
    deps, provides, base = {}, {}, set()
    for line in out.splitlines():
        name, status, dep, pre, prov, prio, ess = line.split("\t")
        if not status.startswith("ii"):
            continue
        alts = []
        for clause in filter(None, (c.strip() for c in (dep + "," + pre).split(","))):
            alts.append([re.sub(r"[ (:].*", "", a.strip()) for a in clause.split("|")])
        deps[name] = alts
        for p in filter(None, (re.sub(r"[ (].*", "", x.strip()) for x in prov.split(","))):
            provides.setdefault(p, set()).add(name)
        if prio == "required" or ess == "yes":
            base.add(name)
    return deps, provides, base


DEPS, PROVIDES, BASE = dpkg_db()


def closure(roots):
    """Installed packages that `apt-get install --no-install-recommends roots` brings."""
    seen, todo = set(), list(roots)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        for alts in DEPS.get(p, []):
            # apt takes the first alternative that exists; a virtual one is
            # met by whichever installed package provides it.
            for a in alts:
                real = [a] if a in DEPS else sorted(PROVIDES.get(a, ()))
                if real:
                    todo.extend(real)
                    break
    return seen


BASE_ALL = closure(BASE)
_owner_cache = {}


def path_aliases(path):
    """The names dpkg may know path by: merged-/usr twins, the symlink target."""
    cands = [path]
    for a, b in (("/usr/bin/", "/bin/"), ("/usr/sbin/", "/sbin/"), ("/usr/lib/", "/lib/")):
        if path.startswith(a):
            cands.append(b + path[len(a):])
        elif path.startswith(b):
            cands.append(a + path[len(b):])
    real = os.path.realpath(path)
    if real != path:
        cands.append(real)
    return cands


def load_owners(paths):
    """dpkg -S for all of paths (and their aliases) in one call."""
    todo = sorted(set(c for p in paths for c in path_aliases(p)) - set(_owner_cache))
    if not todo:
        return
    out = subprocess.run(["dpkg-query", "-S"] + todo, capture_output=True, text=True).stdout
    for c in todo:
        _owner_cache[c] = None
    for line in out.splitlines():
        if line.startswith("diversion by"):
            continue
        pkgs, _, p = line.rpartition(": ")
        if p in _owner_cache:
            _owner_cache[p] = [re.sub(r":.*", "", x.strip()) for x in pkgs.split(",")]


def owners(path):
    """Packages that own path, or None when no package does."""
    load_owners([path])
    for c in path_aliases(path):
        if _owner_cache.get(c):
            return _owner_cache[c]
    return None


# ------------------------------------------------------------- parsing
def program_path(word):
    """The executable a command word names: an absolute path, or a name
    looked up in PROGRAM_DIRS."""
    if word.startswith("/"):
        return word if os.path.isfile(word) and os.access(word, os.X_OK) else None
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*", word):
        return None
    for d in PROGRAM_DIRS:
        p = os.path.join(d, word)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def strip_shell(text, heredocs=False):
    """Shell code without comments (and heredoc bodies unless heredocs),
    continuations joined."""
    out, lines, i = [], text.replace("\\\n", " ").splitlines(), 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if re.match(r"\s*#", line):
            continue
        line = re.sub(r"(^|\s)#(\s.*)?$", "", line)
        out.append(line)
        m = re.search(r"<<(-?)\s*['\"]?(\w+)['\"]?", line)
        if m and "<<<" not in line and not heredocs:
            while i < len(lines) and (lines[i].lstrip("\t") if m.group(1) else lines[i]) != m.group(2):
                i += 1
            i += 1
    return "\n".join(out)


SEPARATORS = {";", ";;", "&", "&&", "|", "||", "|&", "(", ")", "{", "}", "!", "\n",
              "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "esac"}
# Words before the command word: wrappers (and their options, below) ...
WRAPPERS = {"env", "exec", "command", "nohup", "time", "sudo", "runuser", "xargs", "nice",
            "local", "export", "readonly", "declare"}
WRAPPER_OPTS_WITH_ARG = {"-u", "-g", "-l", "-C", "-s", "-n"}
# ... VAR=value, and the expansion of an array that starts empty, a prefix
# ("${sudo[@]}" make; "${APT[@]}" install is apt-get's).
ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")
ARRAY_EXPANSION = re.compile(r"\$\{\w+\[@\]\}")
OPERATOR_CHARS = set(";&|()<>\n")


def shell_tokens(code):
    """Words and operators of shell code, "\n" between lines (a quoted
    string keeps its newlines)."""
    def lex(text):
        lx = shlex.shlex(text, posix=True, punctuation_chars=";&|()<>\n")
        lx.whitespace, lx.whitespace_split, lx.commenters = " \t\r", True, ""
        toks = []
        for tok in lx:
            if set(tok) <= OPERATOR_CHARS:  # operators come glued: ";\n", "\n\n"
                toks.extend(t for t in re.split(r"(\n)", tok) if t)
            else:
                toks.append(tok)
        return toks
    try:
        return lex(code)
    except ValueError:  # an unbalanced quote: line by line
        toks = []
        for line in code.split("\n"):
            try:
                toks.extend(lex(line))
            except ValueError:
                toks.extend(line.split())
            toks.append("\n")
        return toks


def shell_commands(code):
    """(calls, assigns): the command words of shell code as written, and
    the script's assignments (the first word of an array's)."""
    toks = shell_tokens(code)
    funcs = set(re.findall(r"^\s*(?:function\s+)?([A-Za-z_][\w-]*)\s*\(\)", code, re.M))
    assigns, calls, i, at_cmd = {}, [], 0, True
    while i < len(toks):
        t = toks[i]
        i += 1
        if t in SEPARATORS or t.endswith("$") and toks[i:i + 1] == ["("]:
            at_cmd = True  # "x=$(cmd": the lexer cuts before "("
            continue
        if re.fullmatch(r"[0-9]*[<>]+&?|&>", t):
            i += 1  # a redirection and its target
            continue
        if not at_cmd:
            continue
        if t in ("for", "select"):  # the word list is no command
            while i < len(toks) and toks[i] not in ("do", "\n", ";"):
                i += 1
            continue
        if t == "case":  # the word, then patterns up to ")"
            while i < len(toks) and toks[i] != "in":
                i += 1
            at_cmd = False
            continue
        if t in ("[", "[[", "test", "return", "exit", "shift", "break", "continue"):
            at_cmd = False
            continue
        while (t in WRAPPERS or t.startswith("-") or ASSIGN.match(t)
               or ARRAY_EXPANSION.fullmatch(t) and not assigns.get(t[2:t.index("[")])):
            if ASSIGN.match(t):
                name = t[:t.index("=")].rstrip("+").split("[")[0]
                if t.endswith("=") and toks[i:i + 1] == ["("]:
                    j = toks.index(")", i) if ")" in toks[i:] else len(toks)
                    words = [w for w in toks[i + 1:j] if w != "\n"]
                    assigns.setdefault(name, words[0] if words else "")
                    i = j + 1
                else:
                    assigns[name] = t[t.index("=") + 1:]
            elif t in WRAPPER_OPTS_WITH_ARG:
                i += 1
            t = toks[i] if i < len(toks) else "\n"
            i += 1
        if t in SEPARATORS:
            i -= 1  # nothing but assignments: let the loop see the separator
            at_cmd = False
            continue
        calls.append(t)
        if t in funcs:
            # A function's literal arguments may be commands (as_pg initdb ...).
            j = i
            while j < len(toks) and toks[j] not in SEPARATORS:
                if not toks[j].startswith("-"):
                    calls.append(toks[j])
                j += 1
        at_cmd = False
    return calls, assigns


def expand(word, assigns, depth=0):
    """word with the script's own assignments substituted (${X:-default}
    by X's value or the default); a "\0" marks what stays unknown."""
    def sub(m):
        name, op, default = m.group(1) or m.group(4), m.group(2), m.group(3)
        val = assigns.get(name)
        if val is not None and depth < 5 and "$" + "{" + name not in val:
            return expand(val, assigns, depth + 1)
        if op is not None:
            return expand(default, assigns, depth + 1)
        return "\0"
    return re.sub(r"\$\{([A-Za-z_]\w*)(?:\[[@*0]\])?(?:(:?[-=])([^}]*))?\}|\$([A-Za-z_]\w*)", sub, word)


def command_program(word, assigns):
    """The program path a command word runs, or None."""
    if "$" in word:
        word = expand(word, assigns)
        if "\0" in word:
            tail = word.rsplit("\0", 1)[1]
            if not tail.startswith("/") or tail.endswith("/"):
                return None
            word = tail.rsplit("/", 1)[1]  # "$PGXS/.../pg_regress": by its name
    return program_path(word)


def scan_paths(strings, where, uses):
    for s in strings:
        for p in re.findall(r"(?<![\w$}.])/(?:usr|etc|opt|var/lib)/[A-Za-z0-9_./+-]*[A-Za-z0-9_+-]", s):
            if os.path.exists(p):
                uses.add("path", p, p, where)


def scan_extensions(text, where, uses):
    for name in re.findall(r"CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?\"?(\w+)", text, re.I):
        if name != "vecext":
            uses.add("extension", name,
                     "/usr/share/postgresql/15/extension/%s.control" % name, where)


def python_imports(tree):
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def python_programs(tree):
    """Programs a Python file runs: the first element of the argument list
    of subprocess.run/Popen/call/check_call/check_output, a string or a
    module-level constant."""
    consts = {}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    consts[t.id] = node.value.value
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        f = node.func
        fname = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        if fname not in ("run", "Popen", "call", "check_call", "check_output"):
            continue
        a = node.args[0]
        first = a.elts[0] if isinstance(a, (ast.List, ast.Tuple)) and a.elts else a
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            yield first.value
        elif isinstance(first, ast.Name) and first.id in consts:
            yield consts[first.id]


def python_strings(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


def scan_python_code(code, where, here, uses, seen):
    try:
        tree = ast.parse(code)
    except SyntaxError:
        fail("%s: cannot parse its Python code" % where)
        return
    for prog in python_programs(tree):
        p = program_path(prog)
        if p:
            uses.add("program", os.path.basename(p), p, where)
    scan_paths(python_strings(tree), where, uses)
    for n in sorted(python_imports(tree)):
        if n in sys.stdlib_module_names or n in sys.builtin_module_names:
            continue
        local = os.path.join(here, n + ".py")
        if os.path.isfile(local) or os.path.isfile(os.path.join(here, n, "__init__.py")):
            if os.path.isfile(local):
                scan_file(local, uses, seen)
            continue
        try:
            spec = importlib.util.find_spec(n)
        except (ImportError, ValueError):
            spec = None
        origin = spec and (spec.origin if spec.origin not in (None, "namespace") else
                           next(iter(spec.submodule_search_locations or []), None))
        uses.add("python module", n, origin or "", where)


PERL_LOADER = r"""
for my $m (@ARGV) {
    (my $f = "$m.pm") =~ s{::}{/}g;
    eval { require $f; 1 } or print "missing\t$m\n";
}
print "inc\t$_\t$INC{$_}\n" for sort keys %INC;
"""


def scan_perl(text, where, uses):
    """The modules a Perl file uses, and all those they load in turn (as
    perl reports them in %INC after loading them; PostgreSQL::Test::* is
    shipped without its dependencies)."""
    mods = sorted(set(m for m in re.findall(r"^\s*(?:use|require)\s+([A-Za-z_][\w:]*)", text, re.M)
                      if not re.match(r"[a-z]", m)))
    # the project's own test modules (test/*.pm, found by prove -I .): scan
    # what they use instead
    for m in [m for m in mods if os.path.isfile(os.path.join("test", m.replace("::", "/") + ".pm"))]:
        mods.remove(m)
        with open(os.path.join("test", m.replace("::", "/") + ".pm")) as fh:
            scan_perl(fh.read(), "%s (via test/%s.pm)" % (where, m.replace("::", "/")), uses)
    for prog in re.findall(r"\b(?:start|run|system|exec|command_\w+|system_or_bail|system_log|run_log)"
                           r"\s*\(\s*\[?\s*['\"]([\w.+-]+)['\"]", text):
        p = program_path(prog)
        if p:
            uses.add("program", prog, p, where)
    if not mods:
        return
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(["perl"] + ["-I" + d for d in PERL_INC_EXTRA] + ["-e", PERL_LOADER] + mods,
                             capture_output=True, text=True, cwd=tmp).stdout
    for line in out.splitlines():
        f = line.split("\t")
        if f[0] == "missing":
            uses.add("perl module", f[1], "", where)
        elif f[0] == "inc" and len(f) == 3 and f[2].startswith("/"):
            name = f[1][:-3].replace("/", "::") if f[1].endswith(".pm") else f[1]
            uses.add("perl module", name, f[2], where if name in mods else "%s (loaded by its modules)" % where)


def helper_refs(text, here):
    """Files a script names: *.py/*.pl/*.sh/*.sql by path or glob."""
    refs = set()
    text = re.sub(r"\$\{?[A-Za-z_]\w*\}?", "", text)  # "$HERE/x.py" -> "/x.py"
    for tok in re.findall(r"[A-Za-z0-9_./*-]+\.(?:py|pl|sh|sql)\b", text):
        rel = tok.lstrip("/")
        for base in (here, "."):
            hits = glob.glob(os.path.join(base, rel))
            if hits:
                refs.update(os.path.normpath(h) for h in hits)
                break
    return refs


def scan_file(path, uses, seen):
    path = os.path.normpath(path)
    if path in seen:
        return
    seen.add(path)
    text = open(path, encoding="utf-8", errors="replace").read()
    here = os.path.dirname(path) or "."
    if path.endswith(".py"):
        scan_python_code(text, path, here, uses, seen)
    elif path.endswith((".pl", ".pm")):
        scan_perl(text, path, uses)
    elif path.endswith(".sql"):
        scan_extensions(text, path, uses)
    else:
        code = strip_shell(text)
        calls, assigns = shell_commands(code)
        for word in calls:
            p = command_program(word, assigns)
            if p:
                uses.add("program", os.path.basename(p), p, path)
        scan_paths([code], path, uses)
        scan_extensions(strip_shell(text, heredocs=True), path, uses)
        for m in re.finditer(r"python3\s+-c\s+'([^']*)'", code):
            scan_python_code(m.group(1), path + " (python3 -c)", here, uses, seen)
        for ref in sorted(helper_refs(code, here)):
            if ref in SCRIPTS or ref == path:
                continue  # a script with its own list is checked on its own
            scan_file(ref, uses, seen)


def install_list(text):
    """The words inside PACKAGES=( ... ) and PACKAGES+=( ... )."""
    pkgs = set()
    for m in re.finditer(r"\bPACKAGES\+?=\(([^)]*)\)", text):
        body = re.sub(r"#[^\n]*", "", m.group(1))
        pkgs.update(w for w in body.split() if re.fullmatch(r"[a-z0-9][a-z0-9+.-]+", w))
    return pkgs


class Uses:
    """What one script uses: (kind, name) -> (path, where first seen)."""

    def __init__(self):
        self.items = {}

    def add(self, kind, name, path, where):
        self.items.setdefault((kind, name), (path, where))


# --------------------------------------------------------------- check
checked = 0
scanned = []  # (script, packages its list installs, Uses)
for script in SCRIPTS:
    if not os.path.isfile(script):
        fail("%s: listed in SCRIPTS but missing" % script)
        continue
    text = open(script, encoding="utf-8").read()
    listed = install_list(text)
    if not listed:
        fail("%s: no PACKAGES=( ... ) install list" % script)
    absent = sorted(p for p in listed if p not in DEPS)
    if absent:
        print("check_packages: %s lists %s, not installed here (adds nothing to the check)"
              % (script, " ".join(absent)))
    uses = Uses()
    scan_file(script, uses, set())
    scanned.append((script, closure(listed & set(DEPS)) | BASE_ALL, uses))

load_owners([path for _, _, uses in scanned for path, _ in uses.items.values() if path])
for script, installed, uses in scanned:
    for (kind, name), (path, where) in sorted(uses.items.items()):
        if kind == "program" and name in OPTIONAL:
            continue
        checked += 1
        who = script if where == script else "%s (in %s)" % (script, where)
        verb = "calls" if kind == "program" else "uses"
        if not path or not os.path.exists(path):
            fail("%s %s %s %s, which is not installed here: install it, and list its package"
                 % (who, verb, kind, name))
            continue
        pkgs = owners(path)
        if VERBOSE:
            print("%-38s %-13s %-28s %s" % (script, kind, name, " ".join(pkgs or ["-"])))
        if not pkgs:
            if not os.path.isdir(path):  # a directory may belong to no package as such
                fail("%s %s %s %s (%s), which no Debian package provides"
                     % (who, verb, kind, name, path))
            continue
        if not any(p in installed for p in pkgs):
            fail("%s %s %s %s (%s) from package %s, which its install list does not bring in:"
                 " add %s to PACKAGES in %s"
                 % (who, verb, kind, name, path, " or ".join(pkgs), pkgs[0], script))

# The README's opening section names what its two commands install: every
# package of those scripts' lists, and no other package.
readme = open("README.md", encoding="utf-8").read()
opening = re.sub(r"```.*?```", "", readme[:readme.find("\n## ")], flags=re.S)
named = set(w for w in re.findall(r"`([a-z0-9][a-z0-9+.-]+)`", opening) if w in DEPS or w in PROVIDES)
for script in README_SCRIPTS:
    for p in sorted(install_list(open(script, encoding="utf-8").read()) - set(re.findall(r"`([^`]+)`", opening))):
        fail("README.md does not say that its commands install %s (listed in %s)" % (p, script))
listed_all = set().union(*(install_list(open(s, encoding="utf-8").read()) for s in README_SCRIPTS))
for p in sorted(named - listed_all):
    fail("README.md says that its commands install %s, which none of %s lists"
         % (p, ", ".join(README_SCRIPTS)))

for f in failures:
    print("check_packages: " + f, file=sys.stderr)
if failures:
    print("check_packages: %d problem(s)" % len(failures), file=sys.stderr)
    sys.exit(1)
print("check_packages: %d uses in %d scripts, each installed by its script" % (checked, len(SCRIPTS)))
PYTHON
