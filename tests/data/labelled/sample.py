#!/usr/bin/env python3
"""Draw a stratified random sample of commit messages for hand judging.

usage: sample.py GIT_DIR PROJECT OUT.jsonl [--branch REF [--branch-n N]]
                 [--rev REV] [--seed N] [--sizes R,S,F,O] [--exclude FILE]...

Population: every commit reachable from HEAD (merges included), plus, with
--branch, the commits of REF not reachable from HEAD (stratum
"release-branch"). HEAD's commits fall into disjoint strata, the first
that matches the whole message (case-insensitive) wins:
  revert-words, security-words, fix-words, other.
The first line of OUT is a header with each stratum's population size; each
further line is one sampled commit with empty labels, to be judged by hand.

Options for a further batch of a project already sampled (the defaults
draw the first batch, as before):
  --rev REV       sample the history of REV instead of HEAD (pin the HEAD
                  of the first batch, so the strata populations, and with
                  them the weights, are the same)
  --seed N        the random seed (default 20261204)
  --sizes R,S,F,O how many to draw of revert-words, security-words,
                  fix-words and other (default 20,25,40,50)
  --exclude FILE  a .jsonl corpus file (repeatable): its commits are not
                  drawn again. The header's populations still count them,
                  so the union of the batches is one random sample of each
                  stratum and records of both weigh alike.
"""
import json, random, re, subprocess, sys

STRATA = [
    ("revert-words", re.compile(r"\b(revert(s|ed|ing)?|reapply|roll(s|ed|ing)?[ -]?backs?|back(s|ed|ing)?[ -]out|downgrad\w*)\b", re.I)),
    ("security-words", re.compile(r"\b(cve-|ghsa-|cwe-|secur\w*|vulnerab\w*|exploit\w*|overflow\w*|out[ -]of[ -]bounds?|use[ -]after[ -]free|double[ -]free|inject\w*|xss|dos|denial|attack\w*|malicious|crafted|oss-?fuzz|fuzz\w*|sanitiz\w*)", re.I)),
    ("fix-words", re.compile(r"\b(fix(es|ed|ing)?|bugs?|bugfix\w*|crash\w*|leak\w*|regression\w*|broken|wrong|incorrect\w*|segfault\w*)\b", re.I)),
]
SIZES = {"revert-words": 20, "security-words": 25, "fix-words": 40, "other": 50, "release-branch": 15}
SEED = 20261204

def log(git_dir, revs):
    out = subprocess.run(["git", "--git-dir", git_dir, "log", "--format=%x1e%H%x1f%P%x1f%aN <%aE>%x1f%B"] + revs,
                         check=True, capture_output=True).stdout
    for rec in out.split(b"\x1e")[1:]:
        sha, parents, author, msg = rec.split(b"\x1f", 3)
        msg = msg.decode("utf-8", "replace")
        if msg.endswith("\n\n"):
            msg = msg[:-1]  # git log adds a newline after %B
        yield {"id": sha.decode(), "parents": len(parents.split()),
               "author": author.decode("utf-8", "replace"), "message": msg}

def main():
    git_dir, project, out = sys.argv[1:4]
    branch = None
    rev, seed, exclude = "HEAD", SEED, set()
    args = sys.argv[4:]
    while args:
        opt, val = args[0], args[1]
        args = args[2:]
        if opt == "--branch":
            branch = val
        elif opt == "--branch-n":
            SIZES["release-branch"] = int(val)
        elif opt == "--rev":
            rev = val
        elif opt == "--seed":
            seed = int(val)
        elif opt == "--sizes":
            for (name, _), n in zip(STRATA + [("other", None)], val.split(",")):
                SIZES[name] = int(n)
        elif opt == "--exclude":
            with open(val, encoding="utf-8") as f:
                for line in list(f)[1:]:
                    if line.strip():
                        exclude.add(json.loads(line)["id"])
        else:
            sys.exit("sample.py: unknown option " + opt)
    pops = {name: [] for name, _ in STRATA}
    pops["other"] = []
    head = subprocess.run(["git", "--git-dir", git_dir, "rev-parse", rev + "^{commit}"], check=True,
                          capture_output=True, text=True).stdout.strip()
    for c in log(git_dir, [head]):
        for name, rx in STRATA:
            if rx.search(c["message"]):
                pops[name].append(c)
                break
        else:
            pops["other"].append(c)
    if branch:
        pops["release-branch"] = list(log(git_dir, [branch, "^" + head]))
    rng = random.Random(seed)
    header = {"project": project, "head": head, "branch": branch, "seed": seed,
              "strata": {k: len(v) for k, v in pops.items()}}
    if exclude:
        header["excluded"] = len(exclude)
    with open(out, "w", encoding="utf-8") as f:
        f.write(json.dumps(header, ensure_ascii=False) + "\n")
        for name, pop in pops.items():
            pop = [c for c in pop if c["id"] not in exclude]
            n = min(SIZES[name], len(pop))
            for c in rng.sample(pop, n):
                rec = {"project": project, "id": c["id"], "stratum": name,
                       "parents": c["parents"], "author": c["author"],
                       "message": c["message"],
                       "fix": None, "security": None, "revert": None,
                       "revert_target": "", "revert_target_subject": "",
                       "rollback": None, "reason": ""}
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(json.dumps(header))

if __name__ == "__main__":
    main()
