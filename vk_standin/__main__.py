"""`python -m vk_standin --port 0 --seed 1 --groups 20 --days 7`: serve a world until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import datetime, timedelta, timezone

from vk_standin.faults import REQUEST_FAULTS
from vk_standin.server import DEFAULT_TOKEN, StandInServer
from vk_standin.world import World


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m vk_standin", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 lets the OS choose")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument(
        "--start", type=datetime.fromisoformat, default=None,
        help="window start (ISO date, UTC); default: --days before today's midnight UTC, "
             "so the world looks recent",
    )
    parser.add_argument("--posts-per-day", type=float, default=3.0)
    parser.add_argument("--mean-comments", type=float, default=6.0)
    parser.add_argument("--max-comments", type=int, default=3000)
    parser.add_argument("--token", action="append", help="accepted token (repeatable)")
    parser.add_argument("--rps", type=float, default=None, help="requests/s per token (error 6)")
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--fault-kinds", default=",".join(REQUEST_FAULTS))
    parser.add_argument(
        "--machine-readable", action="store_true",
        help="print exactly VK_API_BASE_URL=... and VK_TOKEN=... lines on stdout (for scripts); "
             "the summary goes to stderr",
    )
    args = parser.parse_args(argv)

    start = args.start
    if start is None:
        today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        start = today - timedelta(days=args.days)
    elif start.tzinfo is None:
        start = start.replace(tzinfo=timezone.utc)
    world = World(
        seed=args.seed, n_groups=args.groups, start=start, days=args.days,
        posts_per_day=args.posts_per_day, mean_comments=args.mean_comments,
        max_comments=args.max_comments,
    )
    server = StandInServer(
        world, tokens=args.token or [DEFAULT_TOKEN], rps_per_token=args.rps,
        fault_rate=args.fault_rate, fault_kinds=args.fault_kinds.split(","),
        host=args.host, port=args.port,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with server:
        if args.machine_readable:
            print(f"VK_API_BASE_URL={server.base_url}", flush=True)
            print(f"VK_TOKEN={server.token}", flush=True)
        else:
            print(f"base_url={server.base_url}", flush=True)
            print(f"token={server.token}", flush=True)
        print(
            f"{len(world.groups())} groups, {world.total_posts()} posts, "
            f"{world.total_comments()} comments, window {world.start:%Y-%m-%d} .. "
            f"{world.end:%Y-%m-%d}; Ctrl-C stops",
            file=sys.stderr if args.machine_readable else sys.stdout, flush=True,
        )
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
