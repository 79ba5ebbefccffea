"""The benchmark results as markdown: machine and command, targets met or missed, details."""

from pathlib import Path

SELECTIVE_P95_MS = 5.0
BROAD_NEWEST_P95_MS = 50.0
BROAD_RANKED_P95_MS = 300.0
INGEST_RATIO = 0.7
REQUESTS_RATIO = 10.0
KEYSET_RATIO = 2.0
# "Flat": the biggest partition's peak within this factor of the smallest's.
FLAT_MEMORY = 1.25
SWEEP_NEWEST_P95_MS = 50.0
SWEEP_RELEVANCE_P95_MS = 300.0


def render(results: dict) -> str:
    machine = results["machine"]
    settings = ", ".join(f"{name} {value}" for name, value in sorted(machine["settings"].items()))
    lines = [
        "# Benchmark results",
        "",
        f"`{results['command']}`, started {results['started_at']}, took "
        f"{results['seconds'] / 60:.1f} min.",
        "",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, "
        f"{machine['os']}, Python {machine['python']}",
        f"- Database: {machine['postgresql']} at `{machine['server']}` ({settings})",
        f"- Load average (1, 5, 15 min) before: {_load(results['load_average_before'])}, after: "
        f"{_load(results['load_average_after'])}: other work on the machine shares its 2 cores "
        "and shows in the figures.",
        "",
        "## Targets",
        "",
        "| # | measure | target | measured | verdict |",
        "|---|---|---|---|---|",
        *_targets(results),
    ]
    for part in (_ingest, _vk, _throughput, _search, _sweep, _pagination, _memory, _exports, _plans):
        section = part(results)
        if section:
            lines += ["", *section]
    return "\n".join(lines) + "\n"


def _load(values) -> str:
    return ", ".join(f"{value:.1f}" for value in values)


def _verdict(met: bool, measured: float, target: float, higher_is_better: bool) -> str:
    if met:
        return "met"
    off = (target / measured - 1) if higher_is_better else (measured / target - 1)
    return f"**missed** by {off:.0%}"


def _targets(results: dict) -> list[str]:
    rows = []
    for part, where in (("ingest", ""), ("corpus_ingest", ", into the corpus")):
        if part in results:
            ratio = results[part]["ratio"]
            rows.append(f"| 1 | ingest rows/s, loading path / raw COPY{where} | ≥ {INGEST_RATIO} | "
                        f"{ratio:.2f} | {_verdict(ratio >= INGEST_RATIO, ratio, INGEST_RATIO, True)} |")
    if "vk" in results:
        ratio = results["vk"]["requests_ratio"]
        rows.append(f"| 2 | HTTP requests per 1,000 comments, VkTools / ours | ≥ {REQUESTS_RATIO:.0f}× | "
                    f"{ratio:.1f}× | {_verdict(ratio >= REQUESTS_RATIO, ratio, REQUESTS_RATIO, True)} |")
    if "search" in results:
        for label, kind, order, target in (
                ("selective query p95 (worst of 4)", "selective", None, SELECTIVE_P95_MS),
                ("broad newest-first p95 (worst of 2)", "broad", "newest", BROAD_NEWEST_P95_MS),
                ("broad ranked p95 (worst of 2)", "broad", "relevance", BROAD_RANKED_P95_MS)):
            worst = max(case["p95_ms"] for case in results["search"]
                        if case["query"] == kind and order in (None, case["order"]))
            rows.append(f"| 3 | {label} | < {target:.0f} ms | {worst:.1f} ms | "
                        f"{_verdict(worst < target, worst, target, False)} |")
    if "sweep" in results:
        cases = results["sweep"]["cases"]
        for order, target in (("newest", SWEEP_NEWEST_P95_MS), ("relevance", SWEEP_RELEVANCE_P95_MS)):
            worst = max((case for case in cases if case["order"] == order), key=lambda c: c["p95_ms"])
            rows.append(f"| 6 | sweep, {order} p95, worst of {len(cases) // 2} ({worst['word']}, "
                        f"{worst['distribution']}, {worst['filter']}, {worst['tier']}) | < {target:.0f} ms | "
                        f"{worst['p95_ms']:.1f} ms | {_verdict(worst['p95_ms'] < target, worst['p95_ms'], target, False)} |")
    if "pagination" in results:
        ratio = results["pagination"]["keyset_ratio"]
        rows.append(f"| 4 | keyset page 10,000 / page 1 (p50) | ≤ {KEYSET_RATIO:.0f} | {ratio:.2f} | "
                    f"{_verdict(ratio <= KEYSET_RATIO, ratio, KEYSET_RATIO, False)} |")
    if "memory" in results:
        growth, comments = results["memory"]["peak_growth"], results["memory"]["comments_growth"]
        rows.append(f"| 5 | peak memory, biggest / smallest day partition ({comments:.0f}× the "
                    f"comments) | flat (≤ {FLAT_MEMORY}×) | {growth:.2f}× | "
                    f"{_verdict(growth <= FLAT_MEMORY, growth, FLAT_MEMORY, False)} |")
    if "throughput" in results:
        rows += _throughput_targets(results["throughput"])
    if "exports" in results:
        for fmt, growth in results["exports"]["growth"].items():
            rows.append(f"| 7 | peak memory of a {fmt} export, all / newest tenth ({growth['rows']:.0f}× "
                        f"the rows) | flat (≤ {FLAT_MEMORY}×) | {growth['peak']:.2f}× | "
                        f"{_verdict(growth['peak'] <= FLAT_MEMORY, growth['peak'], FLAT_MEMORY, False)} |")
    return rows


