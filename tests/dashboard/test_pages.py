"""Each dashboard page's logic under Streamlit's AppTest, on a copy of the demo warehouse."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from flows.actions import apply_pending
from tests.dashboard.conftest import HOSTILE_TEXT, add_hostile_post
from warehouse import read
from warehouse.db import reader, snapshot_path, writer

pytestmark = pytest.mark.slow
APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


def _app() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    return at


def _login(name: str, password: str = "koubei-demo") -> AppTest:
    at = _app()
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def _post_page(name: str, post_key: str) -> AppTest:
    """The Posts page as ``name`` sees it, opened on one post by its link (?post=)."""
    at = _login(name).switch_page("views/posts.py")
    at.query_params["post"] = post_key
    return at.run()


def _texts(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.text]


def _status(db: Path) -> dict[str, str]:
    with reader(db) as con:
        return dict(con.execute("SELECT rule, status FROM alerts WHERE brand_id = 'lumo'").fetchall())


def test_nothing_shows_before_login_and_wrong_passwords_fail(dashboard_warehouse):
    at = _app()
    assert not at.exception
    assert [t.value for t in at.title] == ["koubei · reputation watch"]
    assert not any("lumo" in text for text in _texts(at))  # no warehouse data before the gate
    wrong = _login("demo-admin", "not-the-password")
    assert [e.value for e in wrong.error] == ["Wrong user name or password."]
    unknown = _login("nobody", "koubei-demo")
    assert [e.value for e in unknown.error] == ["Wrong user name or password."]
    assert not any("lumo" in text for text in _texts(unknown))


def test_inbox_puts_the_planted_spike_first_with_its_evidence_and_a_responder_acknowledges_it(dashboard_warehouse):
    at = _login("demo-responder")
    assert at.title[0].value == "Alerts inbox"
    texts = _texts(at)
    first_card = next(t for t in texts if " · " in t and "Lumo" in t)
    assert first_card.startswith("Lumo · Negative spike · open")
    assert "HIGH" in at.markdown[0].value  # the severity badge of the first card
    evidence = at.dataframe[0].value
    assert "数码老王" in set(evidence["author"])  # the influential author who started the burst
    assert evidence["author"].nunique() >= 4  # with the coordinated near-copies
    assert any(t.startswith("Response clock:") for t in [e.value for e in at.info] + [e.value for e in at.error])

    spike_id = next(b.key for b in at.button if b.key and b.key.startswith("acknowledge-"))
    at.text_input(key=f"note-{spike_id.removeprefix('acknowledge-')}").input("calling the delivery team")
    at.button(key=spike_id).click().run()
    assert not at.exception
    assert any(s.value.startswith("Done: the alert is now acknowledged") for s in at.success)
    assert _status(dashboard_warehouse.db)["negative_spike"] == "acknowledged"
    with reader(dashboard_warehouse.db) as con:
        assert con.execute("SELECT actor, note FROM alert_events WHERE to_status = 'acknowledged'").fetchall() == [
            ("demo-responder", "calling the delivery team")
        ]


def test_viewers_read_alerts_but_cannot_act(dashboard_warehouse):
    at = _login("demo-viewer")
    assert any(t.startswith("Lumo · Negative spike") for t in _texts(at))
    assert not [b for b in at.button if b.key and b.key.split("-")[0] in {"acknowledge", "resolve", "dismiss"}]
    assert "Viewers can read alerts but not act on them." in [c.value for c in at.caption]


def test_inbox_keeps_working_while_the_flow_writes_and_queues_the_action(dashboard_warehouse, another_writer):
    db = dashboard_warehouse.db
    shutil.copyfile(db, snapshot_path(db))  # what the flow's publish stage leaves after each run
    at = _login("demo-admin")
    with another_writer(db):
        at.run()
        assert not at.exception
        assert any("showing its last published snapshot" in c.value for c in at.caption)
        spike = next(b.key for b in at.button if b.key and b.key.startswith("acknowledge-"))
        at.button(key=spike).click().run()
        assert not at.exception
        assert any("queued" in i.value for i in at.info)
        assert any(t.startswith("acknowledged · demo-admin") for t in _texts(at))  # shown as pending
        assert _status(snapshot_path(db))["negative_spike"] == "open"
    with writer(db) as con:  # the flow's publish stage applies what was queued
        apply_pending(con, db)
    assert _status(db)["negative_spike"] == "acknowledged"


def test_inbox_says_so_when_the_warehouse_is_busy_and_there_is_no_snapshot(dashboard_warehouse, another_writer):
    at = _login("demo-admin")
    with another_writer(dashboard_warehouse.db):
        at.run()
    assert not at.exception
    assert any("being written by a running koubei flow" in w.value for w in at.warning)


@pytest.mark.parametrize(
    ("page", "title"),
    [
        ("views/overview.py", "Overview"),
        ("views/complaints.py", "Complaints"),
        ("views/people.py", "Advocates & detractors"),
        ("views/posts.py", "Posts"),
        ("views/runs.py", "Pipeline runs"),
    ],
)
def test_every_page_renders_real_data_for_an_admin(dashboard_warehouse, page, title):
    at = _login("demo-admin").switch_page(page).run()
    assert not at.exception, at.exception
    assert at.title[0].value == title
    assert at.caption[0].value.startswith("Data as of 20")
    if page.endswith("overview.py"):
        assert len(at.get("vega_lite_chart")) == 3
    if page.endswith("complaints.py"):
        # the burst's top complaint area, by the name the config gives it (its id stays the value)
        aspect = at.selectbox(key="complaints-aspect")
        assert aspect.options[0] == "Delivery and logistics" and aspect.value == "delivery"
        # the drill-down lists exactly the posts the bar counts, mixed posts read as positive included
        start, end = at.date_input(key="complaints-period").value
        pareto = read.complaint_pareto(dashboard_warehouse.db, "lumo", start, end).set_index("aspect")["count"]
        listed = at.dataframe[0].value
        assert len(listed) == pareto["delivery"] and f"{pareto['delivery']} posts found" in " ".join(_texts(at))
        labels = read.search_posts(
            dashboard_warehouse.db, read.PostFilter(brand="lumo", complaint="delivery", start=start, end=end)
        )
        assert set(labels["label"]) > {"negative"}
        assert list(listed.columns)[:2] == ["published_at", "text_clean"]  # the text is not cut off at the far right
    if page.endswith("people.py"):
        advocates = at.dataframe[0].value
        assert len(advocates) > 0 and advocates["score"].is_monotonic_decreasing
        # the posts behind each score: the demo's advocates praise and recommend Lumo
        assert {"positive", "negative", "recommends"} <= set(advocates.columns) and advocates["recommends"].sum() > 0
        assert "over the last 90 days" in " ".join(c.value for c in at.caption)
    if page.endswith("posts.py"):
        shown = at.dataframe[0].value
        assert len(shown) == 200  # the newest 200 of the demo's posts
        assert list(shown.columns)[:3] == ["published_at", "label", "text_clean"]
    if page.endswith("runs.py"):
        assert set(at.dataframe[0].value["source"]) == {s.id for s in dashboard_warehouse.config.sources}


def test_the_complaints_page_shows_the_negative_posts_no_bar_counts(dashboard_warehouse):
    """The Pareto counts complaint areas, so a negative post that names none is in no bar; the
    page says how many there are and lists them, as does the Posts page's area filter."""
    at = _login("demo-admin").switch_page("views/complaints.py").run()
    start, end = at.date_input(key="complaints-period").value
    without_area, negative = read.negatives_without_area(dashboard_warehouse.db, "lumo", start, end)
    assert 0 < without_area < negative
    assert any(c.value.startswith(f"{without_area} of the {negative} negative posts") for c in at.caption)
    at.selectbox(key="complaints-aspect").select(read.NO_AREA).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == without_area
    found = read.search_posts(dashboard_warehouse.db, read.PostFilter(brand="lumo", complaint=read.NO_AREA, start=start, end=end))
    assert len(found) == without_area and set(found["label"]) == {"negative"}
    assert not any(a["polarity"] == "negative" for areas in found["aspects"] for a in list(areas))
    assert not any("official" in list(flags) for flags in found["flags"] if flags is not None)
    posts = _login("demo-admin").switch_page("views/posts.py").run()
    posts.selectbox(key="posts-brand").select("lumo")
    posts.selectbox(key="posts-aspect").select(read.NO_AREA).run()
    assert not posts.exception
    since, until = posts.date_input(key="posts-period").value
    same = read.search_posts(
        dashboard_warehouse.db, read.PostFilter(brand="lumo", complaint=read.NO_AREA, start=since, end=until)
    )
    assert len(posts.dataframe[0].value) == len(same) >= without_area
    # a brand's official account never gets complaint areas, so its negative posts are no gap
    with writer(dashboard_warehouse.db) as con:
        con.execute(
            "UPDATE post_analysis SET flags = list_append(coalesce(flags, []), 'official') WHERE is_current AND post_key = ?",
            [found["post_key"].iloc[0]],
        )
    assert read.negatives_without_area(dashboard_warehouse.db, "lumo", start, end) == (without_area - 1, negative - 1)


