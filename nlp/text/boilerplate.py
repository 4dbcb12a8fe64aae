"""Forum chrome and boilerplate lines (Discuz!, phpBB and portal furniture).

Only whole lines that consist of chrome are dropped, so a sentence that merely
mentions 回复 or 分享 stays. Patterns are plain regexes, easy to review and extend.
"""

from __future__ import annotations

import re

_COUNTERS = r"(评论|收藏|回复|浏览|查看|点赞|分享|阅读|comments?|replies|views|likes|shares)"
_WHOLE_LINE = [
    rf"\d+\s*{_COUNTERS}",  # 0 评论, 12 replies
    rf"{_COUNTERS}\s*\d*",  # 分享, 回复 0
    r"(主题|帖子|粉丝|积分|听众|收听|精华|金钱|威望|贡献|在线时间|注册时间|最后登录)\s*[:：]?\s*[\d.]+\s*\S{0,4}",
    r"(举报|使用道具|相关帖子|全部回复|只看该作者|倒序浏览|阅读模式|电梯直达|楼主|沙发|板凳|地板|打印|上一主题|下一主题)(\s+\S{1,6})*",
    r"(快速回复|返回顶部|返回列表)(\s+\S{1,6})*",
    r"暂无回帖.*",
    r"本版积分规则.*",
    r"B Color Image Link Quote Code Smilies.*",
    r"\|?\s*(网站地图|手机版|小黑屋|Archiver)(\s*\|\s*\S{1,8})*",
    r"\d{5,}",  # a bare user id in an author sidebar
    r"(金牌会员|高级会员|中级会员|初级会员|注册会员|新手上路|版主|超级版主|管理员|认证会员|VIP会员|禁止发言)",
    r".*».*(查看内容|论坛|首页|Powered by).*",
    r"(马上注册|立即注册|您需要登录后才可以回帖|登录\s*\|\s*立即注册|没有帐号).*",
    r"(Powered by|Copyright|©).{0,80}",
    r"(Quote|Reply|Report|Like|Share|Top|Back to top)(\s*[|·]\s*\w+)*",
]
_CHROME = re.compile("|".join(f"(?:{p})" for p in _WHOLE_LINE), re.IGNORECASE)


def is_chrome(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and len(stripped) <= 80 and _CHROME.fullmatch(stripped) is not None


def drop_chrome_lines(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not is_chrome(line))