def _throughput_targets(figures: dict) -> list[str]:
    from benchmarks.throughput import TARGET_ONE, TARGET_SCALING

    one = figures["one_token_share_of_rate"]
    rows = [f"| 6 | one token's requests/s, share of its {figures['rate_per_token']:g}/s | "
            f"≥ {TARGET_ONE} | {one:.2f} | {_verdict(one >= TARGET_ONE, one, TARGET_ONE, True)} |"]
    for run in figures["runs"][1:]:
        scaling = run["scaling"]
        rows.append(f"| 6 | {run['tokens']} tokens' requests/s, share of {run['tokens']}× one "
                    f"token's | ≥ {TARGET_SCALING} | {scaling:.2f} | "
                    f"{_verdict(scaling >= TARGET_SCALING, scaling, TARGET_SCALING, True)} |")
    worst = max(max(run["max_per_second_per_token"]) for run in figures["runs"])
    rate = figures["rate_per_token"]
    rows.append(f"| 6 | most requests of one token in any second (stand-in's clock) | ≤ {rate:g} | "
                f"{worst} | {_verdict(worst <= rate, worst, rate, False)} |")
    exact = all(run["exact"] for run in figures["runs"])
    rows.append(f"| 6 | loaded rows equal the ground truth, every load | yes | "
                f"{'yes' if exact else 'no'} | {'met' if exact else '**missed**'} |")
    return rows


def _throughput(results: dict) -> list[str]:
    if "throughput" not in results:
        return []
    from benchmarks.throughput import summary_lines

    figures = results["throughput"]
    world, latency = figures["world"], figures["latency"]
    return ["## 6. Token lanes: throughput with 1, 2 and 4 tokens", "",
            f"A {world['days']}-day backfill of {world['n_groups']} communities ({world['posts']:,} "
            f"posts, {world['comments']:,} comments), posts then comments in one run, against the "
            f"stand-in with {figures['rate_per_token']:g} requests/s per token and VK-like latency "
            f"({latency['base_seconds']} s a request + {latency['per_call_seconds']} s a call + "
            f"{latency['per_item_seconds']} s an item). Load time: first to last request as the "
            "stand-in saw them; wall: the whole Dagster run.", "", *summary_lines(figures)]


def _ingest(results: dict) -> list[str]:
    lines = []
    if "ingest" in results:
        ingest = results["ingest"]
        lines += ["## 1. Ingest", "",
                  f"{ingest['rows']:,} comment rows (stand-in items through "
                  f"`assets.loading.rows.comment_row`), {ingest['transactions']} community loads, "
                  "each side alternating first.", "",
                  *_ingest_table(ingest, "raw COPY into a same-shaped table (same indexes, foreign key, "
                                         "partitions)")]
    if "corpus_ingest" in results:
        ingest = results["corpus_ingest"]
        lines += [*([""] if lines else []), "## 1. Ingest into the sweep's corpus", "",
                  f"{ingest['rows']:,} comment rows a side into vk.comments of the corpus "
                  f"({ingest['comments_before']:,} comments), on posts of its newest month "
                  f"({ingest['month']}, {ingest['month_comments_before']:,} comments before), "
                  f"{ingest['transactions']} community loads, each side alternating first; "
                  "deleted afterwards.", "",
                  *_ingest_table(ingest, "raw COPY into the same table")]
    return lines


