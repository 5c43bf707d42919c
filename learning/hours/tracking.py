"""Activity tracking: the server decides how much study time counts.

A study page opens a session (``start_session``) and then reports activity while
it is visible and the member is active (``record_report``). What counts:

- never more than the wall-clock time since the member's last accepted report
  (``StudyLock.last_credit_at``, one row per member; a report writes only if that
  row is still as it read it, so the member's reports count one after the other)
  nor since this session's last report;
- one item and one device at a time: opening another page or device takes the
  member's lock over, and reports of the old session credit nothing;
- nothing after a gap longer than ``STUDY_IDLE_SECONDS`` (the page asks
  「您还在学习吗？」 and waits for the member);
- never beyond the item's length × ``STUDY_LENGTH_FACTOR``;
- never for pages the member may not see (unpublished, privacy-restricted);
- reports must carry the session's HMAC token and a rising sequence number: forged,
  replayed and out-of-order reports credit nothing;
- a video may not run ahead of what was watched, and only normal speed counts.

When validated time reaches the requirement the item is completed and credited
once (``mark_complete`` + ``credit``, both guarded by unique constraints); a
course completes when all its required lessons (and its final exam) are done.

Pages are read only through the study-item protocol (``learning.hours.items``):
only registered items completed by time are tracked.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connection, connections, transaction
from django.db.models import CharField, Exists, ExpressionWrapper, F, FilteredRelation, OuterRef, Q, QuerySet, Value
from django.utils import timezone
from django.utils.crypto import salted_hmac
from wagtail.models import Page, PageViewRestriction

from learning.hours.items import CompletedBy, ItemKind, StudyItem, study_item_for
from learning.hours.ledger import credit
from learning.hours.models import ItemCompletion, LedgerKind, StudyLock, StudyProgress, StudySession
from learning.hours.progress import mark_complete
from learning.hours.rules import rule_for
from learning.hours.signals import course_completed
from learning.members.models import Member

VIDEO_TOLERANCE_SECONDS = 3.0


def setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def report_interval() -> float:
    """Seconds between two reports of an active page."""
    return setting("STUDY_REPORT_INTERVAL", 15)


def idle_seconds() -> float:
    """A gap longer than this between reports credits nothing."""
    return setting("STUDY_IDLE_SECONDS", 300)


def seconds_per_minute() -> float:
    """Real seconds of study one minute of an item's length asks for (lowered only in tests)."""
    return setting("STUDY_SECONDS_PER_MINUTE", 60)


def length_factor() -> float:
    return setting("STUDY_LENGTH_FACTOR", 1.5)


