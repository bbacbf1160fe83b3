"""``ibml lab list|check|export``: the portfolio labs (``labs/<id>/``) — see :mod:`reference_impl.labs`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from reference_impl.labs import LabError, check_lab, discover, get_lab
from reference_impl.labs.assembly import package_dir
from reference_impl.labs.records import record_check


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "lab",
        help="portfolio labs: list them, check your code against a lab's specification, export a lab",
        description="Portfolio labs live in labs/<id>/: a starter package, a specification (pytest, one file per "
        "milestone), a reference solution and planted-bug mutants.",
    )
    sub = p.add_subparsers(dest="lab_command", metavar="ACTION", parser_class=type(p))
    sub.required = True

    ls = sub.add_parser("list", help="the labs, their milestones and mutants")
    ls.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ls.set_defaults(func=run_list)

    ck = sub.add_parser(
        "check",
        help="run a lab's specification against your code and report per milestone",
        description="Runs the lab's specification (its tests, fixtures and pytest settings) against the package in "
        "DIR (default: the working copy labs/<id>/starter/) and reports each milestone as done, failing (first "
        "failing test and its message) or not started. Results of checks of your code are stored for "
        "`ibml progress`. Exit status 0 only when every milestone is done.",
    )
    ck.add_argument("lab", metavar="LAB", help="lab id (see `ibml lab list`)")
    ck.add_argument("--path", type=Path, metavar="DIR", help="project directory holding your package (an export)")
    which = ck.add_mutually_exclusive_group()
    which.add_argument("--solution", action="store_true", help="check the reference solution (mentors, CI)")
    which.add_argument("--mutant", metavar="NAME", help="check a planted-bug mutant (mentors, CI)")
    ck.add_argument("--milestone", action="append", metavar="ID", help="check only this milestone (repeatable)")
    ck.add_argument("--json", action="store_true", help="print a JSON report instead of the table")
    ck.set_defaults(func=run_check)

    ex = sub.add_parser(
        "export",
        help="write a lab as a standalone repository you can push",
        description="Writes DIR (which must not exist or be empty): the starter package, its tests and fixtures, "
        "README.md, requirements.txt pinned with hashes, a Dockerfile when the lab has a service, .dockerignore, "
        ".github/workflows/ci.yml and, when the lab builds on ibml, the ibml wheel in vendor/.",
    )
    ex.add_argument("lab", metavar="LAB", help="lab id (see `ibml lab list`)")
    ex.add_argument("dest", type=Path, metavar="DIR", help="where to write the repository")
    ex.add_argument("--with-solution", action="store_true", help="fill in the reference solution (mentors, CI)")
    ex.set_defaults(func=run_export)


def run_list(args: argparse.Namespace) -> int:
    labs = discover()
    if args.json:
        rows = [
            {
                "id": lab.id,
                "project": lab.project,
                "title": lab.title,
                "package": lab.package,
                "milestones": [{"id": m.id, "title": m.title, "tests": m.tests} for m in lab.milestones],
                "mutants": len(lab.mutants),
                "path": str(lab.root),
            }
            for lab in labs
        ]
        print(json.dumps(rows, indent=2))
        return 0
    if not labs:
        print("no labs found")
    for lab in labs:
        print(
            f"{lab.id:<22} project {lab.project}  {len(lab.milestones)} milestones, {len(lab.mutants)} mutants  "
            f"{lab.title}"
        )
    return 0


def run_check(args: argparse.Namespace) -> int:
    lab = get_lab(args.lab)
    if args.path is not None and (args.solution or args.mutant):
        raise LabError("--path checks your code; --solution and --mutant check the lab's own: choose one")
    path = None if (args.solution or args.mutant) else (args.path or lab.starter)
    if path is not None:
        package_dir(lab, path)  # a missing directory or package is one line before anything runs
    if args.mutant:
        lab.mutant(args.mutant)
    for milestone in args.milestone or ():
        lab.milestone(milestone)
    what = (
        "the solution"
        if args.solution
        else f"mutant {args.mutant}"
        if args.mutant
        else str(Path(args.path or lab.starter).resolve())
    )
    n = len(args.milestone) if args.milestone else len(lab.milestones)
    print(f"checking lab {lab.id} ({n} milestone{'s' if n != 1 else ''}) against {what} ...", file=sys.stderr)
    report = check_lab(
        lab,
        path=path,
        solution=args.solution,
        mutant=args.mutant,
        milestones=args.milestone,
        progress=lambda line: print(line, file=sys.stderr, flush=True),
    )
    if path is not None and not args.milestone:
        record_check(lab, Path(path), report)
    print(report.to_json() if args.json else report.to_text())
    return 0 if report.ok else 1


def run_export(args: argparse.Namespace) -> int:
    from reference_impl.labs.export import export_lab

    lab = get_lab(args.lab)
    result = export_lab(
        lab, args.dest, with_solution=args.with_solution, progress=lambda line: print(line, file=sys.stderr, flush=True)
    )
    print(result.to_text())
    return 0