def test_filters_narrow_the_posts(dashboard_warehouse):
    at = _login("demo-admin").switch_page("views/posts.py").run()
    at.selectbox(key="posts-brand").select("lumo")
    at.selectbox(key="posts-aspect").select("privacy")
    at.text_input(key="posts-contains").input("泄露").run()
    assert not at.exception
    found = at.dataframe[0].value
    assert 0 < len(found) < 200
    assert all("泄露" in text or "洩露" in text for text in found["text_clean"])
    # the area filter finds complaints in it, as the Pareto counts them
    start, end = at.date_input(key="posts-period").value
    same = read.search_posts(
        dashboard_warehouse.db, read.PostFilter(brand="lumo", complaint="privacy", start=start, end=end, contains="泄露")
    )
    assert len(same) == len(found)
    assert all({"aspect": "privacy", "polarity": "negative"} in list(areas) for areas in same["aspects"])


def test_intent_filter_finds_the_posts_that_threaten_to_leave_or_escalate(dashboard_warehouse):
    at = _login("demo-admin").switch_page("views/posts.py").run()
    at.selectbox(key="posts-intent").select("churn_or_escalation").run()
    assert not at.exception
    found = at.dataframe[0].value
    assert 0 < len(found) < 200
    start, end = at.date_input(key="posts-period").value
    same = read.search_posts(dashboard_warehouse.db, read.PostFilter(intent="churn_or_escalation", start=start, end=end))
    assert len(same) == len(found)
    assert all("churn_or_escalation" in list(intents) for intents in same["intents"])


