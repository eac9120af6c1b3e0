#!/usr/bin/env python3
"""Bursts against a running `make dev`, to check that it behaves like production under load.

  burst       N webhooks (default 200) spread over every endpoint of every function, C at a time
              (default 50), with the bodies of events/<endpoint>.json. Prints the answers by
              status and the Zoho tokens minted during the burst (read from the Zoho simulator).
              Fails when more than one token was minted or an answer was a 5xx.
  seed        writes a seed directory for the simulator: fixtures/zoho plus one new class (with its
              programme, teacher, two students and their enrolments) under fresh ids; start
              `ZOHO_SIM_SEED_DIR=<dir> make dev` with it. Prints the new class id.
  class-race  N concurrent class_updated webhooks (default 20) for one class id; prints the answers
              by status and the course each answer names. Fails unless every answer is 200 and
              exactly one says it created the course (in plan mode: every answer plans the same
              creation, and nothing is created).

Standard library only. Talks only to 127.0.0.1 (PORT, default 9000; ZOHO_SIM_PORT, default 8787).
"""

import argparse
import collections
import concurrent.futures
import json
import os
import pathlib
import shutil
import sys
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
PREFIX = "/api/v1/webhooks/student-dashboard/"


def base_url():
    return f"http://127.0.0.1:{os.environ.get('PORT', '9000')}{PREFIX}"


def sim_url():
    return f"http://127.0.0.1:{os.environ.get('ZOHO_SIM_PORT', '8787')}"


def secret():
    return os.environ.get("WEBHOOK_SECRET", "local-dev-secret-0123456789")


