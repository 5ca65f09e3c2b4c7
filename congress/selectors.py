"""Reads that check access and fetch what a page needs in a fixed number of queries.

Who sees a motion (docs/congress.md):
- registered motions (立案 onwards) and merged ones: everyone who reads the session (the 提案汇编
  is published to the whole unit);
- before registration, and when not registered: the proposer, the invited co-signers, and the
  committee (not drafts: a draft is the proposer's until it goes out for co-signing);
- a handler sees, in the inbox and with the reply form, only motions assigned to their department.
Outside the session's unit everything is 404.
"""

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from members import access
from members.models import Member

from . import workflow
from .models import (
    Ballot,
    BallotStatus,
    CongressSession,
    CoSigner,
    Delegate,
    DelegateCategory,
    Motion,
    MotionStatus,
    OpenVote,
    SecretChoice,
    Suggestion,
    VoterRecord,
)
from .services.common import REVIEW, delegate_of, handler_department_ids

VIEW = "congress.view_motions"


def session_list(user: Any) -> QuerySet[CongressSession]:
    return access.visible(user, VIEW, CongressSession.objects.select_related("org_unit"))


def session_get(user: Any, pk: int) -> CongressSession:
    return access.get_visible_or_404(user, VIEW, CongressSession.objects.select_related("org_unit"), pk=pk)


def is_committee(user: Any, session: CongressSession) -> bool:
    return access.can(user, REVIEW, session.org_unit)


def _outside_committee_q(user: Any) -> Q:
    """What anyone may read of a session they see: the registered motions, their own and co-signed
    ones, and those assigned to their department."""
    public = Q(status__in=workflow.REGISTERED | {MotionStatus.MERGED})
    own = Q(proposer__member__user=user) | Q(
        Exists(CoSigner.objects.filter(motion=OuterRef("pk"), delegate__member__user=user))
    )
    handled = Q(lead_department__in=handler_department_ids(user)) | Q(co_departments__in=handler_department_ids(user))
    return public | own | handled


def motion_visibility_q(user: Any, session: CongressSession) -> Q:
    """The committee reads every motion but others' drafts; like anyone, it also reads what it was
    invited to co-sign (a committee member invited to a draft got a 404 from the invitation)."""
    if is_committee(user, session):
        return ~Q(status=MotionStatus.DRAFT) | _outside_committee_q(user)
    return _outside_committee_q(user)


# Motions that reached the committee (not a draft, not still gathering co-signers): what the year
# summary and the 工会统计年报 count as 收到提案.
RECEIVED_EXCLUDES = (MotionStatus.DRAFT, MotionStatus.COLLECTING)


def motions_visible(user: Any) -> QuerySet[Motion]:
    """The motions of every session the user sees, as motion_visibility_q decides per session
    (the committee's sessions by unit, in one query): the search box reads this."""
    committee = access.unit_q(user, REVIEW, "session__org_unit") & ~Q(status=MotionStatus.DRAFT)
    return Motion.objects.filter(access.unit_q(user, VIEW, "session__org_unit")).filter(
        committee | _outside_committee_q(user)
    )


def motion_list(user: Any, session: CongressSession) -> QuerySet[Motion]:
    return (
        Motion.objects.filter(session=session)
        .filter(motion_visibility_q(user, session))
        .distinct()
        .select_related("proposer__member", "lead_department", "session")
        .annotate(cosigned=Count("cosigners", filter=Q(cosigners__confirmed_at__isnull=False), distinct=True))
        .order_by("number", "-pk")
    )


def motion_get(user: Any, pk: int) -> Motion:
    """One motion, 404 if the user may not read it (outside the unit, or private to others)."""
    motion = (
        Motion.objects.select_related(
            "session__org_unit", "proposer__member__department", "lead_department", "merged_into", "from_suggestion"
        )
        .filter(pk=pk)
        .first()
    )
    if motion is None:
        raise Http404
    session_get(user, motion.session_id)
    if not Motion.objects.filter(pk=pk).filter(motion_visibility_q(user, motion.session)).exists():
        raise Http404
    return motion


def motion_detail_parts(motion: Motion) -> dict[str, Any]:
    return {
        "cosigners": list(motion.cosigners.select_related("delegate__member")),
        "joint_proposers": list(motion.joint_proposers.select_related("member")),
        "co_departments": list(motion.co_departments.all()),
        "replies": list(motion.replies.select_related("department", "author")),
        "evaluations": list(motion.evaluations.all()),
        "merged": list(motion.merged.select_related("proposer__member")),
    }


