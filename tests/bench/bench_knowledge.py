"""Knowledge benchmark: relevance of suggestions on labelled reports, and search latency over 10,000
articles (meant for PostgreSQL, where the GIN full-text index is used; SQLite runs the fallback).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sh_kb .venv/bin/python -m tests.bench.bench_knowledge

It creates its own throw-away database (``bench_kb_knowledge`` on PostgreSQL, a temp file on SQLite),
seeds the demo articles, measures, and drops the database again. Options: ``--articles N`` (default
10000), ``--queries N`` (default 500), ``--keepdb`` to reuse the database between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).parent / "data" / "kb_reports.json"

BRANDS = ["华为", "小米", "OPPO", "vivo", "荣耀", "联想", "海尔", "美的", "格力", "海信", "TCL", "小天鹅"]
PRODUCTS = {"phone": "手机", "tablet": "平板", "laptop": "笔记本", "fridge": "冰箱", "washer": "洗衣机",
            "air_conditioner": "空调", "tv": "电视"}
TOPICS = ["充电", "电池", "屏幕", "开机", "重启", "信号", "网络", "声音", "相机", "系统", "密码", "制冷", "结霜", "噪音",
          "漏水", "排水", "脱水", "门锁", "遥控器", "显示", "键盘", "散热", "安装", "保养", "清洁", "配件", "保修", "发票"]
ACTIONS = ["常见问题", "使用技巧", "保养指南", "故障排查", "售后政策", "操作说明", "注意事项", "升级说明"]
GENERIC = ["请使用原装配件。", "如问题仍未解决，请联系客服或预约服务。", "保修期内非人为损坏可免费维修。",
           "建议定期清洁和保养，延长使用寿命。", "操作前请先备份重要数据。", "请在通风良好的环境中使用。",
           "维修前请携带购机发票和保修卡。", "部分型号操作路径可能略有不同。", "不要自行拆机，以免影响保修。",
           "升级系统前请保持电量在 50% 以上。", "上门服务时间为每天 9:00–18:00。", "配件价格以服务中心公示为准。"]


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _relevance(reports, models, *, audience, label):
    from knowledge.selectors import ticket_suggestions
    from tickets.models import Ticket

    hits1 = hits3 = 0
    per_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses = []
    for report in reports:
        ticket = Ticket(title=report["text"][:60], description=report["text"],
                        product_model=models[report["category"]])
        slugs = [a.slug for a in ticket_suggestions(ticket=ticket, limit=3, audience=audience).articles]
        expected = set(report["expected"])
        top3 = bool(expected & set(slugs))
        hits3 += top3
        hits1 += bool(slugs and slugs[0] in expected)
        per_category[report["category"]][0] += top3
        per_category[report["category"]][1] += 1
        if not top3:
            misses.append((report["text"], report["expected"][0], slugs))
    n = len(reports)
    print(f"  {label}: top-1 {hits1}/{n} = {100 * hits1 / n:.1f}%   top-3 {hits3}/{n} = {100 * hits3 / n:.1f}%")
    print("    per product line (top-3): " + ", ".join(
        f"{cat} {h}/{t}" for cat, (h, t) in sorted(per_category.items())))
    return misses


def _synthetic_articles(count: int, rng: random.Random, sentence_pool: list[str]):
    from knowledge import search, services
    from knowledge.models import Article

    rows = []
    for i in range(count):
        category = rng.choice(list(PRODUCTS))
        topic = rng.choice(TOPICS)
        title = f"{rng.choice(BRANDS)}{PRODUCTS[category]}{topic}{rng.choice(ACTIONS)} 第{i}期"
        body = "".join(rng.sample(sentence_pool, 3) + rng.sample(GENERIC, 2))
        summary = f"{PRODUCTS[category]}{topic}相关说明。"
        rows.append(Article(
            title=title, slug=f"syn-{i}", audience=rng.choice(["customer", "customer", "internal"]),
            summary=summary, body=body, status="published", product_categories=[category], tags=[topic],
            segmented_text=search.index_text(title=title, summary=summary, body=body, tags=[topic]),
        ))
    Article.objects.bulk_create(rows, batch_size=1000)
    services.article_search_stats_invalidate()  # bulk_create bypasses the article services


def run(*, articles: int, queries: int) -> None:
    from django.db import connection

    from knowledge import demo
    from knowledge.demo_data import ARTICLES, INTERNAL_ARTICLES
    from knowledge.selectors import article_search, ticket_suggestions
    from tickets.models import ProductModel, Ticket

    reports = json.loads(DATA.read_text(encoding="utf-8"))
    print(f"database: {connection.vendor}  labelled reports: {len(reports)}")
    demo.seed_articles()
    models = {cat: ProductModel.objects.get_or_create(code=f"BENCH-{cat}", defaults={
        "brand": "测试", "name": f"{cat} 型号", "category": cat})[0] for cat in {r["category"] for r in reports}}

    print(f"\nrelevance on the demo corpus ({len(ARTICLES)} customer + {len(INTERNAL_ARTICLES)} internal articles):")
    _relevance(reports, models, audience="customer", label="customer self-help (audience=customer)")
    misses = _relevance(reports, models, audience=None, label="agent view (both audiences)")

    rng = random.Random(42)
    pool = [s + "。" for a in ARTICLES + INTERNAL_ARTICLES for s in a["body"].replace("\n", "").split("。") if s]
    started = time.perf_counter()
    from knowledge.models import Article

    if not Article.objects.filter(slug__startswith="syn-").exists():
        _synthetic_articles(max(0, articles - len(ARTICLES) - len(INTERNAL_ARTICLES)), rng, pool)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE knowledge_article")
    total = Article.objects.count()
    print(f"\ncorpus: {total} published articles (synthetic distractors indexed in {time.perf_counter() - started:.1f} s)")

    texts = [r["text"] for r in reports]
    for text in texts[:5]:  # warm-up (jieba dictionary, connection, plan cache)
        article_search(query=text)
    timings = []
    for i in range(queries):
        text = texts[i % len(texts)]
        t0 = time.perf_counter()
        article_search(query=text, limit=10)
        timings.append((time.perf_counter() - t0) * 1000)
    print(f"article_search over {total} articles, {queries} queries: p50 {_percentile(timings, 50):.1f} ms, "
          f"p95 {_percentile(timings, 95):.1f} ms, p99 {_percentile(timings, 99):.1f} ms, max {max(timings):.1f} ms, "
          f"mean {statistics.mean(timings):.1f} ms")
    timings = []
    for i in range(min(queries, 200)):
        report = reports[i % len(reports)]
        ticket = Ticket(title=report["text"][:60], description=report["text"], product_model=models[report["category"]])
        t0 = time.perf_counter()
        ticket_suggestions(ticket=ticket, limit=3)
        timings.append((time.perf_counter() - t0) * 1000)
    print(f"ticket_suggestions (articles + similar tickets), {len(timings)} tickets: "
          f"p50 {_percentile(timings, 50):.1f} ms, p95 {_percentile(timings, 95):.1f} ms")

    print(f"\nrelevance with {total - len(ARTICLES) - len(INTERNAL_ARTICLES)} synthetic distractors:")
    _relevance(reports, models, audience="customer", label="customer self-help (audience=customer)")
    _relevance(reports, models, audience=None, label="agent view (both audiences)")

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for tsq in ("'尾插' | '鼓包'", "'充电' | '故障'"):
                cursor.execute(
                    "EXPLAIN ANALYZE SELECT id, ts_rank(search_vector, q) FROM knowledge_article, "
                    "to_tsquery('simple'::regconfig, %s) q WHERE status = 'published' AND search_vector @@ q "
                    "ORDER BY 2 DESC LIMIT 300", [tsq])
                plan = [row[0] for row in cursor.fetchall()]
                print(f"\nplan of the candidate query for {tsq}:\n  " + "\n  ".join(plan))
    if misses:
        print(f"\nmisses on the demo corpus (agent view), {len(misses)}:")
        for text, expected, got in misses:
            print(f"  {text}  expected {expected}  got {got}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--keepdb", action="store_true", help="keep (and reuse) the benchmark database")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import connection

    test = connection.settings_dict["TEST"]
    if connection.vendor == "postgresql":
        test["NAME"] = "bench_kb_knowledge"
    else:
        print("note: not PostgreSQL — measuring the SQLite fallback (set DATABASE_URL for the indexed path)")
        test["NAME"] = os.path.join(tempfile.gettempdir(), f"bench-kb-{os.getpid()}.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.keepdb)
    try:
        run(articles=args.articles, queries=args.queries)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=args.keepdb)


if __name__ == "__main__":
    main()
