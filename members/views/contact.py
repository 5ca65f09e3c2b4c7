"""A member's own contact details and their correction; the reviewers' list (members/contact.py)."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members import access, contact
from members.models import ContactCorrection, Member


class ContactForm(forms.Form):
    phone = forms.CharField(label=gettext_lazy("手机号"), max_length=20, required=False)
    email = forms.CharField(label=gettext_lazy("电子邮箱"), max_length=254, required=False)


@require_http_methods(["GET", "POST"])
def my_contact(request: HttpRequest) -> HttpResponse:
    """本人联系方式: what the roster says, the correction waiting, and the form to send one."""
    member = Member.objects.select_related("org_unit").filter(user_id=request.user.pk).first()
    if member is None:
        raise Http404(_("您的账号没有对应的会员记录。"))
    corrections = ContactCorrection.objects.filter(member=member).select_related("decided_by")[:5]
    pending = next((c for c in corrections if c.state == ContactCorrection.State.PENDING), None)
    form = ContactForm(request.POST or None, initial={"phone": member.phone, "email": request.user.email})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            contact.contact_correction_submit(actor=request.user, **form.cleaned_data)
        except contact.ContactError as exc:
            form.add_error(None, " ".join(exc.messages))
            status = 400
        else:
            messages.success(request, _("更正已提交，工会审核通过后生效，届时会通知您。"))
            return redirect("members:my_contact")
    context = {"member": member, "form": form, "pending": pending, "corrections": corrections}
    return render(request, "members/contact/mine.html", context, status=status)


@require_GET
def contact_corrections(request: HttpRequest) -> HttpResponse:
    if not access.scope_paths(request.user, contact.REVIEW) and not request.user.is_superuser:
        raise Http404(_("没有找到该页面，或您无权查看。"))
    rows = contact.corrections_to_review(request.user)
    return render(request, "members/contact/review.html", {"rows": rows, "nav_current": "members"})


@require_POST
def contact_correction_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    correction = access.get_visible_or_404(
        request.user, contact.REVIEW, ContactCorrection.objects.all(), unit_field="member__org_unit", pk=pk
    )
    try:
        message = contact.contact_correction_decide(
            actor=request.user, pk=correction.pk, action=action, comment=request.POST.get("comment", "")
        )
    except contact.ContactError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, message)
    return redirect("members:contact_corrections")
