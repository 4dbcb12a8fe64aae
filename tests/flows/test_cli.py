"""The koubei CLI: one-line errors with a fix, predict and extract outputs."""

import json

import pytest
from typer.testing import CliRunner

from flows.cli import app

runner = CliRunner()


def test_every_command_has_help():
    for command in (
        ["--help"],
        ["demo", "--help"],
        ["run", "--help"],
        ["backfill", "--help"],
        ["serve", "--help"],
        ["dashboard", "--help"],
        ["sql", "--help"],
        ["config", "check", "--help"],
        ["extract", "--help"],
        ["model", "build", "--help"],
        ["model", "train", "--help"],
        ["model", "eval", "--help"],
        ["model", "predict", "--help"],
        ["model", "refine", "--help"],
    ):
        result = runner.invoke(app, command)
        assert result.exit_code == 0, (command, result.output)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["config", "check", "--config", "/nonexistent/koubei.yaml"], "file not found (copy koubei.example.yaml"),
        (["sql", "--db", "/nonexistent/x.duckdb", "select 1"], "does not exist yet; run `koubei run`"),
        (["backfill", "--from", "2026-11-05", "--to", "2026-11-01", "--config", "koubei.example.yaml"], "--to is before --from"),
        (
            ["backfill", "--from", "yesterday", "--to", "2026-11-01", "--config", "koubei.example.yaml"],
            "is not a date; use YYYY-MM-DD",
        ),
        (["model", "refine", "/nonexistent/bundle", "/tmp/refined"], "holds no bundle; write one with `koubei model bundle"),
    ],
)
def test_user_errors_are_one_clear_line(args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output.replace("\n", " ") and "Traceback" not in result.output


@pytest.mark.slow
@pytest.mark.parametrize("runtime", ["onnx-int8", "torch"])
def test_predict_keeps_order_and_flags(tmp_path, runtime):
    path = tmp_path / "posts.jsonl"
    rows = [{"text": "太难吃了，再也不买了"}, {"text": ""}, {"text": "Great service, thank you so much!"}, {"other": 1}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    result = runner.invoke(app, ["model", "predict", "--input", str(path), "--text-column", "text", "--runtime", runtime])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [r["label"] for r in lines] == ["negative", "neutral", "positive", "neutral"]
    assert lines[1]["flags"] == ["empty_text"] and set(lines[0]) >= {"p_negative", "p_neutral", "p_positive"}


@pytest.mark.slow
def test_predict_reads_csv_files_excel_saved_as_gbk_or_big5(tmp_path):
    rows = [("太难吃了，再也不买了", "gbk"), ("魯莫外送太慢了，客服電話根本打不通", "big5")]
    for text, encoding in rows:
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(f"id,text\r\n1,{text}\r\n".encode(encoding))
        result = runner.invoke(app, ["model", "predict", "--input", str(path), "--text-column", "text"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout.splitlines()[-1])["label"] == "negative"
        assert f"{path} is not UTF-8; read as" in result.stderr.replace("\n", "")


def test_an_unknown_runtime_is_one_clear_line(tmp_path):
    path = tmp_path / "posts.jsonl"
    path.write_text('{"text": "ok"}\n', encoding="utf-8")
    result = runner.invoke(app, ["model", "predict", "--input", str(path), "--runtime", "tensorrt"])
    assert result.exit_code == 2 and "unknown sentiment runtime 'tensorrt' (one of onnx-int8, torch)" in result.output


def test_extract_on_a_saved_review_page(shared_data):
    page = shared_data / "html/markup_schemaorg_product.html"
    result = runner.invoke(app, ["extract", str(page), "--url", "https://shop.example.com/product"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert records and {"kind", "author", "published", "text", "rating", "thread_title", "url"} <= set(records[0])
    assert {"review", "aggregate_rating"} & {r["kind"] for r in records}


def test_extract_says_so_when_a_page_holds_nothing(tmp_path):
    page = tmp_path / "noise.html"
    page.write_bytes(bytes(range(256)) * 64)  # binary noise, not a page
    result = runner.invoke(app, ["extract", str(page), "--url", "https://bbs.example.com/t"])
    assert result.exit_code == 0 and result.stdout == ""
    said = " ".join(result.stderr.split())  # the console wraps long lines
    assert said.startswith("no posts or reviews found in") and said.endswith("(read as: main_text)")


def test_clean_reads_stdin():
    result = runner.invoke(app, ["clean"], input="客戶關(guān)系 &amp; <p>好评</p>\n")
    assert result.exit_code == 0 and result.stdout.strip() == "客戶關系 & 好评"


def test_clean_and_analyze_read_chinese_that_is_not_utf8():
    """GBK text on standard input is read as GB18030 and said so, not turned into U+FFFD."""
    result = runner.invoke(app, ["clean"], input="配送太慢了\n".encode("gbk"))
    assert result.exit_code == 0 and result.stdout.strip() == "配送太慢了"
    assert "standard input is not UTF-8; read as gb18030" in result.stderr
    lines = b'{"text": "ok"}\n' + '{"text": "鲁莫外卖配送太慢了"}\n'.encode("gbk")
    analyzed = runner.invoke(app, ["analyze", "--config", "koubei.example.yaml"], input=lines)
    assert analyzed.exit_code == 0, analyzed.output
    assert [json.loads(line)["text"] for line in analyzed.stdout.splitlines()] == ["ok", "鲁莫外卖配送太慢了"]
    assert "line 2 is not UTF-8; read as gb18030" in analyzed.stderr


def test_analyze_adds_language_brands_aspects_intents(tmp_path):
    import textwrap

    config = tmp_path / "k.yaml"
    config.write_text(
        textwrap.dedent("""
        brands: [{id: lumo, name: Lumo, aliases: {zh-Hans: [鲁莫], en: [Lumo]}}]
        sources: [{id: s, kind: rss, start_urls: ['https://example.com/f']}]
    """),
        encoding="utf-8",
    )
    lines = '{"text": "魯莫外送太慢了，再也不用了"}\n{"text": "Lumo leaked my phone number, chargeback filed"}\n'
    result = runner.invoke(app, ["analyze", "--config", str(config)], input=lines)
    assert result.exit_code == 0, result.output
    zh, en = [json.loads(line) for line in result.stdout.splitlines()]
    assert (zh["language"], zh["script"], zh["brands"], zh["intents"]) == ("zh", "zh-Hant", ["lumo"], ["churn_or_escalation"])
    assert {"aspect": "delivery", "polarity": "negative"} in zh["aspects"]
    assert (en["language"], en["brands"]) == ("en", ["lumo"]) and {"aspect": "privacy", "polarity": "negative"} in en["aspects"]
    # A bad line is named and skipped; the lines around it still come out, and the exit code says so.
    mixed = 'not json\n{"text": null}\n[1, 2]\n{"text": 5}\n{"text": "Lumo support never answers"}\n'
    bad = runner.invoke(app, ["analyze", "--config", str(config)], input=mixed)
    assert bad.exit_code == 2
    assert "line 1 is not a JSON object" in bad.stderr and "3 line(s) skipped: 1, 3, 4" in bad.stderr
    empty, support = [json.loads(line) for line in bad.stdout.splitlines()]
    assert (empty["text_clean"], empty["language"], empty["aspects"]) == ("", "other", [])
    assert support["brands"] == ["lumo"] and {"aspect": "customer_service", "polarity": "negative"} in support["aspects"]


@pytest.mark.slow
def test_calibrate_reproduces_the_shipped_temperatures(tmp_path):
    """Recalibrating the shipped part on the calibration split gives back its committed
    temperatures (the fit is reproducible) under a bumped version."""
    import shutil

    from nlp.sentiment.model import WEIGHTS_DIR, read_meta

    shipped = read_meta()
    weights = tmp_path / "weights"
    shutil.copytree(WEIGHTS_DIR, weights)
    result = runner.invoke(app, ["model", "calibrate", "--weights", str(weights)])
    assert result.exit_code == 0, result.output
    refit = read_meta(weights)
    major, _, minor = shipped.version.partition(".")
    assert refit.version == f"{major}.{int(minor or 0) + 1}"
    assert refit.temperature == pytest.approx(shipped.temperature, abs=0.01)
    assert refit.language_temperatures.keys() == shipped.language_temperatures.keys()
    for language, temperature in shipped.language_temperatures.items():
        assert refit.language_temperatures[language] == pytest.approx(temperature, abs=0.01)
