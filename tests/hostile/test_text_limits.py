"""Issue 17, finding 9: every free-text field of every form has a length limit.

The forms are found, not listed: every form class defined in the project's apps (their modules
imported), every CharField among its fields. A 10 MB 建议 was accepted before.
"""

import importlib
import pkgutil

from django import forms

from congress.forms import MotionForm, SuggestionForm
from union_office.limits import LONG_TEXT

APPS = ["union_office", "members", "finance", "welfare", "activities", "congress", "plans"]
# The server entry points start the app when imported (and check the field keys against the
# database, union_office/crypto.py): they hold no form.
ENTRY_POINTS = {"union_office.asgi", "union_office.wsgi"}
# Fields whose own format bounds them (an address, a pattern) or that are not text.
BOUNDED = (forms.EmailField, forms.URLField, forms.SlugField, forms.RegexField, forms.UUIDField)


def _project_forms() -> list[type[forms.BaseForm]]:
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if module.name in ENTRY_POINTS:
                continue
            if not any(part in module.name for part in (".tests", ".migrations", ".management")):
                importlib.import_module(module.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return [cls for cls in set(subclasses(forms.BaseForm)) if cls.__module__.split(".")[0] in APPS]


def test_every_text_field_of_every_form_has_a_limit():
    found = _project_forms()
    assert len(found) > 40, f"only {len(found)} forms found: the walk missed modules"
    unlimited = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in found
        for name, field in getattr(cls, "base_fields", {}).items()
        if isinstance(field, forms.CharField) and not isinstance(field, BOUNDED) and field.max_length is None
    ]
    assert unlimited == []


def test_a_ten_megabyte_suggestion_is_refused_with_a_message():
    form = SuggestionForm({"title": "食堂", "content": "字" * 10_000_000})
    assert not form.is_valid()
    assert str(LONG_TEXT) in " ".join(form.errors["content"])
    assert SuggestionForm({"title": "食堂", "content": "字" * LONG_TEXT}).is_valid()


def test_a_motion_reason_over_the_limit_is_refused(db):
    form = MotionForm({"title": "提案", "category": "other", "reason": "理" * (LONG_TEXT + 1), "proposal": "办法"})
    assert not form.is_valid() and "reason" in form.errors
    assert form.fields["reason"].widget.attrs["maxlength"] == str(LONG_TEXT)