def _ingest_table(ingest: dict, raw: str) -> list[str]:
    return [
        "| path | seconds | rows/s |",
        "|---|---|---|",
        f"| loading path (stage COPY + `comments_upsert.sql`) | {ingest['path_seconds']:.1f} | "
        f"{ingest['path_rows_per_second']:,.0f} |",
        f"| {raw} | {ingest['raw_seconds']:.1f} | {ingest['raw_rows_per_second']:,.0f} |",
    ]


def _vk(results: dict) -> list[str]:
    if "vk" not in results:
        return []
    vk = results["vk"]
    lines = ["## 2. VK efficiency", "",
             f"{vk['comments']:,} comments of {vk['posts']:,} readable posts of a 20-community, "
             "30-day stand-in world (stand-in defaults), every one checked against the world.", "",
             "| client | HTTP requests | per 1,000 comments | method calls | per 1,000 comments | seconds |",
             "|---|---|---|---|---|---|"]
    for side, label in (("ours", "`VkClient.get_comments`, 100 posts per call (the comments asset)"),
                        ("vk_tools", "`vk_api.VkTools.get_all`, post by post and branch by branch")):
        figures = vk[side]
        lines.append(f"| {label} | {figures['http_requests']:,} | {figures['http_requests_per_1000']:.1f} | "
                     f"{figures['method_calls']:,} | {figures['method_calls_per_1000']:.1f} | "
                     f"{figures['seconds']:.1f} |")
    lines += ["", f"VkTools' method calls are the calls its VKScript loop makes, as VK counts them; "
                  f"the stand-in, answering each loop's 25 calls in advance, saw "
                  f"{vk['vk_tools']['standin_method_calls']:,}."]
    return lines


def _search(results: dict) -> list[str]:
    if "search" not in results:
        return []
    corpus = results["corpus"]
    lines = ["## 3. Search latency", "",
             f"{corpus['comments']:,} comments of {corpus['communities']} communities in "
             f"{corpus['partitions']} monthly partitions ({corpus['table_gib']:.1f} GiB with indexes; "
             f"made in {corpus['seconds']:.0f} s): the broad "
             f"word in {corpus['broad_matches']:,} of them, the rare one in {corpus['rare_matches']}. "
             "Pages of 50 through `query.search_comments`, warm.", "",
             "| query | order | scope | answered by | rows | p50 ms | p95 ms | max ms |",
             "|---|---|---|---|---|---|---|---|"]
    for case in results["search"]:
        lines.append(f"| {case['query']} (`{case['text']}`) | {case['order']} | {case['scope']} | "
                     f"{case['tier']} | {case['rows']} | {case['p50_ms']:.1f} | {case['p95_ms']:.1f} | "
                     f"{case['max_ms']:.1f} |")
    if "obvious" in results:
        lines += ["", f"For scale, the obvious design (GIN index, sort every match, LIMIT 50) answers "
                      f"the broad newest-first page in {results['obvious']['p50_ms']:,.0f} ms (p50 of "
                      f"{results['obvious']['runs']})."]
    return lines


def _sweep(results: dict) -> list[str]:
    if "sweep" not in results:
        return []
    subjects, cases = results["sweep"]["subjects"], results["sweep"]["cases"]
    lines = ["## 6. Search sweep: frequencies and where the matches lie", "",
             f"{subjects['comments']:,} comments. Each word through 8 filters (all groups, one "
             "group, a date range, one author, with one or two more words, with a hashtag, as a "
             "quoted phrase), pages of 50; per word the worst p95 over the filters, the filter it "
             "was worst in, and the tiers that answered.", "",
             "| word | lies | matches | newest worst p95 ms | relevance worst p95 ms | tiers |",
             "|---|---|---|---|---|---|"]
    words = dict.fromkeys(case["word"] for case in cases)
    for word in words:
        mine = [case for case in cases if case["word"] == word]
        cells = []
        for order in ("newest", "relevance"):
            worst = max((case for case in mine if case["order"] == order), key=lambda c: c["p95_ms"])
            cells.append(f"{worst['p95_ms']:.1f} ({worst['filter']})")
        tiers = ", ".join(sorted({case["tier"] for case in mine}))
        lines.append(f"| `{word}` | {mine[0]['distribution']} | {mine[0]['matches']:,} | "
                     f"{cells[0]} | {cells[1]} | {tiers} |")
    lines += ["", "| filter | newest worst p95 ms | relevance worst p95 ms |", "|---|---|---|"]
    for name in dict.fromkeys(case["filter"] for case in cases):
        cells = [max(case["p95_ms"] for case in cases if case["filter"] == name and case["order"] == order)
                 for order in ("newest", "relevance")]
        lines.append(f"| {name} | {cells[0]:.1f} | {cells[1]:.1f} |")
    return lines