def inbox(user: Any) -> QuerySet[Motion]:
    """The department inbox: motions whose 主办 or 会办 is one of the user's departments."""
    departments = handler_department_ids(user)
    return (
        Motion.objects.filter(Q(lead_department__in=departments) | Q(co_departments__in=departments))
        .filter(status__in=workflow.REGISTERED)
        .distinct()
        .select_related("session", "lead_department", "proposer__member")
        .order_by("due_on", "pk")
    )


def suggestion_list(user: Any, session: CongressSession) -> QuerySet[Suggestion]:
    """The committee and the delegates read every suggestion (delegates adopt them); members
    read their own."""
    suggestions = Suggestion.objects.filter(session=session).select_related("author", "from_motion")
    if is_committee(user, session) or delegate_of(user, session) is not None:
        return suggestions
    return suggestions.filter(author__user=user)


def suggestion_get(user: Any, session: CongressSession, pk: int) -> Suggestion:
    try:
        return suggestion_list(user, session).get(pk=pk)
    except Suggestion.DoesNotExist:
        raise Http404 from None


# --- Duplicate detection ----------------------------------------------------------------------


# Words every motion title carries ("关于……的提案"): they would make any two titles look alike.
_BOILERPLATE = re.compile(r"关于|的提案|的建议|提案|建议")
_PUNCTUATION = set("，。、；：！？,.;:!?（）()《》“”\"'—-·0123456789")


def _bigrams(text: str) -> set[str]:
    chars = [c for c in _BOILERPLATE.sub("", text) if not c.isspace() and c not in _PUNCTUATION]
    return {a + b for a, b in zip(chars, chars[1:], strict=False)} or set(chars)


def similarity(a: str, b: str) -> float:
    """Jaccard index of character bigrams: robust for Chinese, where words are not space-separated."""
    x, y = _bigrams(a), _bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


# Tuned on the demo and test motions: same subject scores about 0.15 and up, different ones 0.07 and less.
SIMILAR_THRESHOLD = 0.12


@dataclass
class Similar:
    motion: Motion
    score: float


def similar_motions(motion: Motion, limit: int = 5) -> list[Similar]:
    """Other motions of the session that say much the same (title weighs more than the text)."""
    others = (
        Motion.objects.filter(
            session=motion.session_id, status__in=workflow.REGISTERED | {MotionStatus.REVIEWING, MotionStatus.SUBMITTED}
        )
        .exclude(pk=motion.pk)
        .select_related("proposer__member", "session")
        .only("pk", "title", "reason", "proposal", "number", "status", "session__year", "proposer__member__name")
    )
    text = f"{motion.reason} {motion.proposal}"
    scored = [
        Similar(
            other,
            0.6 * similarity(motion.title, other.title) + 0.4 * similarity(text, f"{other.reason} {other.proposal}"),
        )
        for other in others
    ]
    scored = [s for s in scored if s.score >= SIMILAR_THRESHOLD]
    return sorted(scored, key=lambda s: -s.score)[:limit]


# --- Composition --------------------------------------------------------------------------------


@dataclass
class Share:
    label: str
    count: int
    total: int
    target: str = ""
    ok: bool = True
    note: str = ""

    @property
    def percent(self) -> float:
        return 100 * self.count / self.total if self.total else 0.0


@dataclass
class Composition:
    delegates: int
    quorum: int
    shares: list[Share] = field(default_factory=list)
    groups: list[tuple[str, int]] = field(default_factory=list)
    categories: list[tuple[str, int]] = field(default_factory=list)

    @property
    def problems(self) -> list[Share]:
        return [s for s in self.shares if not s.ok]


def quorum_for(delegates: int) -> int:
    """2/3 of the delegates must take part for a vote to count (职代会条例)."""
    return math.ceil(delegates * 2 / 3)


