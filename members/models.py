"""The organisation tree, the employer's departments, members and role grants."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from union_office import crypto
from union_office.jobs import JobStatus
from union_office.models import TimeStampedModel

from .idcard import mask_id_number, normalize_id_number, parse_id_number

# Materialised path: each unit's path is its ancestors' primary keys, fixed width, e.g.
# "0000001/0000004/". A subtree is `path LIKE '0000001/%'`, one indexed range scan at any depth.
PATH_SEGMENT_WIDTH = 7


class OrgUnitKind(models.TextChoices):
    UPPER = "upper", _("上级工会")
    BASE = "base", _("基层工会")
    BRANCH = "branch", _("分工会")
    GROUP = "group", _("工会小组")


class CurrentOrgUnitManager(models.Manager):
    """Units that are kept: a merged unit (`merged_into` set) is in no list and no choice anywhere.

    The default manager, so every form field, selector and related list skips merged units without
    each remembering to; what points at a merged unit still reads it, since Django follows a foreign
    key with the base manager. `OrgUnit.all_objects` sees every unit (the merge itself, paths)."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(merged_into__isnull=True)


class OrgUnit(TimeStampedModel):
    Kind = OrgUnitKind

    # Which kind of unit may sit under which: a 县总工会 may itself sit under a 市总工会.
    ALLOWED_PARENTS = {
        Kind.UPPER: {None, Kind.UPPER},
        Kind.BASE: {None, Kind.UPPER},
        Kind.BRANCH: {Kind.BASE},
        Kind.GROUP: {Kind.BASE, Kind.BRANCH},
    }

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("层级"), max_length=10, choices=Kind)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("路径"), max_length=255, unique=True, editable=False, null=True)
    depth = models.PositiveSmallIntegerField(_("层深"), default=0, editable=False)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    # A merged unit stays (its events, applications and membership history point at it), emptied
    # of members and sub-units and out of the organisation pages (members/organisation.py).
    merged_into = models.ForeignKey(
        "self", verbose_name=_("已并入"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A union with one officer (a small 基层工会 whose chair also drafts): the submitter of a plan or
    # budget may approve it. Set only through members.services.unit_single_officer_set (audited).
    single_officer = models.BooleanField(_("仅一名工会干部"), default=False)
    # Printed on the papers the unit puts up (公示: where to object), not a person's number.
    contact_phone = models.CharField(_("工会联系电话"), max_length=30, blank=True)

    objects = CurrentOrgUnitManager()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("组织单位")
        verbose_name_plural = _("组织单位")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=OrgUnitKind.values), name="orgunit_kind_valid"),
            models.UniqueConstraint(fields=["parent", "name"], name="orgunit_unique_name_per_parent"),
        ]
        indexes = [
            # Subtree queries: path LIKE 'prefix%' needs the pattern opclass on PostgreSQL.
            models.Index(fields=["path"], name="orgunit_path_like_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        parent_kind = self.parent.kind if self.parent_id else None
        if parent_kind not in self.ALLOWED_PARENTS[self.kind]:
            raise ValidationError(
                {
                    "parent": _("%(kind)s不能设在%(parent)s之下。")
                    % {
                        "kind": self.get_kind_display(),
                        "parent": self.parent.get_kind_display() if self.parent_id else _("顶层"),
                    }
                }
            )
        if self.pk and self.parent_id and self.parent.path and self.path and self.parent.path.startswith(self.path):
            raise ValidationError({"parent": _("不能把单位移到它自己的下级单位之下。")})

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            old_path = self.path
            super().save(*args, **kwargs)
            new_path = (self.parent.path if self.parent_id else "") + f"{self.pk:0{PATH_SEGMENT_WIDTH}d}/"
            if new_path == old_path:
                return
            self.path, self.depth = new_path, new_path.count("/") - 1
            type(self).all_objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)
            if old_path:
                # Moved: re-root the whole subtree in one UPDATE, merged units under it included.
                type(self).all_objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                    path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
                    depth=F("depth") + (self.depth - old_path.count("/") + 1),
                )

    def subtree(self) -> models.QuerySet["OrgUnit"]:
        """This unit and every unit below it."""
        return OrgUnit.objects.filter(path__startswith=self.path)

    def ancestor_paths(self) -> list[str]:
        """Paths of this unit and of every unit above it, top first."""
        parts = self.path.split("/")[:-1]
        return ["".join(f"{part}/" for part in parts[: i + 1]) for i in range(len(parts))]

    def ancestors(self) -> models.QuerySet["OrgUnit"]:
        """Units above this one (not itself), top first."""
        return OrgUnit.objects.filter(path__in=self.ancestor_paths()[:-1]).order_by(Length("path"))


