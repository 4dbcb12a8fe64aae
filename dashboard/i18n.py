"""UI labels in English and Chinese. Only labels live here: data is never translated."""

from __future__ import annotations

LANGUAGES = {"en": "English", "zh": "中文"}

LABELS: dict[str, tuple[str, str]] = {
    "app_title": ("koubei · reputation watch", "口碑 · 舆情监测"),
    "language": ("Language", "语言"),
    "login_title": ("Log in", "登录"),
    "login_user": ("User name", "用户名"),
    "login_password": ("Password", "密码"),
    "login_button": ("Log in", "登录"),
    "login_failed": ("Wrong user name or password.", "用户名或密码错误。"),
    "login_oidc": ("Log in with single sign-on", "单点登录"),
    "login_unconfigured": (
        "No dashboard users are configured. Add `dashboard.users` to the config "
        "(hash a password with `koubei dashboard-user NAME --role ROLE`) or enable OIDC.",
        "尚未配置看板用户。请在配置文件中添加 `dashboard.users`（用 `koubei dashboard-user NAME --role ROLE` 生成密码哈希）或启用 OIDC。",
    ),
    "logout": ("Log out", "退出登录"),
    "signed_in_as": ("Signed in as", "当前用户"),
    "role": ("Role", "角色"),
    "data_as_of": ("Data as of", "数据截至"),
    "snapshot_note": (
        "the daily run is writing; showing its last published snapshot",
        "每日任务正在写入，当前显示上次发布的快照",
    ),
    "no_data": ("The warehouse cannot be read right now", "暂时无法读取数据仓库"),
    "page_inbox": ("Alerts inbox", "预警收件箱"),
    "page_overview": ("Overview", "总览"),
    "page_complaints": ("Complaints", "投诉分析"),
    "page_people": ("Advocates & detractors", "拥护者与批评者"),
    "page_posts": ("Posts", "帖子"),
    "page_runs": ("Runs", "运行记录"),
    "no_open_alerts": ("No open alerts. All quiet.", "没有未处理的预警。"),
    "open_alerts": ("open alerts", "条未处理预警"),
    "severity": ("Severity", "级别"),
    "brand": ("Brand", "品牌"),
    "rule": ("Rule", "规则"),
    "status": ("Status", "状态"),
    "fired": ("Fired", "触发日期"),
    "reason": ("Reason", "原因"),
    "clock": ("Response clock", "响应时限"),
    "left": ("left", "剩余"),
    "overdue": ("overdue by", "已超时"),
    "evidence": ("Evidence posts", "证据帖子"),
    "thresholds": ("Thresholds", "阈值"),
    "history": ("Status history", "状态历史"),
    "event_event_at": ("When", "时间"),
    "event_actor": ("Who", "操作人"),
    "event_from_status": ("From", "原状态"),
    "event_to_status": ("To", "新状态"),
    "event_note": ("Note", "备注"),
    "action": ("Action", "操作"),
    "note": ("Note", "备注"),
    "action_acknowledge": ("Acknowledge", "确认"),
    "action_resolve": ("Resolve", "已解决"),
    "action_dismiss": ("Dismiss", "忽略"),
    "action_reopen": ("Reopen", "重新打开"),
    "apply": ("Apply", "提交"),
    "applied": ("Done: the alert is now", "已完成：预警状态为"),
    "queued": (
        "Saved. The daily run is writing; your action is queued and applied as soon as it finishes.",
        "已保存。每日任务正在写入，您的操作已排队，任务结束后立即生效。",
    ),
    "pending_actions": ("Queued actions (applied after the running job)", "排队中的操作（任务结束后生效）"),
    "viewer_note": ("Viewers can read alerts but not act on them.", "只读用户可以查看预警，但不能处理。"),
    "action_failed": ("The action was not applied", "操作未生效"),
    "period": ("Period", "时间范围"),
    "sources": ("Sources", "来源"),
    "languages": ("Languages", "语言"),
    "sentiment_over_time": ("Sentiment over time", "情感走势"),
    "share_of_voice": ("Share of voice", "声量占比"),
    "negative_with_alerts": ("Negative posts per day, with alerts", "每日负面帖子数与预警"),
    "posts_count": ("Posts", "帖子数"),
    "cumulative_share": ("Cumulative share", "累计占比"),
    "pareto": ("Complaint areas (Pareto)", "投诉领域（帕累托）"),
    "no_complaints": ("No complaints in this period.", "该时间段内没有投诉。"),
    "complaint_area": ("Complaint area", "投诉领域"),
    "drill_down": ("Posts in this complaint area", "该领域的帖子"),
    "no_area": ("No complaint area (negative posts)", "无投诉领域（负面帖子）"),
    "without_area": (
        "{n} of the {total} negative posts in this period name no complaint area, so no bar counts them. "
        "Customer-service and safety complaints are the likeliest to hide there (the areas found least often "
        "in real reviews, docs/operations.md), and so are posts the model misread as negative: pick "
        '"{no_area}" below to read them, and correct their areas or their sentiment on the Posts page.',
        "该时间段内 {total} 条负面帖子中有 {n} 条没有识别出投诉领域，任何柱子都没有计入它们。"
        "客服与安全类投诉最可能藏在其中（在真实评论中识别率最低的领域，见 docs/operations.md），"
        "被模型误判为负面的帖子也在其中：在下方选择「{no_area}」查看，并在帖子页修正其投诉领域或情感。",
    ),
    "advocates": ("Advocates", "拥护者"),
    "detractors": ("Detractors", "批评者"),
    "author": ("Author", "作者"),
    "recent_posts": ("Recent posts by", "最近帖子："),
    "board_help": (
        "Scored by how authors talk about the brand, not only by reach: the share of their posts that praise "
        "or recommend it (advocates) or attack it (detractors) x influence x activity, over the last {window} days. "
        "positive, negative and recommends are the posts behind the score; trend is its change over {trend} days "
        "(click a column to sort: trend shows who is rising this week).",
        "按作者谈论品牌的方式评分，而不只看影响力：称赞或推荐（拥护者）或批评（批评者）品牌的帖子占比 × 影响力 × 活跃度，"
        "统计最近 {window} 天。positive、negative、recommends 是评分所依据的帖子数；trend 是 {trend} 天内的变化"
        "（点击列名排序：按 trend 排序可看本周上升最快的作者）。",
    ),
    "nobody": ("Nobody scored yet.", "暂无评分。"),
    "search": ("Text contains", "文本包含"),
    "sentiment": ("Sentiment", "情感"),
    "aspect": ("Complaint area", "投诉领域"),
    "intent": ("Intent", "意图"),
    "any": ("(any)", "（全部）"),
    "results": ("posts found (newest first, at most 200)", "条帖子（按时间倒序，最多 200 条）"),
    "post": ("Post", "帖子"),
    # why a post reads as it does where a rule moved the model's reading (post_analysis.flags)
    "reading_inquiry": (
        "Read neutral: a question or plain statement, not a complaint (the model read it negative; inquiry gate)",
        "判为中性：提问或陈述，不是投诉（模型原判为负面；咨询识别）",
    ),
    "reading_complaint_words": (
        "Read negative: its words state a complaint, marked below (the model read it neutral)",
        "判为负面：文字中有明确的投诉，已在下方标出（模型原判为中性）",
    ),
    "reading_windowed": ("A long post, read in overlapping windows", "长帖，分段（重叠窗口）阅读"),
    "reading_official": (
        "A brand's official account: its replies count for no complaint area and no intent",
        "品牌官方账号：其回复不计入投诉领域和意图",
    ),
    "original": ("Original text", "原文"),
    "by_words": ("word list: its terms are marked", "词表：匹配词已标出"),
    "by_model": ("complaint-area model: no word list names it", "投诉领域模型：词表未覆盖"),
    "by_analyst": ("set by", "人工修正："),
    "correct_areas": ("Correct the complaint areas", "修正投诉领域"),
    "complained_about": ("Complains about", "投诉的领域"),
    "praised": ("Praises", "称赞的领域"),
    "save_correction": ("Save correction", "保存修正"),
    "correction_saved": ("Saved: the post's complaint areas are corrected.", "已保存：帖子的投诉领域已修正。"),
    "correction_help": (
        "Your areas replace the automatic ones everywhere (complaint Pareto, alerts, risk) and teach the "
        "complaint-area model at its next training.",
        "修正结果将替代自动识别结果（投诉帕累托、预警、风险），并在下次训练时用于投诉领域模型。",
    ),
    "correct_reading": ("Correct the sentiment", "修正情感判断"),
    "reading_help": (
        "Your reading replaces the model's everywhere: negative share and risk at once, advocacy and detraction "
        "from the next scoring, alerts on the days the pipeline evaluates next.",
        "修正结果将替代模型判断：负面占比与风险立即更新，推荐者/批评者得分在下次评分时更新，预警在之后评估的日期生效。",
    ),
    "reading_saved": ("Saved: the post's sentiment is corrected.", "已保存：帖子的情感判断已修正。"),
    "before": ("before", "修正前"),
    "pending_correction": (
        "A correction of this post is queued (applied after the running job)",
        "此帖的修正正在排队（任务结束后生效）",
    ),
    "cleaned": ("Cleaned text (matched terms in 【】)", "清洗后文本（匹配词以【】标出）"),
    "open_source": ("Open at the source", "打开原帖"),
    "runs_title": ("Pipeline runs", "流水线运行"),
    "quarantine": ("Quarantined rows by reason", "隔离数据（按原因）"),
    "no_runs": ("No runs yet.", "暂无运行记录。"),
    # alert states as people read them; SQL keeps the ids (rule titles: flows.alerts.RULE_TITLES)
    "status_open": ("open", "待处理"),
    "status_acknowledged": ("acknowledged", "已确认"),
    "status_resolved": ("resolved", "已解决"),
    "status_dismissed": ("dismissed", "已忽略"),
}


def t(key: str, language: str) -> str:
    en, zh = LABELS[key]
    return zh if language == "zh" else en


def t_or(key: str, fallback: str, language: str) -> str:
    """The label for ``key``, or ``fallback`` where there is none."""
    return t(key, language) if key in LABELS else fallback