def composition(session: CongressSession) -> Composition:
    from django.utils.translation import gettext as _

    rows = list(Delegate.objects.filter(session=session).values_list("gender", "category", "group"))
    n = len(rows)
    members = Member.objects.filter(org_unit__path__startswith=session.org_unit.path, status=Member.Status.ACTIVE)
    counts = members.aggregate(total=Count("pk"), women=Count("pk", filter=Q(gender="F")))
    women_members = 100 * counts["women"] / counts["total"] if counts["total"] else 0.0
    women = sum(1 for g, _c, _g in rows if g == "F")
    frontline = sum(1 for _g, c, _x in rows if c == DelegateCategory.FRONTLINE)
    leaders = sum(1 for _g, c, _x in rows if c == DelegateCategory.LEADER)
    result = Composition(delegates=n, quorum=quorum_for(n))
    women_share = Share(
        _("女代表"), women, n, _("不低于女会员比例 %(p).1f%%") % {"p": women_members - session.women_margin_percent}
    )
    women_share.ok = n > 0 and women_share.percent + 1e-9 >= women_members - session.women_margin_percent
    women_share.note = _("女会员占会员总数 %(p).1f%%（%(w)s/%(t)s）") % {
        "p": women_members,
        "w": counts["women"],
        "t": counts["total"],
    }
    front = Share(_("一线职工代表"), frontline, n, _("不低于 %(p)s%%") % {"p": session.frontline_min_percent})
    front.ok = n > 0 and front.percent + 1e-9 >= session.frontline_min_percent
    lead = Share(_("领导干部代表"), leaders, n, _("不超过 %(p)s%%") % {"p": session.leaders_max_percent})
    lead.ok = n > 0 and lead.percent <= session.leaders_max_percent + 1e-9
    result.shares = [women_share, front, lead]
    result.groups = sorted(Counter(g for _a, _b, g in rows).items())
    labels = dict(DelegateCategory.choices)
    result.categories = [(labels[c], k) for c, k in sorted(Counter(c for _a, c, _b in rows).items())]
    return result


# --- Ballots ---------------------------------------------------------------------------------------


@dataclass
class ItemResult:
    label: str
    counts: list[tuple[str, int]]
    adopted: bool | None = None


@dataclass
class BallotResult:
    delegates: int
    voters: int
    quorum: int
    items: list[ItemResult]

    @property
    def quorum_met(self) -> bool:
        return self.voters >= self.quorum and self.delegates > 0


def ballot_result(ballot: Ballot) -> BallotResult | None:
    """Counts per item and choice, and the quorum; None while the ballot is not closed (no
    interim results: they would sway the delegates still to vote)."""
    if ballot.status != BallotStatus.CLOSED:
        return None
    delegates = Delegate.objects.filter(session=ballot.session_id).count()
    voters = VoterRecord.objects.filter(ballot=ballot).count()
    source = SecretChoice.objects if ballot.secret else OpenVote.objects
    tally = {
        (item_id, choice): n
        for item_id, choice, n in source.filter(item__ballot=ballot)
        .order_by()
        .values("item_id", "choice")
        .annotate(n=Count("pk"))
        .values_list("item_id", "choice", "n")
    }
    items = []
    quorum = quorum_for(delegates)
    for item in ballot.items.all():
        counts = [(str(c.label), tally.get((item.pk, c.value), 0)) for c in ballot.choices]
        adopted = None
        if ballot.kind == Ballot.Kind.RESOLUTION:
            # 职代会 resolutions pass with more than half of all delegates (not of those voting).
            adopted = voters >= quorum and counts[0][1] * 2 > delegates
        items.append(ItemResult(item.label, counts, adopted))
    return BallotResult(delegates=delegates, voters=voters, quorum=quorum, items=items)


def has_voted(user: Any, ballot: Ballot) -> bool:
    return VoterRecord.objects.filter(ballot=ballot, delegate__member__user=user).exists()


def overdue(motion: Motion) -> bool:
    return motion.status == MotionStatus.ASSIGNED and motion.due_on is not None and motion.due_on < timezone.localdate()


def motion_prefetch_for_compilation(session: CongressSession) -> QuerySet[Motion]:
    from .models import MotionReply

    return (
        Motion.objects.filter(session=session, status__in=workflow.REGISTERED)
        # "session": each row's number_display reads session.year (one query per motion without it).
        .select_related("session", "proposer__member__department", "lead_department")
        .prefetch_related(
            "co_departments",
            "joint_proposers__member",
            Prefetch(
                "cosigners",
                queryset=CoSigner.objects.filter(confirmed_at__isnull=False).select_related("delegate__member"),
            ),
            Prefetch("replies", queryset=MotionReply.objects.select_related("department")),
            "evaluations",
        )
        .order_by("number")
    )