def post(endpoint, body, timeout=120):
    request = urllib.request.Request(
        base_url() + endpoint,
        data=body.encode(),
        method="POST",
        headers={"content-type": "application/json", "x-webhook-secret": secret()},
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, text = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode("utf-8", "replace")
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        status, text = 0, str(error)
    return status, text, time.monotonic() - started


def sim_stats():
    with urllib.request.urlopen(sim_url() + "/__sim/log", timeout=10) as response:
        return json.load(response)["stats"]


def webhook_events():
    """(endpoint, body) for every endpoint, from events/<endpoint>.json (the router's routes)."""
    routes = []
    for path in sorted((ROOT / "events").glob("*.json")):
        event = json.loads(path.read_text())
        raw_path = event.get("rawPath") or event.get("path") or ""
        endpoint = raw_path.rsplit("/", 1)[-1]
        if endpoint and endpoint != "health" and event.get("body"):
            routes.append((endpoint, event["body"]))
    return routes


def burst(args):
    routes = webhook_events()
    if not routes:
        sys.exit("no events in events/*.json")
    before = sim_stats()
    work = [routes[i % len(routes)] for i in range(args.count)]
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        answers = list(pool.map(lambda route: (route[0],) + post(*route), work))
    elapsed = time.monotonic() - started
    after = sim_stats()
    by_status = collections.Counter(status for _, status, _, _ in answers)
    endpoints = len({endpoint for endpoint, *_ in answers})
    minted = after["mints"] - before["mints"]
    token_requests = after["token_requests"] - before["token_requests"]
    latencies = sorted(latency for *_, latency in answers)
    print(f"{args.count} webhooks over {endpoints} endpoints, {args.concurrency} at a time, in {elapsed:.1f} s")
    print(f"answers by HTTP status: {dict(sorted(by_status.items()))}")
    print(f"latency p50 {latencies[len(latencies) // 2]:.2f} s, max {latencies[-1]:.2f} s")
    print(f"Zoho token requests during the burst: {token_requests}; tokens minted: {minted}")
    failures = [a for a in answers if a[1] == 0 or a[1] >= 500]
    for endpoint, status, text, _ in failures[:5]:
        print(f"  {endpoint}: {status} {text[:200]}")
    if minted > 1 or failures:
        sys.exit(1)


def seed(args):
    out = pathlib.Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(ROOT / "fixtures" / "zoho", out)
    run = int(time.time() * 1000) % 10_000_000
    ids = {tag: f"5398830000{tag:02d}{run:07d}" for tag in range(81, 88)}
    modules = {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}

    def first(module):
        return dict(modules[module][0])

    programme = first("Products") | {"id": ids[81], "MoodleID": args.category}
    teacher = first("BTEC_Teachers") | {"id": ids[82], "Academic_Email": args.teacher_email}
    students = []
    for n, (tag, email) in enumerate(zip((83, 84), args.student_emails)):
        students.append(
            first("BTEC_Students")
            | {"id": ids[tag], "Name": f"DEV-RACE-{run}-{n}", "Academic_Email": email, "Student_Moodle_ID": ""}
        )
    class_record = first("BTEC_Classes") | {
        "id": ids[85],
        "Class_Name": f"Dev race class {run}",
        "Class_Short_Name": f"DEVRACE-{run}",
        "BTEC_Program": {"name": "Dev race programme", "id": ids[81]},
        "Teacher": {"name": "Dev race teacher", "id": ids[82]},
        "Moodle_Class_ID": "",
    }
    enrolments = [
        first("BTEC_Enrollments")
        | {"id": ids[tag], "Enrolled_Students": {"name": "S", "id": s["id"]}, "Classes": {"name": "Race", "id": ids[85]}}
        for tag, s in zip((86, 87), students)
    ]
    for module, rows in (
        ("Products", [programme]),
        ("BTEC_Teachers", [teacher]),
        ("BTEC_Students", students),
        ("BTEC_Classes", [class_record]),
        ("BTEC_Enrollments", enrolments),
    ):
        modules[module].extend(rows)
        (out / f"{module}.json").write_text(json.dumps(modules[module], indent=2))
    print(ids[85])


def class_race(args):
    body = json.dumps({"zoho_id": args.class_id, "module": "BTEC_Classes"})
    before = sim_stats()
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.count) as pool:
        answers = list(pool.map(lambda _: post("class_updated", body), range(args.count)))
    elapsed = time.monotonic() - started
    after = sim_stats()
    by_status = collections.Counter(status for status, _, _ in answers)
    course_actions, course_ids, modes = collections.Counter(), collections.Counter(), collections.Counter()
    for status, text, _ in answers:
        try:
            answer = json.loads(text)
        except ValueError:
            continue
        modes[answer.get("mode", "live")] += 1
        for action in answer.get("actions", []):
            detail = action.get("detail") or {}
            if "course_action" in detail:
                course_actions[detail["course_action"]] += 1
                course_ids[str(detail.get("course_id"))] += 1
    print(f"{args.count} concurrent class_updated for {args.class_id} in {elapsed:.1f} s")
    print(f"answers by HTTP status: {dict(sorted(by_status.items()))}; mode: {dict(modes)}")
    print(f"course_action: {dict(course_actions)}; course ids named: {dict(course_ids)}")
    print(f"Zoho tokens minted during the race: {after['mints'] - before['mints']}")
    for status, text, _ in [a for a in answers if a[0] != 200][:5]:
        print(f"  {status}: {text[:300]}")
    ok = by_status == {200: args.count}
    if "plan" not in modes:
        ok = ok and course_actions.get("created") == 1 and len(course_ids) == 1
    if not ok:
        sys.exit(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("burst")
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--concurrency", type=int, default=50)
    p.set_defaults(run=burst)
    p = commands.add_parser("seed")
    p.add_argument("--out", required=True)
    p.add_argument("--category", default="1", help="Moodle category id of the new programme")
    p.add_argument("--teacher-email", default="teacher1@college.example")
    p.add_argument(
        "--student-emails", nargs=2, default=["ana.student@college.example", "lina.haddad@college.example"]
    )
    p.set_defaults(run=seed)
    p = commands.add_parser("class-race")
    p.add_argument("--class-id", required=True)
    p.add_argument("--count", type=int, default=20)
    p.set_defaults(run=class_race)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
