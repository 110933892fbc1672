"""The customer's survey form, built from the survey template's questions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import survey_questions_validate


class SurveyAnswerForm(forms.Form):
    def __init__(self, *args, survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = survey_questions_validate(survey.questions)
        for q in self.questions:
            if q["type"] == "text":
                self.fields[q["key"]] = forms.CharField(
                    label=q["label"], required=False, max_length=2000,
                    widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("说说您的感受（选填）")}))
                continue
            choices = [(str(v), str(v)) for v in range(q["min"], q["max"] + 1)]
            self.fields[q["key"]] = forms.TypedChoiceField(
                label=q["label"], choices=choices, coerce=int, required=q["required"],
                widget=forms.RadioSelect, error_messages={"required": _("请选择一个分数。")})
