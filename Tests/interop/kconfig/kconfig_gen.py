"""Seeded generators of Kconfig trees: small random trees with fragments for differential fuzzing, and the large
deterministic synthetic tree benchmarks/kconfig_bench.py measures."""
import os
import random


class _Tree:
    def __init__(self, rnd, n):
        self.rnd = rnd
        self.names = ["S%d" % i for i in range(n)]
        self.kind = {}
        for name in self.names:
            r = rnd.random()
            self.kind[name] = ("bool" if r < .50 else "int" if r < .62 else "hex" if r < .70 else
                               "string" if r < .80 else "choice" if r < .90 else "tristate" if r < .93 else
                               "menuconfig" if r < .98 else "untyped")
        self.bools = [s for s in self.names if self.kind[s] in ("bool", "menuconfig", "tristate")]
        self.ints = [s for s in self.names if self.kind[s] == "int"]
        self.defined = set()

    def operand(self, before):
        rnd = self.rnd
        pool = [b for b in self.bools if b in before] or ["y"]
        r = rnd.random()
        if r < .05:
            return rnd.choice(["y", "n", "m", "UNDEFINED_SYM"])
        ints = [i for i in self.ints if i in before]
        if r < .12 and ints:
            return "%s %s %s" % (rnd.choice(ints), rnd.choice(["=", "!=", "<", "<=", ">", ">="]),
                                 rnd.choice(["0", "5", "0x10", "100", '"7"', rnd.choice(ints)]))
        if r < .16:
            return '%s %s %s' % (rnd.choice(pool), rnd.choice(["=", "!="]), rnd.choice(["y", "n", "m", '"y"']))
        if r < .19:
            return '"abc" = "$(VAR)"'
        sym = rnd.choice(pool)
        return ("!" + sym) if rnd.random() < .2 else sym

    def expr(self, before, depth=0):
        rnd = self.rnd
        k = rnd.choice([1, 1, 1, 2, 2, 3])
        parts = [self.operand(before) for _ in range(k)]
        if depth < 1 and rnd.random() < .15:
            parts.append("(" + self.expr(before, depth + 1) + ")")
        if rnd.random() < .1:
            parts[0] = "!(" + parts[0] + ")"
        out = parts[0]
        for p in parts[1:]:
            out += rnd.choice([" && ", " || "]) + p
        return out


