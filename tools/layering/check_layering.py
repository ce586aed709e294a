#!/usr/bin/env python3
"""Checks sluice's layering against the one declaration of each library's dependencies.

Input: <build>/layering.json, written by CMake (cmake/sluice.cmake, sluice_library): for every
library its directory, its sources, its header-only files, the sluice libraries it MAY_DEPEND_ON
and what it really links. Reported as violations:
  - an #include "x/y.h" in a library's file whose owner is not the library itself nor one it may
    depend on (directly or through those);
  - an #include of a header under src/ that no library owns;
  - a linked sluice library that is not declared in MAY_DEPEND_ON;
  - a declared dependency that does not exist, or a cycle in the declarations.
A header is owned by the library that compiles the .cc next to it, or that lists it in HEADERS.

  check_layering.py <layering.json> <src dir>              exit 1 on any violation
  check_layering.py --self-test <layering.json> <src dir>  plants a forbidden include, link and
                                                           cycle; exit 1 unless all are caught
"""

import json
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)


def load_model(path, src_dir):
    """Library name -> {files: [paths relative to src], may: [...], links: [...]}."""
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    src_dir = os.path.realpath(src_dir)
    model = {}
    for name, entry in raw.items():
        files = []
        for s in [x for x in entry["sources"].split(";") if x] + entry["headers"]:
            p = s if os.path.isabs(s) else os.path.join(entry["dir"], s)
            p = os.path.realpath(p)
            if p.startswith(src_dir + os.sep):
                files.append(os.path.relpath(p, src_dir))
        links = []
        for link in [x for x in entry["links"].split(";") if x]:
            link = re.sub(r"::@\(.*\)$", "", link)
            m = re.match(r"^(?:sluice::|sluice_)(\w+)$", link)
            if m:
                links.append(m.group(1))
        model[name] = {"files": files, "may": list(entry["may_depend_on"]), "links": links}
    return model


def owners(model, src_dir):
    """Path relative to src -> owning library."""
    owner = {}
    for name, lib in model.items():
        for f in lib["files"]:
            owner[f] = name
            stem, ext = os.path.splitext(f)
            if ext == ".cc" and os.path.exists(os.path.join(src_dir, stem + ".h")):
                owner[stem + ".h"] = name
    return owner


def closure(model, name, seen=None):
    seen = set() if seen is None else seen
    for dep in model.get(name, {}).get("may", []):
        if dep not in seen:
            seen.add(dep)
            closure(model, dep, seen)
    return seen


def find_cycle(model):
    state = {}

    def visit(name, path):
        state[name] = "open"
        for dep in model[name]["may"]:
            if dep not in model:
                continue
            if state.get(dep) == "open":
                return path + [name, dep]
            if dep not in state:
                found = visit(dep, path + [name])
                if found:
                    return found
        state[name] = "done"
        return None

    for name in sorted(model):
        if name not in state:
            found = visit(name, [])
            if found:
                return found[found.index(found[-1]):]
    return None


def check(model, src_dir, read=None):
    """Returns the list of violations (strings)."""
    read = read or (lambda rel: open(os.path.join(src_dir, rel), encoding="utf-8").read())
    out = []
    for name in sorted(model):
        for dep in model[name]["may"]:
            if dep not in model:
                out.append(f"{name}: MAY_DEPEND_ON names '{dep}', which is not a sluice library")
    cycle = find_cycle(model)
    if cycle:
        out.append("cycle in MAY_DEPEND_ON: " + " -> ".join(cycle))
    owner = owners(model, src_dir)
    for name in sorted(model):
        lib = model[name]
        for link in lib["links"]:
            if link != name and link not in lib["may"]:
                out.append(f"{name} links sluice::{link}, which its MAY_DEPEND_ON does not declare")
        allowed = closure(model, name) | {name}
        files = set(lib["files"]) | {f for f, o in owner.items() if o == name}
        for rel in sorted(files):
            if not os.path.exists(os.path.join(src_dir, rel)):
                continue
            for inc in INCLUDE.findall(read(rel)):
                if not os.path.exists(os.path.join(src_dir, inc)):
                    continue  # not a sluice header (system, generated or test header)
                o = owner.get(inc)
                if o is None:
                    out.append(f"{rel} ({name}) includes {inc}, which no library owns")
                elif o not in allowed:
                    out.append(f"{rel} ({name}) includes {inc} of {o}, which {name} may not "
                               f"depend on (MAY_DEPEND_ON: {', '.join(lib['may']) or 'nothing'})")
    return out


def self_test(model, src_dir):
    """Plants violations in a copy of the real model and checks that each is reported."""
    victim = "source_kafka" if "source_kafka" in model else sorted(model)[-1]
    planted_file = next(f for f in model[victim]["files"] if f.endswith(".cc"))
    forbidden_header = "sink/kafka/kafka_sink.h"
    planted = json.loads(json.dumps(model))
    planted[victim]["links"].append("sink_kafka")
    cyclic = json.loads(json.dumps(model))
    cyclic["base"]["may"].append("pipeline")

    def read(rel):
        text = open(os.path.join(src_dir, rel), encoding="utf-8").read()
        if rel == planted_file:
            text = f'#include "{forbidden_header}"\n' + text
        return text

    found = check(planted, src_dir, read) + check(cyclic, src_dir)
    wanted = {
        "forbidden include": lambda v: v.startswith(f"{planted_file} ({victim}) includes "
                                                    f"{forbidden_header}"),
        "forbidden link": lambda v: v.startswith(f"{victim} links sluice::sink_kafka"),
        "cycle": lambda v: v.startswith("cycle in MAY_DEPEND_ON"),
    }
    missed = [what for what, match in wanted.items() if not any(match(v) for v in found)]
    for v in found:
        print("planted and reported:", v)
    if missed:
        print("NOT caught:", ", ".join(missed))
        return 1
    print(f"ok: the check caught every planted violation ({', '.join(wanted)})")
    return 0


def main(argv):
    args = [a for a in argv[1:] if a != "--self-test"]
    if len(args) != 2:
        print(__doc__)
        return 2
    model = load_model(args[0], args[1])
    src_dir = os.path.realpath(args[1])
    if "--self-test" in argv:
        return self_test(model, src_dir)
    violations = check(model, src_dir)
    for v in violations:
        print("layering violation:", v)
    if violations:
        return 1
    print(f"ok: {len(model)} libraries, every #include and link within MAY_DEPEND_ON")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