class CurrentDepartmentManager(models.Manager):
    """Departments in use: a retired one (`archived_at` set) is no choice for a member or a 交办;
    what already names it (a member's record, a motion being handled, a reply) still reads it
    through the foreign key, and `Department.all_objects` sees every department."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(archived_at__isnull=True)


class Department(TimeStampedModel):
    """A department (科室/部门) of the employer behind a 基层工会; members work in one, and congress
    motions are handed to one (交办) for a reply by its 承办部门负责人."""

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("所属基层工会"), on_delete=models.PROTECT, related_name="departments"
    )
    name = models.CharField(_("部门名称"), max_length=100)
    # Retired (撤销) by the chair on the departments page (members/organisation.py); never deleted,
    # since members, motions and replies keep pointing at it.
    archived_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    objects = CurrentDepartmentManager()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["org_unit", "name"]
        constraints = [models.UniqueConstraint(fields=["org_unit", "name"], name="department_unique_name_per_unit")]

    def __str__(self) -> str:
        return self.name


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class MemberStatus(models.TextChoices):
    APPLYING = "applying", _("入会申请中")
    ACTIVE = "active", _("在册")
    TRANSFERRED_OUT = "transferred_out", _("已转出")
    WITHDRAWN = "withdrawn", _("已退会")
    RETIRED = "retired", _("已退休")
    DECEASED = "deceased", _("已故")


class EmploymentType(models.TextChoices):
    PERMANENT = "permanent", _("在编")
    CONTRACT = "contract", _("合同制")
    DISPATCHED = "dispatched", _("劳务派遣")
    TEMPORARY = "temporary", _("临时聘用")
    REHIRED = "rehired", _("退休返聘")


# The 56 民族 of GB/T 3304-1991 in its order, then its codes 97 and 98. The stored
# value is the name itself: the roster is read and imported by these names, never by code.
ETHNIC_GROUPS = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
    "其他未识别民族",
    "外国血统中国籍人士",
]
# As choices (value = label = the name), so forms, filters and the import treat it like the others.
Ethnicity = models.TextChoices("Ethnicity", [(name, name) for name in ETHNIC_GROUPS])


class Education(models.TextChoices):
    """文化程度, the levels a 会员花名册 asks for (after GB/T 4658, grouped as rosters print them)."""

    DOCTOR = "doctor", _("博士研究生")
    MASTER = "master", _("硕士研究生")
    BACHELOR = "bachelor", _("大学本科")
    COLLEGE = "college", _("大学专科")
    SECONDARY = "secondary", _("中专（中技）")
    HIGH_SCHOOL = "high_school", _("高中")
    JUNIOR = "junior", _("初中及以下")


class PoliticalStatus(models.TextChoices):
    """政治面貌 after GB/T 4762 (the eight 民主党派 as one entry: the roster counts them together)."""

    PARTY_MEMBER = "party_member", _("中共党员")
    PROBATIONARY = "probationary", _("中共预备党员")
    LEAGUE_MEMBER = "league_member", _("共青团员")
    DEMOCRATIC_PARTY = "democratic_party", _("民主党派成员")
    NON_PARTY = "non_party", _("无党派人士")
    MASSES = "masses", _("群众")


class MemberQuerySet(models.QuerySet):
    def with_id_number(self, number: str) -> "MemberQuerySet":
        # Under every configured key: rows a key rotation has not reached yet are found too.
        return self.filter(id_number_hash__in=crypto.keyed_hashes(normalize_id_number(number)))


class Member(TimeStampedModel):
    Gender = Gender
    Status = MemberStatus
    EmploymentType = EmploymentType

    member_no = models.CharField(_("会员编号"), max_length=32, blank=True)
    name = models.CharField(_("姓名"), max_length=50)
    # Derived from the 身份证号 when left blank, and checked against it when given.
    gender = models.CharField(_("性别"), max_length=1, choices=Gender, blank=True)
    # 身份证号, never stored in clear (union_office/crypto.py): read and write it through the
    # `id_number` property; find a member by number with Member.objects.with_id_number().
    id_number_cipher = models.TextField(_("身份证号（密文）"), editable=False)
    id_number_hash = models.CharField(_("身份证号（索引）"), max_length=64, editable=False)
    # What every list and export shows (110105********1234); also serves "search by last digits".
    id_number_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    birth_date = models.DateField(_("出生日期"), blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("所属工会"), on_delete=models.PROTECT, related_name="members")
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    joined_on = models.DateField(_("入会日期"), null=True, blank=True)
    # The card the 基层工会 issues on joining; numbered by each union, so not unique across unions.
    card_no = models.CharField(_("会员证号"), max_length=32, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True, choices=[(name, name) for name in ETHNIC_GROUPS])
    education = models.CharField(_("文化程度"), max_length=20, blank=True, choices=Education)
    political_status = models.CharField(_("政治面貌"), max_length=20, blank=True, choices=PoliticalStatus)
    status = models.CharField(_("会籍状态"), max_length=20, choices=Status, default=Status.ACTIVE)
    employment_type = models.CharField(
        _("用工形式"), max_length=20, choices=EmploymentType, default=EmploymentType.PERMANENT
    )
    frontline = models.BooleanField(_("一线职工"), default=False)
    # Monthly wage base for 会费 (0.5% of it, finance computes the dues); blank until known.
    wage_base = models.DecimalField(_("会费工资基数（月）"), max_digits=14, decimal_places=2, null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("会员")
        verbose_name_plural = _("会员")
        ordering = ["org_unit__path", "name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(gender__in=Gender.values), name="member_gender_valid"),
            models.CheckConstraint(condition=Q(status__in=MemberStatus.values), name="member_status_valid"),
            models.CheckConstraint(
                condition=Q(employment_type__in=EmploymentType.values), name="member_employment_valid"
            ),
            models.CheckConstraint(
                condition=Q(joined_on__isnull=True) | Q(joined_on__gte=F("birth_date")),
                name="member_joined_after_birth",
            ),
            models.CheckConstraint(condition=Q(wage_base__gte=0), name="member_wage_base_not_negative"),
            models.CheckConstraint(condition=Q(ethnicity__in=["", *ETHNIC_GROUPS]), name="member_ethnicity_valid"),
            models.CheckConstraint(condition=Q(education__in=["", *Education.values]), name="member_education_valid"),
            models.CheckConstraint(
                condition=Q(political_status__in=["", *PoliticalStatus.values]), name="member_political_status_valid"
            ),
            # One member record per person: 转出 and 转入 move the record, never copy it.
            models.UniqueConstraint(fields=["id_number_hash"], name="member_id_number_unique"),
        ]
        indexes = [
            # Roster lists: one unit's members by status, ordered by name. The INCLUDE columns let the
            # roster statistics (members/stats.py) count from the index alone on PostgreSQL
            # (index-only scan: 6 MB instead of the 110 MB table at 100k members).
            models.Index(
                fields=["org_unit", "status", "name"],
                include=["gender", "frontline", "birth_date"],
                name="member_unit_status_name_idx",
            ),
            # Search by name across the subtree.
            models.Index(fields=["name"], name="member_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number(self) -> str:
        """The full number, decrypted on first use (views must audit any reveal)."""
        if not hasattr(self, "_id_number_plain"):
            self._id_number_plain = crypto.decrypt(self.id_number_cipher) if self.id_number_cipher else ""
        return self._id_number_plain

    @id_number.setter
    def id_number(self, value: str) -> None:
        number = normalize_id_number(value)
        self._id_number_plain = number
        self.id_number_cipher = crypto.encrypt(number) if number else ""
        self.id_number_hash = crypto.keyed_hash(number) if number else ""
        self.id_number_masked = mask_id_number(number) if number else ""

    def refresh_from_db(self, *args, **kwargs) -> None:
        self.__dict__.pop("_id_number_plain", None)
        super().refresh_from_db(*args, **kwargs)

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True) -> None:
        # clean() checks the number's uniqueness itself, with a message a clerk understands; the
        # unique constraint on the hash still guards concurrent inserts.
        super().full_clean(
            exclude=set(exclude or ()) | {"id_number_hash"},
            validate_unique=validate_unique,
            validate_constraints=validate_constraints,
        )

    def clean(self) -> None:
        errors = {}
        if self.id_number:
            try:
                info = parse_id_number(self.id_number)
            except ValidationError as exc:
                errors["id_number"] = exc.messages
            else:
                self.id_number = info.number
                duplicate = Member.objects.with_id_number(info.number).exclude(pk=self.pk).first()
                if duplicate is not None:
                    # Names nobody: the model does not know who asks (services say more to those
                    # who may read the entry, membership.duplicate_message).
                    errors["id_number"] = _("该身份证号已在花名册中登记，不能重复录入。")
                if self.gender and self.gender != info.gender:
                    errors["gender"] = _("性别与身份证号不符：身份证号第17位表示%(gender)s。") % {
                        "gender": self.Gender(info.gender).label
                    }
                if self.birth_date and self.birth_date != info.birth_date:
                    errors["birth_date"] = _("出生日期与身份证号不符：身份证号中的出生日期是 %(date)s。") % {
                        "date": info.birth_date.isoformat()
                    }
                self.gender = self.gender or info.gender
                self.birth_date = self.birth_date or info.birth_date
        if self.department_id and self.org_unit_id and not self.org_unit.path.startswith(self.department.org_unit.path):
            errors["department"] = _("所选部门不属于该会员所在的基层工会。")
        if errors:
            raise ValidationError(errors)


class Role(models.TextChoices):
    """The roles of DESIGN.md §1. A grant at a unit holds for that unit's whole subtree."""

    CHAIR = "chair", _("工会主席")
    COMMITTEE = "committee", _("工会委员/干事")
    TREASURER = "treasurer", _("财务/会计")
    AUDITOR = "auditor", _("经审委员")
    WOMEN = "women", _("女工委员")
    MOTIONS = "motions", _("提案工作委员会")
    HANDLER = "handler", _("承办部门负责人")
    MEMBER = "member", _("会员")