def random_tree(out, seed):
    """Writes a random tree (Kconfig, sub/Kconfig*, prj.conf, extra.conf) to OUT; returns the extra fragments."""
    rnd = random.Random(seed)
    t = _Tree(rnd, rnd.randint(6, 30))
    os.makedirs(os.path.join(out, "sub"), exist_ok=True)
    files = {"Kconfig": ['mainmenu "Random $(VAR)"', "VAR := x", "LIST = a", "LIST += b", ""]}
    current = "Kconfig"
    open_blocks = []
    before = []
    sub_count = 0
    for idx, name in enumerate(t.names):
        L = files[current]
        r = rnd.random()
        if r < .06 and len(open_blocks) < 2:
            if rnd.random() < .5:
                L.append('menu "Menu %d"' % idx)
                if rnd.random() < .5:
                    L.append("\tdepends on " + t.expr(before))
                if rnd.random() < .4:
                    L.append("\tvisible if " + t.expr(before))
                open_blocks.append("endmenu")
            else:
                L.append("if " + t.expr(before))
                open_blocks.append("endif")
        elif r < .12 and open_blocks:
            L.append(open_blocks.pop())
        elif r < .15:
            L.append('comment "Comment %d"' % idx)
            if rnd.random() < .6:
                L.append("\tdepends on " + t.expr(before))
        elif r < .18 and not open_blocks and sub_count < 3:
            sub_count += 1
            files["Kconfig"].append('rsource "sub/Kconfig.%d*"' % sub_count)
            current = "sub/Kconfig.%d%s" % (sub_count, rnd.choice(["", "a", ".x"]))
            files[current] = []
            L = files[current]
        kind = t.kind[name]
        if kind == "choice":
            cname = "C_" + name if rnd.random() < .8 else None
            L.append("choice " + (cname or ""))
            if rnd.random() < .9:
                L.append('\tprompt "Choice %s"%s' % (name, (" if " + t.expr(before)) if rnd.random() < .2 else ""))
            if rnd.random() < .15:
                L.append("\toptional")
            opts = [name + "_%d" % k for k in range(rnd.randint(1, 4))]
            if rnd.random() < .7:
                L.append("\tdefault %s%s" % (rnd.choice(opts), (" if " + t.expr(before)) if rnd.random() < .3 else ""))
            if rnd.random() < .3:
                L.append("\tdepends on " + t.expr(before))
            L.append("")
            for o in opts:
                L.append("config " + o)
                L.append('\tbool "%s"' % o if rnd.random() < .93 else "\tbool")
                if rnd.random() < .2:
                    L.append("\tdepends on " + t.expr(before))
                L.append("")
            L.append("endchoice")
            L.append("")
            before.extend(opts)
            t.bools.extend(opts)
            if cname and rnd.random() < .2:
                L += ["choice " + cname, "\tdefault " + rnd.choice(opts), "endchoice", ""]
            continue
        keyword = "menuconfig" if kind == "menuconfig" else "config"
        L.append("%s %s" % (keyword, name))
        typ = {"menuconfig": "bool", "untyped": None}.get(kind, kind)
        prompt = rnd.random() < .8
        if typ:
            if prompt:
                text = rnd.choice(["Prompt %s" % name, " padded %s " % name, "q\\\"uote %s" % name])
                L.append('\t%s "%s"%s' % (typ, text, (" if " + t.expr(before)) if rnd.random() < .2 else ""))
            else:
                L.append("\t" + typ)
        if rnd.random() < .5:
            L.append("\tdepends on " + t.expr(before))
        if typ in ("bool", "tristate"):
            for _ in range(rnd.choice([0, 1, 1, 2])):
                value = rnd.choice(["y", "n", "m", t.expr(before)])
                L.append("\tdefault %s%s" % (value, (" if " + t.expr(before)) if rnd.random() < .5 else ""))
            later = [b for b in t.bools if b not in before and b != name] or ["LATE"]
            if rnd.random() < .03:
                later = rnd.sample(t.names, 1)  # occasionally anything: may form a dependency loop
            for _ in range(rnd.choice([0, 0, 1, 2])):
                L.append("\tselect %s%s" % (rnd.choice(later), (" if " + t.expr(before)) if rnd.random() < .3 else ""))
            if rnd.random() < .2:
                L.append("\timply %s%s" % (rnd.choice(later), (" if " + t.expr(before)) if rnd.random() < .3 else ""))
        elif typ in ("int", "hex"):
            fmt = (lambda v: "%d" % v) if typ == "int" else (lambda v: rnd.choice(["0x%x", "0x%X", "%x"]) % v)
            if rnd.random() < .7:
                lo = rnd.randint(-5 if typ == "int" else 0, 50)
                hi = lo + rnd.randint(0, 100)
                earlier = [i for i in t.ints if i in before]
                rlo = rnd.choice([fmt(lo), fmt(lo), rnd.choice(earlier) if earlier else fmt(lo)])
                L.append("\trange %s %s%s" % (rlo, fmt(hi), (" if " + t.expr(before)) if rnd.random() < .3 else ""))
                if rnd.random() < .2:
                    L.append("\trange %s %s" % (fmt(lo + 10), fmt(hi + 10)))
            for _ in range(rnd.choice([0, 1, 1, 2])):
                earlier = [i for i in t.ints if i in before]
                value = rnd.choice([fmt(rnd.randint(0, 200)), fmt(rnd.randint(0, 200)), rnd.choice(earlier) if earlier else "3",
                                    '"0x10"', "foo"])
                L.append("\tdefault %s%s" % (value, (" if " + t.expr(before)) if rnd.random() < .4 else ""))
        elif typ == "string":
            for _ in range(rnd.choice([0, 1, 1, 2])):
                value = rnd.choice(['"plain"', '"with \\"escape\\" \\\\"', '"$(VAR)-$(LIST)"', "lowercase", "UPPER",
                                    '""', "'single'"])
                L.append("\tdefault %s%s" % (value, (" if " + t.expr(before)) if rnd.random() < .4 else ""))
        if rnd.random() < .3:
            L += ["\thelp", "\t  Help for %s." % name, "", "\t  More.", ""]
        L.append("")
        before.append(name)
        if rnd.random() < .08:  # a second definition elsewhere
            files["Kconfig"] += ["config " + name, "\tdefault %s" % rnd.choice(["y", "5", '"x"']), ""]
    while open_blocks:
        files[current].append(open_blocks.pop())
    if rnd.random() < .02:
        files["Kconfig"].append(rnd.choice(["endif", "config", "bool \"x\"", "foo bar", "config X\n\tdepends on (A"]))
    for path, lines in files.items():
        with open(os.path.join(out, path), "w") as f:
            f.write("\n".join(lines) + "\n")
    # Fragments.
    all_syms = [s for s in before] + ["NOT_DEFINED", "S", "MODULES"]
    frags = {"prj.conf": [], "extra.conf": []}
    for frag in frags:
        for _ in range(rnd.randint(0, 12)):
            s = rnd.choice(all_syms)
            value = rnd.choice(["y", "n", "m", "yes", "1", "5", " 7", "1_000", "0x1f", "1F", "-3", '"str"',
                                '"esc \\"q\\" \\\\ \\t"', '"ok" trailing', 'unquoted', '"unterminated', ""])
            r = rnd.random()
            if r < .1:
                line = "# CONFIG_%s is not set" % s
            elif r < .13:
                line = rnd.choice(["CONFIG_%s y" % s, "  CONFIG_%s=y" % s, "garbage", "   # comment", "CONFIG_=y"])
            else:
                line = "CONFIG_%s=%s" % (s, value)
            frags[frag].append(line + rnd.choice(["", "", "  "]))
        with open(os.path.join(out, frag), "w") as f:
            f.write("\n".join(frags[frag]) + "\n")
    return [os.path.join(out, "extra.conf")]


