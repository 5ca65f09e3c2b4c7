"""Length limits for free text typed into forms (issue 17, finding 9: a 10 MB 建议 was accepted).

The model columns are TextFields (no limit in the database); the limit is the form's, with a
Chinese message and the textarea's `maxlength`. `limit_text(FormClass, field=limit)` after a class
sets it on fields the form does not declare itself (a ModelForm's TextFields).
"""

from django import forms
from django.core.validators import MaxLengthValidator

# A paragraph or a page: 提案理由与办法, 建议内容, 答复, 活动说明, 家庭情况.
LONG_TEXT = 5_000
# A remark beside a decision: 意见, 说明, 备注.
NOTE_TEXT = 1_000


def limit_text(form_class: type[forms.BaseForm], **limits: int) -> None:
    for name, limit in limits.items():
        field = form_class.base_fields[name]
        field.max_length = limit
        field.validators.append(MaxLengthValidator(limit))
        field.widget.attrs["maxlength"] = str(limit)