def _pagination(results: dict) -> list[str]:
    if "pagination" not in results:
        return []
    pages = results["pagination"]
    return [
        "## 4. Pagination",
        "",
        f"The broad word, newest first, all communities, pages of {pages['page_size']}; page "
        f"{pages['page']:,} starts after {pages['rows_before_deep_page']:,} rows (reached by walking "
        f"the keyset cursor in {pages['walk_seconds']:.0f} s; both methods return the same rows).",
        "",
        "| method | page 1 p50 ms | page 10,000 p50 ms | ratio |",
        "|---|---|---|---|",
        f"| keyset (`query.search_comments` with the cursor) | {pages['keyset_first']['p50_ms']:.1f} | "
        f"{pages['keyset_deep']['p50_ms']:.1f} | {pages['keyset_ratio']:.2f} |",
        f"| OFFSET (`benchmarks/sql/search_offset.sql`) | {pages['offset_first']['p50_ms']:.1f} | "
        f"{pages['offset_deep']['p50_ms']:,.0f} | {pages['offset_ratio']:,.0f} |",
    ]


def _memory(results: dict) -> list[str]:
    if "memory" not in results:
        return []
    lines = ["## 5. Peak memory of loading a day partition", "",
             "The `comments` asset in a process of its own, loading one day partition; the peak "
             "resident memory of that process while the asset ran (Dagster included).", "",
             "| communities | posts | comments loaded | RSS before, MiB | peak RSS, MiB | seconds |",
             "|---|---|---|---|---|---|"]
    for size in results["memory"]["sizes"]:
        lines.append(f"| {size['communities']} | {size['posts']:,} | {size['comments']:,} | "
                     f"{size['before_mib']:.0f} | {size['peak_mib']:.0f} | {size['seconds']:.0f} |")
    return lines


def _exports(results: dict) -> list[str]:
    if "exports" not in results:
        return []
    from benchmarks.exports import WORD

    lines = ["## 7. Peak memory of an export", "",
             f"`python -m query search {WORD} --output ...` over one community's "
             f"{results['exports']['comments']:,} comments, each matching, in a process of its own; "
             "the peak resident memory of that process (imports included).", "",
             "| format | rows | file, MiB | peak RSS, MiB | seconds |", "|---|---|---|---|---|"]
    for export in results["exports"]["exports"]:
        lines.append(f"| {export['format']} | {export['rows']:,} ({export['rows_label']}) | "
                     f"{export['file_mib']:.0f} | {export['peak_mib']:.0f} | {export['seconds']:.0f} |")
    return lines


def _plans(results: dict) -> list[str]:
    if "plans" not in results:
        return []
    lines = ["## Plans (EXPLAIN ANALYZE on the search corpus, warm)", ""]
    for title, how, plan in results["plans"]:
        lines += [f"### {title}", "", f"`{how}`", "", "```", *plan, "```", ""]
    return lines


PLANS_START = "<!-- plans: written by `make benchmark` (benchmarks/report.py) -->"
PLANS_END = "<!-- plans: end -->"


SWEEP_PLANS_START = "<!-- sweep plans: written by `benchmarks.run --only search_sweep` -->"
SWEEP_PLANS_END = "<!-- sweep plans: end -->"


def write_plans(readme: Path, results: dict, key: str = "plans") -> None:
    """Puts the latest plans between the markers in sql/README.md, where each index is
    justified, so the justification and the measurement cannot drift apart."""
    text = readme.read_text(encoding="utf-8")
    first, last = (PLANS_START, PLANS_END) if key == "plans" else (SWEEP_PLANS_START, SWEEP_PLANS_END)
    start, end = text.index(first) + len(first), text.index(last)
    corpus = results["corpus" if key == "plans" else "sweep_corpus"]
    machine = results["machine"]
    lines = [
        "",
        f"Measured {results['started_at'][:10]} on the benchmark's corpus: {corpus['comments']:,} "
        f"comments in {corpus['partitions']} monthly partitions ({corpus['table_gib']:.1f} GiB with "
        f"indexes), {machine['postgresql'].split(' on ')[0]}, {machine['cores']} cores. Plans over "
        "every partition are cut to their first two partitions' scans.",
        "",
        *_plans({"plans": results[key]})[2:],  # without its own heading
        "",
    ]
    readme.write_text(text[:start] + "\n".join(lines) + text[end:], encoding="utf-8")
