"""koubei dashboard: the entry point `koubei dashboard` starts (streamlit run dashboard/app.py).

It is the frame around every page: the language switch, the login gate (nothing from
the warehouse is read before it), and the navigation, which offers each role only the
pages it may use. The pages live in dashboard/views/.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import streamlit as st

from dashboard import auth
from dashboard.common import config
from dashboard.i18n import LANGUAGES, t

st.set_page_config(page_title="koubei 口碑", layout="wide")
settings = config()
lang = st.sidebar.selectbox(
    "Language · 语言",
    list(LANGUAGES),
    format_func=LANGUAGES.get,
    key="lang",
    index=list(LANGUAGES).index(settings.dashboard.language),
)


def _password_login() -> None:
    st.title(t("app_title", lang))
    if not settings.dashboard.users:
        st.error(t("login_unconfigured", lang))
        st.stop()
    with st.form("login"):
        st.subheader(t("login_title", lang))
        name = st.text_input(t("login_user", lang), key="login_name")
        password = st.text_input(t("login_password", lang), type="password", key="login_password")
        submitted = st.form_submit_button(t("login_button", lang))
    if submitted:
        user = auth.authenticate(settings.dashboard, name.strip(), password)
        if user is None:
            time.sleep(1)  # slows password guessing; the hash check itself costs ~50 ms
            st.error(t("login_failed", lang))
        else:
            st.session_state["user"] = user
            st.rerun()
    st.stop()


def _oidc_login() -> None:
    if st.user.is_logged_in:
        st.session_state["user"] = auth.oidc_user(settings.dashboard, str(st.user.get("email") or st.user.get("sub")))
        return
    st.title(t("app_title", lang))
    st.button(t("login_oidc", lang), on_click=st.login)
    st.stop()


def _logout() -> None:
    st.session_state.pop("user", None)
    if settings.dashboard.oidc:
        st.logout()


if not isinstance(st.session_state.get("user"), auth.User):
    # A deep link (e.g. /posts?post=...) must survive the login form, which serves every path.
    st.session_state.setdefault("requested_path", urlsplit(st.context.url or "").path.strip("/").split("/")[-1])
    _oidc_login() if settings.dashboard.oidc else _password_login()

user: auth.User = st.session_state["user"]
st.sidebar.text(f"{t('signed_in_as', lang)}: {user.name} ({user.role})")
st.sidebar.button(t("logout", lang), on_click=_logout)

pages = [
    st.Page("views/inbox.py", title=t("page_inbox", lang), icon=":material/notifications:", url_path="inbox", default=True),
    st.Page("views/overview.py", title=t("page_overview", lang), icon=":material/monitoring:", url_path="overview"),
    st.Page("views/complaints.py", title=t("page_complaints", lang), icon=":material/bar_chart:", url_path="complaints"),
    st.Page("views/people.py", title=t("page_people", lang), icon=":material/groups:", url_path="people"),
    st.Page("views/posts.py", title=t("page_posts", lang), icon=":material/search:", url_path="posts"),
]
if user.can_see_runs:
    pages.append(st.Page("views/runs.py", title=t("page_runs", lang), icon=":material/history:", url_path="runs"))
requested = st.session_state.pop("requested_path", "")
target = next((page for page in pages if page.url_path == requested), None)
if target is not None and target is not pages[0]:
    st.switch_page(target, query_params=st.query_params.to_dict())
st.navigation(pages).run()
