#!/usr/bin/env python3
"""Kconfig oracle on kconfiglib 14.1.0, set up as Zephyr's scripts/kconfig/kconfig.py main() sets it up for
handwritten fragments.

Usage: kconfig_oracle.py PROJECT_DIR [FRAGMENT ...]  (fragment paths relative to PROJECT_DIR, in Zephyr merge
order). Parses PROJECT_DIR/Kconfig and prints one JSON document; exit 1 on KconfigError or OSError.
"""
import json
import os
import sys
import tempfile

import kconfiglib as K


def evaluate(project_dir, fragments, env=None):
    """Runs kconfiglib on PROJECT_DIR with the fragments and returns the oracle document. `env` replaces the
    environment for the duration (kconfiglib reads os.environ for $(VAR), "$VAR" and srctree)."""
    saved_cwd, saved_env = os.getcwd(), dict(os.environ)
    try:
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        os.chdir(project_dir)
        os.environ.pop("srctree", None)  # 'source' paths relative to PROJECT_DIR
        return _evaluate(fragments)
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


def _evaluate(fragments):
    out = {"kconfiglib": "%d.%d.%d" % K.VERSION, "error": None}
    try:
        kc = K.Kconfig("Kconfig", warn_to_stderr=False)
        n_parse = len(kc.warnings)
        kc.warn_assign_undef = True  # kconfig.py --handwritten-input-configs
        kc.warn_assign_override = kc.warn_assign_redun = False
        for i, frag in enumerate(fragments):
            kc.load_config(frag, replace=(i == 0))  # the first replaces, the rest merge
    except (K.KconfigError, OSError) as e:
        out["error"] = str(e).strip()
        return out
    n_load = len(kc.warnings)
    with tempfile.TemporaryDirectory() as d:  # writing evaluates every symbol
        kc.write_config(os.path.join(d, "c"), save_old=False)
        kc.write_autoconf(os.path.join(d, "h"))
        with open(os.path.join(d, "c")) as c, open(os.path.join(d, "h")) as h:
            out["dotconfig"], out["autoconf"] = c.read(), h.read()

    def tri(v):
        return K.TRI_TO_STR[v] if isinstance(v, int) else v

    out["symbols"] = [{"name": s.name, "type": K.TYPE_TO_STR[s.orig_type], "value": s.str_value,
                       "user_value": tri(s.user_value), "visibility": K.TRI_TO_STR[s.visibility],
                       "choice": s.choice.name if s.choice else None, "written": bool(s.config_string)}
                      for s in kc.unique_defined_syms]
    out["choices"] = [{"name": c.name, "mode": c.str_value,
                       "selection": c.selection.name if c.selection else None} for c in kc.unique_choices]
    out["warnings"] = {"parse": kc.warnings[:n_parse], "load": kc.warnings[n_parse:n_load],
                       "eval": sorted(kc.warnings[n_load:])}
    z = out["zephyr_checks"] = []  # scripts/kconfig/kconfig.py's own checks
    for s in kc.unique_defined_syms:
        if s.user_value is None:
            continue
        if not any(n.prompt for n in s.nodes):
            z.append({"kind": "promptless_assign", "fatal": True, "sym": s.name})
        elif not s.choice and tri(s.user_value) != s.str_value:
            z.append({"kind": "value_not_taken", "fatal": False, "sym": s.name,
                      "assigned": tri(s.user_value), "got": s.str_value})
    for c in kc.unique_choices:
        if c.user_selection and c.user_selection is not c.selection:
            z.append({"kind": "choice_not_taken", "fatal": False, "sym": c.user_selection.name,
                      "got": c.selection.name if c.selection else None})
    out["zephyr_fatal"] = bool(kc.warnings) or any(x["fatal"] for x in z)
    return out


def main():
    out = evaluate(sys.argv[1], sys.argv[2:])
    print(json.dumps(out, indent=1, sort_keys=True))
    return 1 if out["error"] else 0


if __name__ == "__main__":
    sys.exit(main())