class StudyError(Exception):
    def __init__(self, message: str, status: int = 400, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


@dataclass
class ReportResult:
    status: str  # counted | idle | replay | superseded | seek_back | complete
    credited: float
    progress: StudyProgress
    completed_now: bool = False
    message: str = ""

    def as_json(self) -> dict:
        p = self.progress
        return {
            "status": self.status,
            "credited": self.credited,
            "seconds": p.seconds,
            "required": p.required_seconds,
            "percent": p.percent,
            "completed": p.completed_at is not None,
            "completed_now": self.completed_now,
            "video_watched": p.video_watched,
            "message": self.message,
        }


def _login_key(request) -> str:
    """The browser's login session cookie: a token only works in the browser it was issued to."""
    return request.COOKIES.get(settings.SESSION_COOKIE_NAME, "") if request is not None else ""


def _database_sessions() -> bool:
    return issubclass(import_module(settings.SESSION_ENGINE).SessionStore, DatabaseSessionStore)


def login_session_alive(request, now: dt.datetime, *, key: str | None = None):
    """An expression: the login session of this request's cookie (or ``key``) exists and has not expired.

    With a database session engine it is an ``EXISTS`` on the session table, folded into the
    report's one query; other engines are asked directly (their lookup is not a SQL query).
    """
    key = _login_key(request) if key is None else key
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not key:
        return Value(False)
    if issubclass(store_class, DatabaseSessionStore):
        sessions = store_class.get_model_class().objects.filter(session_key=key, expire_date__gt=now)
        return Exists(sessions)
    return Value(bool(store_class(key).load()))


def session_token(session_id: int, member_id: int, page_id: int, login_key: str = "") -> str:
    """``member.page.signature``: the report endpoint authenticates with it, without a database lookup."""
    signature = salted_hmac(
        "learning.hours.tracking.session", f"{session_id}:{member_id}:{page_id}:{login_key}", algorithm="sha256"
    ).hexdigest()
    return f"{member_id}.{page_id}.{signature}"


def _verify_token(request, session_id: int, token: str) -> tuple[int, int]:
    try:
        member_part, page_part, _ = token.split(".", 2)
        member_id, page_id = int(member_part), int(page_part)
    except ValueError:
        raise StudyError("学习会话无效", 403, "forged") from None
    expected = session_token(session_id, member_id, page_id, _login_key(request))
    if not hmac.compare_digest(token, expected):
        raise StudyError("学习会话无效", 403, "forged")
    return member_id, page_id


# --- visibility ------------------------------------------------------------------


def page_visible_to(request, page: Page) -> bool:
    """Published, not expired, and every privacy restriction on it or above it accepts the request."""
    if not page.live or page.expired:
        return False
    step = Page.steplen
    paths = [page.path[:i] for i in range(step, len(page.path) + 1, step)]
    restrictions = PageViewRestriction.objects.filter(page__path__in=paths).select_related("page")
    return all(restriction.accept_request(request) for restriction in restrictions)


def _study_page(page_id) -> StudyItem:
    """The study item timed on this page: a registered item that is completed by time."""
    try:
        page = Page.objects.get(pk=int(page_id))
    except (Page.DoesNotExist, ValueError, TypeError):
        raise StudyError("学习内容不存在", 404, "not_found") from None
    item = study_item_for(page)
    if item is None or item.completed_by != CompletedBy.TIME:
        raise StudyError("该页面不计学时", 400, "not_study_item")
    return item


def _course_of(item: StudyItem) -> StudyItem | None:
    """The registered course a lesson belongs to (None for materials and loose lessons)."""
    return study_item_for(item.study_course())


# --- sessions ---------------------------------------------------------------------


def required_seconds_for(item: StudyItem) -> int:
    return max(1, round(item.study_minutes() * seconds_per_minute()))


def start_session(request, member: Member, page_id, *, now: dt.datetime | None = None) -> dict:
    """Open a study session for ``page_id``; it takes over the member's active session."""
    now = now or timezone.now()
    page = _study_page(page_id)
    if not page_visible_to(request, page):
        raise StudyError("您无权学习该内容", 403, "forbidden")
    required = required_seconds_for(page)
    course = _course_of(page)
    # ItemCompletion is the one answer to "has the member completed it": an item completed
    # without a progress row (a plan's import, an older record, the demo) is complete here too,
    # instead of showing 100 %, then 0 % and asking for the whole time again.
    completed_at = (
        ItemCompletion.objects.filter(member=member, page_id=page.pk).values_list("completed_at", flat=True).first()
    )
    with transaction.atomic():
        progress, _ = StudyProgress.objects.get_or_create(
            member=member,
            page_id=page.pk,
            defaults={
                "kind": page.study_kind,
                "required_seconds": required,
                "seconds": required if completed_at else 0,
                "completed_at": completed_at,
                "course_id": course.pk if course else None,
                "updated_at": now,
            },
        )
        if progress.completed_at is None and completed_at is not None:
            progress.completed_at = completed_at
            progress.seconds = max(progress.seconds, progress.required_seconds)
            progress.save(update_fields=["completed_at", "seconds"])
        if progress.completed_at is not None:
            # Nothing left to time: no session, so another page's timing is not taken over.
            return {
                "session": None,
                "token": "",
                "seq": 0,
                "interval": report_interval(),
                "idle": idle_seconds(),
                "seconds": progress.seconds,
                "required": progress.required_seconds,
                "percent": 100,
                "completed": True,
                "video_watched": progress.video_watched,
            }
        session = StudySession.objects.create(
            member=member,
            page_id=page.pk,
            kind=page.study_kind,
            required_seconds=required,
            max_seconds=max(required, round(required * length_factor())),
            started_at=now,
            last_report_at=now,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
        )
        lock, created = StudyLock.objects.select_for_update().get_or_create(
            member=member, defaults={"session": session, "last_credit_at": now}
        )
        if not created:
            lock.session = session
            lock.save(update_fields=["session"])
        if progress.required_seconds != required:
            # The editor changed the item's length: the requirement follows it.
            progress.required_seconds = required
            progress.save(update_fields=["required_seconds"])
        if progress.seconds >= required:
            _complete(member, progress, page, now)
    return {
        "session": session.pk,
        "token": session_token(session.pk, member.pk, page.pk, _login_key(request)),
        "seq": 0,
        "interval": report_interval(),
        "idle": idle_seconds(),
        "seconds": progress.seconds,
        "required": progress.required_seconds,
        "percent": progress.percent,
        "completed": progress.completed_at is not None,
        "video_watched": progress.video_watched,
    }


def _number(data: dict, key: str, default=None, *, integer: bool = False):
    value = data.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise StudyError(f"字段 {key} 必须是数字")
    if value != value or value < 0 or value > 10**9:  # NaN, negative or absurd
        raise StudyError(f"字段 {key} 的值无效")
    return int(value) if integer else float(value)


def _restrictions_accept(request, path: str) -> bool:
    """Every privacy restriction on the page at ``path`` or above it accepts the request."""
    step = Page.steplen
    paths = [path[:i] for i in range(step, len(path) + 1, step)]
    restrictions = PageViewRestriction.objects.filter(page__path__in=paths).select_related("page")
    return all(restriction.accept_request(request) for restriction in restrictions)


# The columns of the report's one read, in this order (see _report_values).
_REPORT_COLUMNS = (
    "l_session_id",
    "l_last_credit_at",
    "s_last_seq",
    "s_last_report_at",
    "s_kind",
    "s_max_seconds",
    "s_page_id",
    "logged_in",
    "p_id",
    "p_seconds",
    "p_required",
    "p_video",
    "p_completed_at",
    "p_updated_at",
    "page_live",
    "page_expired",
    "page_path",
    "page_restricted",
)


def _report_values(member_id: int, page_id: int, logged_in) -> QuerySet:
    """The report's one read: the member's ``StudyLock`` row with everything a report decides on.

    Joined to it: the member and the account (both still active, else no row), the session the
    lock points to (``s_*``), the member's progress on the page (``p_*``) and the visibility of
    the session's page (``page_*``; "a restriction applies" is "its page's path is a prefix of
    this page's path", treebeard's materialized paths, asked as an EXISTS); ``logged_in``: the
    login session the token was issued to still exists (not logged out, not expired).
    """
    restricted = PageViewRestriction.objects.annotate(
        target=ExpressionWrapper(OuterRef("session__page__path"), output_field=CharField())
    ).filter(target__startswith=F("page__path"))
    return (
        StudyLock.objects.filter(member_id=member_id, member__is_active=True, member__user__is_active=True)
        .annotate(
            progress=FilteredRelation("member__study_progress", condition=Q(member__study_progress__page_id=page_id)),
            l_session_id=F("session_id"),
            l_last_credit_at=F("last_credit_at"),
            s_last_seq=F("session__last_seq"),
            s_last_report_at=F("session__last_report_at"),
            s_kind=F("session__kind"),
            s_max_seconds=F("session__max_seconds"),
            s_page_id=F("session__page_id"),
            logged_in=logged_in,
            p_id=F("progress__id"),
            p_seconds=F("progress__seconds"),
            p_required=F("progress__required_seconds"),
            p_video=F("progress__video_watched"),
            p_completed_at=F("progress__completed_at"),
            p_updated_at=F("progress__updated_at"),
            page_live=F("session__page__live"),
            page_expired=F("session__page__expired"),
            page_path=F("session__page__path"),
            page_restricted=Exists(restricted),
        )
        .values_list(*_REPORT_COLUMNS)[:1]
    )


# Values the compiled read is built with once; each is replaced by the report's own in the parameters.
_SENTINEL_MEMBER, _SENTINEL_PAGE = 2_000_000_011, 2_000_000_013
_SENTINEL_KEY = "learning.hours.tracking:login-key"
_SENTINEL_NOW = dt.datetime(2001, 2, 3, 4, 5, 6, 789012, tzinfo=dt.UTC)


@functools.lru_cache(maxsize=4)
def _compiled_report_read(alias: str):
    """The report's read compiled once per database: (sql, parameter slots, compiler, converters,
    column order). Building and compiling the ORM query was a third of a report's CPU time."""
    conn = connections[alias]
    logged_in = login_session_alive(None, _SENTINEL_NOW, key=_SENTINEL_KEY)
    compiler = _report_values(_SENTINEL_MEMBER, _SENTINEL_PAGE, logged_in).query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    names = {
        _SENTINEL_MEMBER: "member",
        _SENTINEL_PAGE: "page",
        _SENTINEL_KEY: "key",
        conn.ops.adapt_datetimefield_value(_SENTINEL_NOW): "now",
    }
    slots = [(names[p], None) if _hashable(p) and p in names else (None, p) for p in params]
    converters = compiler.get_converters([expression for expression, _, _ in compiler.select])
    index = {alias_: i for i, (_, _, alias_) in enumerate(compiler.select)}
    order = [index[name] for name in _REPORT_COLUMNS]
    return sql, slots, compiler, converters, order


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _report_row(request, member_id: int, page_id: int, now: dt.datetime) -> tuple | None:
    key = _login_key(request)
    if not key or not _database_sessions():
        # Nothing to look up in the session table: the ORM query with the answer as a constant.
        return next(iter(_report_values(member_id, page_id, login_session_alive(request, now))), None)
    sql, slots, compiler, converters, order = _compiled_report_read(connection.alias)
    values = {"member": member_id, "page": page_id, "key": key, "now": connection.ops.adapt_datetimefield_value(now)}
    params = [values[name] if name else constant for name, constant in slots]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if converters:
        rows = list(compiler.apply_converters(rows, converters))
    return tuple(rows[0][i] for i in order) if rows else None


def _report_state(request, member_id: int, page_id: int, now: dt.datetime) -> StudyLock | None:
    """The member's ``StudyLock`` (with its session and the read's columns as attributes), or None."""
    row = _report_row(request, member_id, page_id, now)
    if row is None:
        return None
    state = dict(zip(_REPORT_COLUMNS, row, strict=True))
    lock = StudyLock(member_id=member_id, session_id=state["l_session_id"], last_credit_at=state["l_last_credit_at"])
    lock._state.adding = False
    session = None
    if state["l_session_id"] is not None:
        session = StudySession(
            pk=state["l_session_id"],
            member_id=member_id,
            page_id=state["s_page_id"],
            kind=state["s_kind"],
            max_seconds=state["s_max_seconds"],
            last_seq=state["s_last_seq"],
            last_report_at=state["s_last_report_at"],
        )
        session._state.adding = False
    lock.session = session
    for name, value in state.items():
        setattr(lock, name, value)
    return lock


def _progress_of(lock: StudyLock, member_id: int, page_id: int) -> StudyProgress:
    if lock.p_id is None:
        raise StudyError("学习内容不存在", 404, "not_found")
    progress = StudyProgress(
        pk=lock.p_id,
        member_id=member_id,
        page_id=page_id,
        seconds=lock.p_seconds,
        required_seconds=lock.p_required,
        video_watched=lock.p_video,
        completed_at=lock.p_completed_at,
        updated_at=lock.p_updated_at,
    )
    progress._state.adding = False
    return progress


def _save_report(lock: StudyLock, read_credit_at: dt.datetime, session: StudySession, progress: StudyProgress) -> bool:
    """Write the report's three rows if the member's lock row is as the report read it; False if not.

    Every accepted report moves ``StudyLock.last_credit_at`` and a new page or device moves
    ``StudyLock.session``: a lock row unchanged since the read means no other report or session
    of the member came in between, so what this report computed from its read still holds (a
    compare-and-set on the one row that serializes the member's reports, instead of holding it
    locked across the request). The three rows change together or not at all: on PostgreSQL one
    statement (one round trip), elsewhere a transaction. Study time only grows (``GREATEST``).
    """
    q, when = connection.ops.quote_name, connection.ops.adapt_datetimefield_value

    def table(model) -> str:
        return q(model._meta.db_table)

    def col(model, name: str) -> str:
        return q(model._meta.get_field(name).column)

    S, L, P = StudySession, StudyLock, StudyProgress
    set_lock = (
        f"UPDATE {table(L)} SET {col(L, 'last_credit_at')} = %s"
        f" WHERE {col(L, 'member')} = %s AND {col(L, 'session')} = %s AND {col(L, 'last_credit_at')} = %s"
    )
    lock_params = [when(lock.last_credit_at), lock.member_id, session.pk, when(read_credit_at)]
    set_session = (
        f"UPDATE {table(S)} SET {col(S, 'last_seq')} = %s, {col(S, 'last_report_at')} = %s WHERE {col(S, 'id')} = %s"
    )
    session_params = [session.last_seq, when(session.last_report_at), session.pk]
    seconds, video = col(P, "seconds"), col(P, "video_watched")
    set_progress = (
        f"UPDATE {table(P)} SET {seconds} = GREATEST({seconds}, %s), {video} = GREATEST({video}, %s),"
        f" {col(P, 'updated_at')} = %s WHERE {col(P, 'id')} = %s"
    )
    progress_params = [progress.seconds, progress.video_watched, when(progress.updated_at), progress.pk]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Committed without waiting for the WAL flush (synchronous_commit off, for this statement's
            # transaction only): the flush is most of a report's cost. A crash of PostgreSQL may forget
            # the last fraction of a second of reports (never credit more, never half of one); the
            # ledger entry of a completion is written by its own transaction, flushed as usual.
            set_lock += " AND (SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL"
            cursor.execute(
                f"WITH l AS ({set_lock} RETURNING 1),"
                f" s AS ({set_session} AND EXISTS (SELECT 1 FROM l) RETURNING 1)"
                f" {set_progress} AND EXISTS (SELECT 1 FROM l) RETURNING 1",
                [*lock_params, *session_params, *progress_params],
            )
            return cursor.fetchone() is not None
        with transaction.atomic():
            cursor.execute(set_lock, lock_params)
            if cursor.rowcount != 1:
                return False
            cursor.execute(set_session, session_params)
            # SQLite spells GREATEST as the two-argument MAX.
            cursor.execute(set_progress.replace("GREATEST(", "MAX("), progress_params)
            return True


REPORT_ATTEMPTS = 3


def record_report(request, data: dict, *, member: Member | None = None, now: dt.datetime | None = None) -> ReportResult:
    """Validate one activity report and credit what counts.

    The report authenticates with its session token (bound to the member, the page and
    the browser's login cookie); the login session behind that cookie must still exist and
    the member and account be active. One query reads all of it with the member's
    ``StudyLock`` row, the session, the progress and the page; one statement writes the three
    rows if the lock row is still as read (``_save_report``; another report of the member
    came in between: read again). The ledger is written only when the time required is
    crossed, once (``_complete``).
    """
    if not isinstance(data, dict):
        raise StudyError("报告格式无效")
    session_id = _number(data, "session", integer=True)
    seq = _number(data, "seq", integer=True)
    token = data.get("token")
    if session_id is None or seq is None or not isinstance(token, str):
        raise StudyError("报告缺少会话信息")
    active = _number(data, "active", 0.0)
    video_position = _number(data, "video_position")
    video_rate = _number(data, "video_rate")
    member_id, page_id = _verify_token(request, session_id, token)
    if member is not None and member.pk != member_id:
        raise StudyError("学习会话无效", 403, "forged")
    now = now or timezone.now()
    for _ in range(REPORT_ATTEMPTS):
        result = _try_report(
            request, member, member_id, page_id, session_id, seq, active, video_position, video_rate, now
        )
        if result is not None:
            return result
    # Reports of the member kept coming in between (a script hammering the endpoint): this one counts nothing.
    lock = _report_state(request, member_id, page_id, now)
    if lock is None or not lock.logged_in:
        raise StudyError("登录已失效，请重新登录后继续学习", 403, "logged_out")
    return ReportResult("replay", 0, _progress_of(lock, member_id, page_id), message="重复或过期的报告，未计时")


def _try_report(
    request, member, member_id, page_id, session_id, seq, active, video_position, video_rate, now
) -> ReportResult | None:
    """One read-compute-write round of ``record_report``; None if the member's lock row moved meanwhile."""
    lock = _report_state(request, member_id, page_id, now)
    if lock is None or not lock.logged_in:
        raise StudyError("登录已失效，请重新登录后继续学习", 403, "logged_out")
    progress = _progress_of(lock, member_id, page_id)
    session = lock.session
    if session is None or session.pk != session_id:
        return ReportResult("superseded", 0, progress, message="您已在其他页面或设备上学习，本页已暂停计时")
    if seq <= session.last_seq:
        return ReportResult("replay", 0, progress, message="重复或过期的报告，未计时")
    if not lock.page_live or lock.page_expired:
        raise StudyError("您无权学习该内容", 403, "forbidden")
    if lock.page_restricted and not _restrictions_accept(request, lock.page_path):
        raise StudyError("您无权学习该内容", 403, "forbidden")
    gap = (now - session.last_report_at).total_seconds()
    session.last_seq = seq
    session.last_report_at = max(now, session.last_report_at)

    status = "counted"
    message = ""
    if gap > idle_seconds() or gap < 0:
        seconds = 0.0
        status, message = "idle", "长时间未操作，本段时间不计入学时"
    else:
        wall = min(gap, (now - lock.last_credit_at).total_seconds())
        seconds = max(0.0, min(active, report_interval() * 2, wall))
    if video_position is not None and session.kind == ItemKind.LESSON:
        if video_rate is not None and video_rate > 1.0001:
            seconds = 0.0
            status, message = "counted", "倍速播放不计入学时"
        allowed = progress.video_watched + max(gap, 0) + VIDEO_TOLERANCE_SECONDS
        if video_position > allowed:
            seconds = 0.0
            status, message = "seek_back", "不能跳过未观看的视频内容"
        elif video_position > progress.video_watched and (video_rate is None or video_rate <= 1.0001):
            progress.video_watched = min(video_position, progress.video_watched + max(gap, 0))
    before = progress.seconds
    progress.seconds = round(min(max(session.max_seconds, before), before + seconds), 3)
    credited = round(progress.seconds - before, 3)
    read_credit_at = lock.last_credit_at
    lock.last_credit_at = now
    progress.updated_at = now
    if not _save_report(lock, read_credit_at, session, progress):
        return None
    completed_now = False
    if progress.completed_at is None and progress.seconds >= progress.required_seconds:
        member = member or Member.objects.select_related("branch").get(pk=member_id)
        with transaction.atomic():
            completed_now = _complete(member, progress, _study_page(page_id), now)
        status = "complete"
    return ReportResult(status, credited, progress, completed_now, message)


# --- completion ---------------------------------------------------------------------


def _complete(member: Member, progress: StudyProgress, page: StudyItem, now: dt.datetime) -> bool:
    """Complete a study item once: completion row + ledger entry; then its course."""
    test_id = page.study_test_id()
    if test_id is not None and not ItemCompletion.objects.filter(member=member, page_id=test_id).exists():
        return False  # time is done; the item completes when its test is passed
    day = timezone.localdate(now)
    _, created = mark_complete(member, page, page.study_kind, at=now)
    kind = LedgerKind.LESSON if page.study_kind == ItemKind.LESSON else LedgerKind.MATERIAL
    credit(
        member,
        page.hours_for_member(member, day.year),
        kind,
        source_key=f"page:{page.pk}",
        source_label=page.title,
        source_page=page,
        occurred_on=day,
        created_via="activity",
    )
    StudyProgress.objects.filter(pk=progress.pk, completed_at__isnull=True).update(completed_at=now)
    progress.completed_at = progress.completed_at or now
    course = _course_of(page)
    if course is not None:
        check_course_completion(member, course, now=now)
    return created


def check_course_completion(member: Member, course: StudyItem, *, now: dt.datetime | None = None) -> bool:
    """Complete ``course`` for ``member`` if every required lesson (and its final exam) is done.

    Credits the course hours (plus the rule's bonus for a passed course test) and sends
    ``course_completed`` after commit; returns True only for the call that completed it.
    """
    now = now or timezone.now()
    final_exam_id = course.study_final_exam_id()
    needed = set(course.study_required_lesson_ids()) | ({final_exam_id} if final_exam_id else set())
    if not needed:
        return False
    done = set(ItemCompletion.objects.filter(member=member, page_id__in=needed).values_list("page_id", flat=True))
    if done != needed:
        return False
    completion, created = mark_complete(member, course, ItemKind.COURSE, at=now)
    day = timezone.localdate(completion.completed_at)
    hours = course.hours_for_member(member, day.year)
    if final_exam_id:
        hours += rule_for(member, day.year).passed_test_hours
    if hours > 0:
        credit(
            member,
            hours,
            LedgerKind.COURSE,
            source_key=f"page:{course.pk}",
            source_label=course.title,
            source_page=course,
            occurred_on=day,
            created_via="course_completion",
        )
    if created:
        completed_at = completion.completed_at
        transaction.on_commit(
            lambda: course_completed.send(sender=type(course), member=member, course=course, completed_at=completed_at)
        )
    return created


def on_exam_passed(sender, member: Member, exam, **kwargs) -> None:
    """A passed exam completes the items waiting for it as their embedded test, and may
    complete the courses the member is taking as their final exam."""
    waiting = StudyProgress.objects.filter(
        member=member, completed_at__isnull=True, seconds__gte=F("required_seconds")
    ).values_list("pk", "page_id")
    for progress_pk, page_id in waiting:
        item = study_item_for(Page.objects.get(pk=page_id))
        if item is not None and item.study_test_id() == exam.pk:
            with transaction.atomic():
                progress = StudyProgress.objects.select_for_update().get(pk=progress_pk)
                if progress.completed_at is None:
                    _complete(member, progress, item, timezone.now())
    course_ids = set(
        StudyProgress.objects.filter(member=member, course__isnull=False).values_list("course_id", flat=True)
    )
    for page in Page.objects.filter(pk__in=course_ids).specific():
        course = study_item_for(page)
        if course is not None and course.study_final_exam_id() == exam.pk:
            check_course_completion(member, course)


def progress_for(member: Member | None, page) -> StudyProgress | None:
    if member is None:
        return None
    return StudyProgress.objects.filter(member=member, page_id=page.pk).first()
