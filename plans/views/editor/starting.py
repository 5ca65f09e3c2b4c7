"""Starting a plan: empty, copied from an earlier one, or pasted from Word (split, parse, review, save)."""

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from members.membership.forms import UnitChoiceField
from members.models import OrgUnit
from plans import editing, selectors
from plans.deadlines import parse_deadline
from plans.editing import PlanEditError
from plans.importer import parse_plan, split_documents
from plans.models import Plan
from plans.numbering import child_offset, heading_number, item_depth

from .common import (
    _errors,
)


def _default_year() -> int:
    # Plans for next year are drafted from October on (the 职代会 adopts them around New Year).
    today = timezone.localdate()
    return today.year + (1 if today.month >= 10 else 0)


class _StartForm(forms.Form):
    org_unit = UnitChoiceField(label=gettext_lazy("单位"), queryset=OrgUnit.objects.none())
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = selectors.drafting_units(user)
        self.fields["org_unit"].queryset = units
        if not self.is_bound:
            self.fields["year"].initial = _default_year()
            # The top of the user's scope (their own union) is the usual choice; a chair picks a
            # 分工会 below it only now and then.
            top = units.first()
            self.fields["org_unit"].initial = top.pk if top else None


class PlanCreateForm(_StartForm):
    title = forms.CharField(
        label=gettext_lazy("标题"),
        max_length=editing.TITLE_MAX,
        required=False,
        help_text=gettext_lazy("留空则为“单位名称＋年度＋工作计划”。"),
    )


class PlanSourceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Plan) -> str:
        return _("%(year)s年 · %(unit)s · %(title)s（第 %(version)s 版，%(status)s）") % {
            "year": obj.year,
            "unit": obj.org_unit.name,
            "title": obj.title,
            "version": obj.version,
            "status": obj.get_status_display(),
        }