def test_viewers_get_no_runs_page(dashboard_warehouse):
    at = _login("demo-viewer")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/runs.py")


def test_hostile_post_text_is_shown_literally_never_as_markup(dashboard_warehouse):
    key = add_hostile_post(dashboard_warehouse.db)
    at = _post_page("demo-admin", key)
    assert not at.exception
    assert at.code[0].value == HOSTILE_TEXT  # original, literal
    rendered_markup = [m.value for m in at.markdown] + [c.value for c in at.caption]
    assert not any("<script>" in value or "**bold**" in value for value in rendered_markup)
    assert not [b for b in at.get("link_button")]  # a javascript: URL gets no link


def test_a_post_says_where_each_complaint_area_came_from(dashboard_warehouse):
    """A demo post whose area no word list finds is shown as the complaint-area model's."""
    from nlp.text.matching import AspectMatcher

    words = AspectMatcher(dashboard_warehouse.config.aspect_taxonomy())
    with reader(dashboard_warehouse.db) as con:
        rows = con.execute(
            "SELECT p.post_key, p.text_clean, a.aspects FROM posts p JOIN post_analysis a USING (post_key) "
            "WHERE a.is_current AND len(a.aspects) > 0 ORDER BY p.post_key"
        ).fetchall()
    by_model = next(
        (key, aspects[0]["aspect"])
        for key, text, aspects in rows
        if not words.match(text or "") and aspects[0]["polarity"] == "negative"
    )
    at = _post_page("demo-admin", by_model[0])
    assert not at.exception
    name = next(a.name("en") for a in dashboard_warehouse.config.aspect_taxonomy() if a.id == by_model[1])
    assert f"Complaint area: {name} (negative, complaint-area model: no word list names it)" in _texts(at)


@pytest.mark.parametrize(
    ("flag", "reason"),
    [
        ("complaint_words", "Read negative: its words state a complaint, marked below (the model read it neutral)"),
        ("inquiry", "Read neutral: a question or plain statement, not a complaint (the model read it negative; inquiry gate)"),
    ],
)
def test_a_post_says_why_a_rule_moved_its_reading(dashboard_warehouse, flag, reason):
    """The demo holds flat English complaints read neutral by the model and Chinese questions
    it read negative: the post says which rule moved it, not only the label."""
    with reader(dashboard_warehouse.db) as con:
        post_key, label = con.execute(
            "SELECT post_key, label FROM post_analysis WHERE is_current AND list_contains(flags, ?) ORDER BY post_key LIMIT 1",
            [flag],
        ).fetchone()
    at = _post_page("demo-admin", post_key)
    assert not at.exception
    texts = _texts(at)
    assert reason in texts and f" · {label} (p_negative " in texts[texts.index(reason) - 1]
    assert label == ("negative" if flag == "complaint_words" else "neutral")