def synthetic_tree(out, n, seed=1):
    """The deterministic synthetic tree for benchmarks/kconfig_bench.py: n entries under out, from Random(seed)."""
    rnd = random.Random(seed)
    PER_FILE = 250
    os.makedirs(out, exist_ok=True)
    names = ["S%05d" % i for i in range(n)]
    kind = {}
    for i in range(n):
        r = rnd.random()
        kind[i] = "bool" if r < .70 else "int" if r < .80 else "hex" if r < .85 else "string" if r < .95 else "choice"
    bools = [i for i in range(n) if kind[i] == "bool"]

    def dep_expr(i):
        cands = [j for j in bools if j < i][-400:]
        if not cands:
            return None
        k = rnd.choice([1, 1, 1, 2, 2, 3])
        parts = []
        for _ in range(k):
            s = names[rnd.choice(cands)]
            parts.append(("!" + s) if rnd.random() < .15 else s)
        op = " || " if rnd.random() < .3 else " && "
        e = op.join(parts)
        return "(%s) && %s" % (e, names[rnd.choice(cands)]) if k > 1 and rnd.random() < .2 else e

    root = ['mainmenu "Synthetic $(SYNTH_NAME)"', ""]
    files = 0
    i = 0
    while i < n:
        sub = "sub%03d" % files
        os.makedirs(os.path.join(out, sub), exist_ok=True)
        L = ['menu "Group %d"' % files]
        if files and rnd.random() < .5:
            L.append("\tdepends on " + names[rnd.choice([b for b in bools if b < i])])
        L.append("")
        in_if = False
        end = min(n, i + PER_FILE)
        while i < end:
            if not in_if and rnd.random() < .03 and any(b < i for b in bools):
                L.append("if " + names[rnd.choice([b for b in bools if b < i])])
                in_if = True
            elif in_if and rnd.random() < .1:
                L.append("endif")
                in_if = False
            t, name = kind[i], names[i]
            if t == "choice":
                L += ["choice C_%s" % name, '\tprompt "Choice %s"' % name]
                opts = [name + "_%d" % k for k in range(4)]
                L += ["\tdefault " + rnd.choice(opts), ""]
                for o in opts:
                    L += ["config " + o, '\tbool "%s"' % o, ""]
                L += ["endchoice", ""]
                i += 1
                continue
            L.append("config " + name)
            prompt = rnd.random() < .8
            L.append("\t%s%s" % (t, ' "Prompt for %s"' % name if prompt else ""))
            d = dep_expr(i) if rnd.random() < .6 else None
            if d:
                L.append("\tdepends on " + d)
            if t == "bool":
                if rnd.random() < .4:
                    c = dep_expr(i)
                    L.append("\tdefault y" + (" if " + c if c else ""))
                for _ in range(rnd.choice([0, 0, 0, 1, 1, 2])):
                    later = [b for b in bools if b > i][:300]
                    if later:
                        tgt = rnd.choice(later)
                        c = dep_expr(i)
                        L.append("\tselect %s%s" % (names[tgt], " if " + c if c and rnd.random() < .3 else ""))
                if rnd.random() < .1:
                    later = [b for b in bools if b > i][:300]
                    if later:
                        L.append("\timply " + names[rnd.choice(later)])
            elif t == "int":
                lo = rnd.randint(0, 100)
                L.append("\trange %d %d" % (lo, lo + rnd.randint(1, 10000)))
                c = dep_expr(i)
                if c and rnd.random() < .5:
                    L.append("\tdefault %d if %s" % (lo + 5, c))
                L.append("\tdefault %d" % (lo + 1))
            elif t == "hex":
                L.append("\tdefault 0x%x" % rnd.randint(0, 1 << 32))
            else:
                L.append('\tdefault "value-%d"' % i)
            if rnd.random() < .5:
                L += ["\thelp", "\t  Help text for %s." % name, "\t  Second line of help.", ""]
            L.append("")
            i += 1
        if in_if:
            L.append("endif")
        L.append("endmenu")
        with open(os.path.join(out, sub, "Kconfig"), "w") as f:
            f.write("\n".join(L) + "\n")
        root.append('rsource "%s/Kconfig"' % sub)
        files += 1
    with open(os.path.join(out, "Kconfig"), "w") as f:
        f.write("\n".join(root) + "\n")
    frag = [[], []]
    for i in range(n):
        if kind[i] == "bool" and rnd.random() < .1:
            frag[rnd.random() < .5].append("CONFIG_%s=%s" % (names[i], rnd.choice("yn")))
        elif kind[i] == "int" and rnd.random() < .1:
            frag[1].append("CONFIG_%s=%d" % (names[i], rnd.randint(0, 200)))
        elif kind[i] == "string" and rnd.random() < .1:
            frag[1].append('CONFIG_%s="x%d"' % (names[i], i))
    with open(os.path.join(out, "board_defconfig"), "w") as f:
        f.write("\n".join(frag[0]) + "\n")
    with open(os.path.join(out, "prj.conf"), "w") as f:
        f.write("\n".join(frag[1]) + "\n")
    return files