class PlanCopyForm(_StartForm):
    source = PlanSourceField(
        label=gettext_lazy("复制哪个计划"), queryset=Plan.objects.none(), empty_label=gettext_lazy("请选择计划")
    )
    field_order = ["source", "org_unit", "year"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["source"].queryset = selectors.copy_sources(user)


# The longest plan page we have seen (several plans, 篇一 … 篇五) is 16,000 characters and 420 lines.
# The reader takes about 0.1 ms per line, and the review page renders every part it found: these
# bounds keep a paste of junk to a second or two.
PASTE_MAX_CHARS = 50_000
PASTE_MAX_LINES = 2_000
PASTE_MAX_PARTS = 2_000  # sections, items and months read (a line that lost its newlines holds many)


class PasteForm(_StartForm):
    text = forms.CharField(
        label=gettext_lazy("计划全文"),
        widget=forms.Textarea(attrs={"rows": 16, "class": "font-monospace"}),
        max_length=PASTE_MAX_CHARS,
        help_text=gettext_lazy(
            "从 Word 中全选复制计划正文粘贴到这里：标题、指导思想、“一、”“（一）”“1、”等章节，"
            "“目标：”“措施：”“时限：”“责任人：”等行，以及逐月的活动安排。一份文件里有多篇（篇一、篇二……）时，下一步选择其中一篇。"
        ),
    )
    title = forms.CharField(label=gettext_lazy("标题"), max_length=editing.TITLE_MAX, required=False)
    choice = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        lines = sum(1 for line in text.splitlines() if line.strip())
        if lines > PASTE_MAX_LINES:
            raise forms.ValidationError(
                _("粘贴的内容有 %(lines)s 行，超过了 %(max)s 行的上限。请只粘贴计划正文，或分几次导入。")
                % {"lines": f"{lines:,}", "max": f"{PASTE_MAX_LINES:,}"}
            )
        return text


def _add_errors(form: forms.Form, exc: PlanEditError) -> None:
    field_errors, other = _errors(exc)
    for name, errors in field_errors.items():
        form.add_error(name if name in form.fields else None, errors)
    if other:
        form.add_error(None, other)


@require_http_methods(["GET", "POST"])
@never_cache
def plan_create(request: HttpRequest) -> HttpResponse:
    """New plan: empty, or a copy of an earlier one; the third way (paste) has its own page."""
    units = selectors.drafting_units(request.user)
    if not units.exists():
        raise PermissionDenied(_("您的角色没有起草工作计划的权限。"))
    mode = request.POST.get("mode", "") if request.method == "POST" else ""
    create_form = PlanCreateForm(request.POST if mode == "empty" else None, user=request.user, prefix="new")
    copy_form = PlanCopyForm(request.POST if mode == "copy" else None, user=request.user, prefix="copy")
    if mode == "empty" and create_form.is_valid():
        data = create_form.cleaned_data
        title = data["title"] or _("%(unit)s%(year)s年工作计划") % {"unit": data["org_unit"].name, "year": data["year"]}
        try:
            plan = editing.plan_create(actor=request.user, org_unit=data["org_unit"], year=data["year"], title=title)
        except PlanEditError as exc:
            _add_errors(create_form, exc)
        else:
            messages.success(request, _("已新建计划草稿《%(title)s》。") % {"title": plan.title})
            return redirect("plans:editor", pk=plan.pk)
    if mode == "copy" and copy_form.is_valid():
        data = copy_form.cleaned_data
        try:
            plan = editing.plan_copy_from(
                actor=request.user, source_plan_id=data["source"].pk, org_unit=data["org_unit"], year=data["year"]
            )
        except PlanEditError as exc:
            _add_errors(copy_form, exc)
        else:
            messages.success(
                request,
                _("已从《%(source)s》复制出 %(year)s 年的计划草稿，所有条目已重置为“未开始”。")
                % {"source": data["source"].title, "year": plan.year},
            )
            return redirect("plans:editor", pk=plan.pk)
    context = {"create_form": create_form, "copy_form": copy_form, "mode": mode}
    return render(request, "plans/editor/create.html", context)


@dataclass
class PreviewItem:
    number: str
    item: Any
    deadline: Any
    index: int = 0  # the item's place in the plan (walk order): names its 时限 proposal's fields
    proposal: Any = None  # the 时限 proposed from its text, understood
    accepted: bool = False


@dataclass
class PreviewSection:
    number: str
    depth: int
    title: str
    deadline_text: str = ""  # a phase's dates, its items' 时限
    items: list[PreviewItem] = field(default_factory=list)
    children: list["PreviewSection"] = field(default_factory=list)


def _preview(
    sections: list[Any], year: int, order: dict[int, int], accepted: set[int], depth: int = 1, offset: int = 0
) -> list[PreviewSection]:
    """The parsed tree numbered the way the saved plan will be (plans/selectors.py plan_tree)."""
    result = []
    for index, node in enumerate(sections, start=1):
        items = [
            PreviewItem(
                heading_number(item_depth(depth), i),
                item,
                parse_deadline(item.deadline_text, year) if (item.deadline_text or "").strip() else None,
                index=order[id(item)],
                proposal=parse_deadline(item.deadline_proposed, year) if item.deadline_proposed else None,
                accepted=order[id(item)] in accepted,
            )
            for i, item in enumerate(node.items, start=1)
        ]
        result.append(
            PreviewSection(
                number=heading_number(depth, offset + index),
                depth=depth,
                title=node.title,
                deadline_text=node.deadline_text,
                items=items,
                children=_preview(
                    list(node.children), year, order, accepted, depth + 1, child_offset(depth, len(items))
                ),
            )
        )
    return result


def _text_key(text: str) -> str:
    """Names the text the review's choices were made on: proposals of another text are not applied."""
    # A browser posts a textarea's newlines as CRLF: the same text either way.
    return hashlib.sha256("\n".join(text.splitlines()).strip().encode()).hexdigest()[:16]


def _accept_proposals(request: HttpRequest, parsed: Any, text: str) -> set[int]:
    """The 时限 proposals the user ticked, with the text as they left it, put into the items."""
    if request.POST.get("text_key") != _text_key(text):
        return set()
    accepted = set()
    items = [item for section in parsed.walk() for item in section.items]
    for index, item in enumerate(items):
        if not item.deadline_proposed or not request.POST.get(f"proposal-{index}"):
            continue
        value = request.POST.get(f"proposal-text-{index}", "").strip()
        if value:
            item.deadline_proposed = item.deadline_text = value[: editing.DEADLINE_MAX]
            accepted.add(index)
    return accepted


def _count(sections: list[PreviewSection]) -> tuple[int, int]:
    n_sections = n_items = 0
    for node in sections:
        below = _count(node.children)
        n_sections += 1 + below[0]
        n_items += len(node.items) + below[1]
    return n_sections, n_items


@require_http_methods(["GET", "POST"])
@never_cache
def plan_paste(request: HttpRequest) -> HttpResponse:
    """Paste a plan written in Word: split (篇一, 篇二 …: pick one), parse, review, and only then save.

    Nothing is written before the user presses 保存为草稿: each step posts the text again.
    """
    if not selectors.drafting_units(request.user).exists():
        raise PermissionDenied(_("您的角色没有起草工作计划的权限。"))
    form = PasteForm(request.POST or None, user=request.user)
    context: dict[str, Any] = {"form": form, "step": "paste"}
    if request.method != "POST" or not form.is_valid():
        return render(request, "plans/editor/paste.html", context)
    data = form.cleaned_data
    # Kept apart from the form: a service error on a field takes it out of cleaned_data.
    context.update(unit=data["org_unit"], year=data["year"])
    step = request.POST.get("step", "parse")
    if step in ("review", "save"):
        # The text is already the one plan the user picked (or the only one).
        return _paste_review(request, form, data["text"], context)
    documents = split_documents(data["text"])
    if not documents:
        form.add_error("text", _("没有粘贴任何内容。"))
        return render(request, "plans/editor/paste.html", context)
    if len(documents) == 1:
        return _paste_review(request, form, documents[0].text, context)
    choice = data["choice"]
    if step == "pick" and choice is not None and choice < len(documents):
        return _paste_review(request, form, documents[choice].text, context)
    if step == "pick":
        context["pick_error"] = _("请选择要导入的一篇。")
    context.update(step="pick", documents=documents)
    return render(request, "plans/editor/paste.html", context)


def _paste_review(request: HttpRequest, form: PasteForm, text: str, context: dict[str, Any]) -> HttpResponse:
    data = form.cleaned_data
    # The review's own form says whether to convert; the first reading converts a traditional paste.
    simplify = bool(request.POST.get("simplify")) if request.POST.get("simplify_shown") else None
    parsed = parse_plan(text, year=data["year"], simplify=simplify)
    accepted = _accept_proposals(request, parsed, text)
    # The title as read, unless the user wrote their own (a title left as read follows the conversion).
    title = data["title"] if data["title"] and data["title"] != request.POST.get("parsed_title") else parsed.title
    parts = len(parsed.schedule) + sum(1 + len(section.items) for section in parsed.walk())
    if parts > PASTE_MAX_PARTS:
        form.add_error(
            "text",
            _("从粘贴的文字中读出了 %(parts)s 个章节、条目和月份，超过了 %(max)s 个的上限。请只粘贴一份计划的正文。")
            % {"parts": f"{parts:,}", "max": f"{PASTE_MAX_PARTS:,}"},
        )
        return render(request, "plans/editor/paste.html", context)
    if not parsed.sections and not parsed.schedule:
        form.add_error(
            "text",
            _(
                "没有从粘贴的文字中识别出计划的章节或活动安排。请确认粘贴的是工作计划正文："
                "章节以“一、”“（一）”“1、”等开头，活动安排按月份分行。"
            ),
        )
        return render(request, "plans/editor/paste.html", context)
    if request.POST.get("step") == "save":
        try:
            plan = editing.plan_create_from_parsed(
                actor=request.user, org_unit=data["org_unit"], year=data["year"], parsed=parsed, title=title
            )
        except PlanEditError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已保存为计划草稿《%(title)s》，可以继续修改。") % {"title": plan.title})
            return redirect("plans:editor", pk=plan.pk)
    order = {id(item): index for index, item in enumerate(item for s in parsed.walk() for item in s.items)}
    tree = _preview(list(parsed.sections), context["year"], order, accepted)
    n_sections, n_items = _count(tree)
    unparsed = sum(1 for node in _walk(tree) for item in node.items if item.deadline and not item.deadline.ok)
    context.update(
        step="review",
        text=text,
        parsed=parsed,
        tree=tree,
        title=title,
        counts={"sections": n_sections, "items": n_items, "schedule": len(parsed.schedule), "unparsed": unparsed},
        simplify=parsed.traditional if simplify is None else simplify,
        text_key=_text_key(text),
        proposals=sum(1 for node in _walk(tree) for item in node.items if item.proposal),
    )
    return render(request, "plans/editor/paste.html", context)


def _walk(tree: list[PreviewSection]) -> Any:
    for node in tree:
        yield node
        yield from _walk(node.children)