class RoleGrantQuerySet(models.QuerySet):
    def current(self, on: "dt.date | None" = None) -> "RoleGrantQuerySet":
        """The grants that hold on `on` (today): no 截止日期, or one not yet passed."""
        on = on or timezone.localdate()
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))


class RoleGrant(TimeStampedModel):
    objects = RoleGrantQuerySet.as_manager()

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="role_grants"
    )
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="role_grants")
    role = models.CharField(_("角色"), max_length=20, choices=Role)
    # Only for 承办部门负责人: the department whose motion replies they write.
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Last day the grant holds (a 届期 ends, a stand-in for a leave); none: until revoked.
    ends_on = models.DateField(_("截止日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="rolegrant_role_valid"),
            models.CheckConstraint(
                condition=~Q(role="handler") | Q(department__isnull=False), name="rolegrant_handler_has_department"
            ),
            models.UniqueConstraint(
                fields=["user", "org_unit", "role"],
                condition=Q(department__isnull=True),
                name="rolegrant_unique_without_department",
            ),
            models.UniqueConstraint(
                fields=["user", "org_unit", "role", "department"],
                condition=Q(department__isnull=False),
                name="rolegrant_unique_with_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.org_unit} · {self.get_role_display()}"


class MembershipChangeKind(models.TextChoices):
    JOIN = "join", _("入会")
    TRANSFER = "transfer", _("转会（系统内）")
    TRANSFER_OUT = "transfer_out", _("转出（系统外）")
    TRANSFER_IN = "transfer_in", _("转入（系统外）")
    WITHDRAW = "withdraw", _("退会")
    RETIRE = "retire", _("退休")
    DECEASE = "decease", _("去世")


class MembershipChangeState(models.TextChoices):
    PENDING = "pending", _("待审批")
    # Approved, dated ahead: the member is changed on the change's date (membership_apply_due).
    SCHEDULED = "scheduled", _("待生效")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    # A scheduled change called off before its date, or that could no longer apply on it.
    CANCELLED = "cancelled", _("已撤销")


# The states of a change that is not finished: a member has at most one (pending or scheduled).
OPEN_CHANGE_STATES = (MembershipChangeState.PENDING, MembershipChangeState.SCHEDULED)


class MembershipChange(TimeStampedModel):
    """One step of a member's membership history (入会, 转会, 退会 …), requested and then decided.

    A transfer between two units of this installation is one row with both units: the member's
    record moves, so their history continues and nothing is duplicated. The allowed kinds per
    member status live in members/membership/workflow.py.
    """

    Kind = MembershipChangeKind
    State = MembershipChangeState

    member = models.ForeignKey(Member, verbose_name=_("会员"), on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(_("变动类型"), max_length=20, choices=Kind)
    state = models.CharField(_("状态"), max_length=10, choices=State, default=State.PENDING)
    from_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("原单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("新单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The union outside this installation a member leaves for (转出) or comes from (转入).
    external_unit = models.CharField(_("系统外工会名称"), max_length=100, blank=True)
    effective_on = models.DateField(_("生效日期"))
    reason = models.TextField(_("原因"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("会籍变动")
        verbose_name_plural = _("会籍变动")
        ordering = ["-effective_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=MembershipChangeKind.values), name="change_kind_valid"),
            models.CheckConstraint(condition=Q(state__in=MembershipChangeState.values), name="change_state_valid"),
            models.CheckConstraint(
                condition=~Q(kind="transfer") | Q(from_unit__isnull=False, to_unit__isnull=False),
                name="change_transfer_has_both_units",
            ),
            models.CheckConstraint(
                condition=Q(state="pending") | Q(decided_at__isnull=False), name="change_decided_has_time"
            ),
            # At most one open change per member, pending or approved and waiting for its date: two
            # clerks cannot file conflicting changes, nor a 退会 over a 退休 already fixed for next month.
            models.UniqueConstraint(
                fields=["member"], condition=Q(state__in=["pending", "scheduled"]), name="change_one_open_per_member"
            ),
        ]
        indexes = [
            # The approval inbox of a unit: pending requests, oldest first; and the scheduled
            # changes whose date has come (membership_apply_due), a few rows of the same index.
            models.Index(fields=["state", "created_at"], name="change_state_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_kind_display()} · {self.get_state_display()}"


class ContactCorrectionState(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已更正")
    REJECTED = "rejected", _("未通过")


class ContactCorrection(TimeStampedModel):
    """A member's own correction of their contact details, reviewed by whoever keeps the roster at
    their unit before it changes anything (members/contact.py): the phone on the roster, and the
    email of their login (User.email: the roster keeps none, and only a login receives email)."""

    State = ContactCorrectionState

    member = models.ForeignKey(
        Member, verbose_name=_("会员"), on_delete=models.PROTECT, related_name="contact_corrections"
    )
    state = models.CharField(_("状态"), max_length=10, choices=State, default=State.PENDING)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    # What the record said when the member asked: the reviewer sees both, the history keeps both.
    previous_phone = models.CharField(_("原手机号"), max_length=20, blank=True)
    previous_email = models.EmailField(_("原电子邮箱"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    note = models.CharField(_("审核意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("联系方式更正")
        verbose_name_plural = _("联系方式更正")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=ContactCorrectionState.values), name="contact_state_valid"),
            # One correction waiting per member: a second one would race the first's approval.
            models.UniqueConstraint(fields=["member"], condition=Q(state="pending"), name="contact_one_pending"),
        ]

    def __str__(self) -> str:
        return _("%(name)s的联系方式更正") % {"name": self.member.name}


class RosterImport(TimeStampedModel):
    """An uploaded 花名册 file: validated into a preview, then committed all-or-nothing.

    The row-level work runs in Celery for large files; progress lives here so the user can leave
    the page and come back.
    """

    Status = JobStatus

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("导入到"), on_delete=models.PROTECT, related_name="roster_imports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=255)
    status = models.CharField(_("状态"), max_length=10, choices=JobStatus, default=JobStatus.QUEUED)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    new_count = models.PositiveIntegerField(_("新增"), default=0)
    changed_count = models.PositiveIntegerField(_("变更"), default=0)
    unchanged_count = models.PositiveIntegerField(_("无变化"), default=0)
    invalid_count = models.PositiveIntegerField(_("错误"), default=0)
    # [{"row": 12, "field": "身份证号", "message": "…"}, …], capped so a bad file cannot bloat the row.
    errors = models.JSONField(_("错误明细"), default=list, blank=True)
    message = models.TextField(_("说明"), blank=True)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("花名册导入")
        verbose_name_plural = _("花名册导入")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="rosterimport_status_valid"),
        ]

    def __str__(self) -> str:
        return self.original_name


class RosterExport(TimeStampedModel):
    """A roster export too large for one request: written by Celery, downloaded when done."""

    Status = JobStatus

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导出人"), on_delete=models.PROTECT, related_name="+"
    )
    # The list's filter query string, re-applied (with the access policy) by the task.
    query = models.CharField(_("筛选条件"), max_length=1000, blank=True)
    full_id_numbers = models.BooleanField(_("含完整身份证号"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=JobStatus, default=JobStatus.QUEUED)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    file = models.FileField(_("文件"), upload_to="exports/%Y/%m/", blank=True)
    message = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("花名册导出")
        verbose_name_plural = _("花名册导出")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="rosterexport_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.created_by} {self.created_at:%Y-%m-%d %H:%M}"