def test_a_responder_corrects_a_posts_complaint_areas_and_the_post_says_who_did(dashboard_warehouse):
    """The model's area is replaced by the analyst's; the Pareto follows; viewers get no form."""
    db = dashboard_warehouse.db
    with reader(db) as con:
        post_key, areas = con.execute(
            "SELECT post_key, aspects FROM post_analysis WHERE is_current AND len(aspects) = 1 "
            "AND list_contains(brands, 'lumo') AND aspects[1].aspect <> 'safety' ORDER BY post_key LIMIT 1"
        ).fetchone()
    viewer = _post_page("demo-viewer", post_key)
    assert not viewer.exception and not viewer.multiselect  # viewers read, responders correct

    at = _post_page("demo-responder", post_key)
    form = f"correct-linked-{post_key}"
    assert at.multiselect(key=f"{form}-negative").value == [a["aspect"] for a in areas if a["polarity"] == "negative"]
    at.multiselect(key=f"{form}-negative").set_value(["safety"])
    at.text_input(key=f"{form}-note").input("a shard of glass in the rice, not a delivery problem")
    next(b for b in at.button if b.label == "Save correction").click().run()
    assert not at.exception, at.exception
    assert "Saved: the post's complaint areas are corrected." in [s.value for s in at.success]
    provenance = next(t for t in _texts(at) if t.startswith("Complaint area:"))
    assert provenance.startswith("Complaint area: Safety (negative) · set by demo-responder ")
    assert provenance.endswith(": a shard of glass in the rice, not a delivery problem")
    with reader(db) as con:
        assert con.execute("SELECT aspects FROM post_analysis WHERE post_key = ? AND is_current", [post_key]).fetchone() == (
            [{"aspect": "safety", "polarity": "negative"}],
        )
        assert con.execute("SELECT previous, actor FROM area_corrections").fetchall() == [(areas, "demo-responder")]


def test_a_responder_corrects_a_posts_sentiment_and_the_post_says_who_did(dashboard_warehouse):
    """The analyst's reading replaces the model's and says what it was; viewers get no form."""
    db = dashboard_warehouse.db
    with reader(db) as con:
        post_key, p_negative = con.execute(
            "SELECT post_key, p_negative FROM post_analysis WHERE is_current AND label = 'negative' "
            "AND list_contains(brands, 'lumo') ORDER BY post_key LIMIT 1"
        ).fetchone()
    viewer = _post_page("demo-viewer", post_key)
    assert not viewer.exception and not viewer.radio

    at = _post_page("demo-responder", post_key)
    form = f"reading-linked-{post_key}"
    assert at.radio(key=f"{form}-label").value == "negative"
    at.radio(key=f"{form}-label").set_value("neutral")
    at.text_input(key=f"{form}-note").input("asks about opening hours")
    [_areas, reading_button] = [b for b in at.button if b.label == "Save correction"]  # the second form
    reading_button.click().run()
    assert not at.exception, at.exception
    assert "Saved: the post's sentiment is corrected." in [s.value for s in at.success]
    line = next(t for t in _texts(at) if t.startswith("Sentiment: neutral · set by demo-responder "))
    assert line.endswith(f": asks about opening hours (before: negative, p_negative {p_negative:.2f})")
    with reader(db) as con:
        assert con.execute("SELECT label FROM post_analysis WHERE post_key = ? AND is_current", [post_key]).fetchone() == (
            "neutral",
        )


def test_labels_switch_to_chinese(dashboard_warehouse):
    at = _login("demo-admin")
    at.selectbox(key="lang").select("zh").run()
    assert not at.exception
    assert at.title[0].value == "预警收件箱"
    assert any(t.endswith("条未处理预警") for t in _texts(at))
    # the alerts explain themselves in Chinese too: the planted spike's worst day and latest one
    assert any(t.startswith("最严重的一天：Lumo 在 ") and " 最新：Lumo 在 " in t for t in _texts(at))
    assert not any(t.startswith("Worst day:") for t in _texts(at))
    assert any(t.startswith("Lumo · 负面帖子激增 · 待处理 · ") for t in _texts(at))  # rule and state by name too
    assert at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("acknowledge-"))).label == "确认"
    # the cards' status histories, in Chinese too
    history = next(d.value for d in at.dataframe if "新状态" in d.value.columns)
    assert list(history.columns) == ["时间", "操作人", "原状态", "新状态", "备注"]
    assert history["新状态"].iloc[0] == "待处理" and history["备注"].iloc[0].startswith("规则「")
    # complaint areas by their Chinese names
    at.switch_page("views/complaints.py").run()
    assert not at.exception and at.selectbox(key="complaints-aspect").options[0] == "配送物流"


def test_response_clock_alert_shows_overdue_from_its_oldest_unanswered_post(dashboard_warehouse):
    at = _login("demo-admin")
    texts = _texts(at)
    card = next(i for i, t in enumerate(texts) if t.startswith("Lumo · Unanswered complaints"))
    assert card > 0  # a medium alert, below the high spike
    overdue = [e.value for e in at.error if e.value.startswith("Response clock: overdue by")]
    assert overdue, [e.value for e in at.info]  # its 24 hours ran out before the alert opened
