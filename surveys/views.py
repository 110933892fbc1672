"""Customer survey page: /s/<signed token>/ (no login; the signed token is the credential)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from tickets.exceptions import NotFoundError, ValidationFailed

from . import services
from .forms import SurveyAnswerForm
from .models import Invitation


@require_http_methods(["GET", "POST"])
def survey_answer(request, token: str):
    try:
        invitation = services.invitation_from_signed(value=token)
    except NotFoundError:
        raise Http404
    context = {"invitation": invitation, "ticket": invitation.ticket}
    if invitation.status == Invitation.Status.ANSWERED:
        return render(request, "surveys/answered.html", context)
    if invitation.status == Invitation.Status.EXPIRED or not invitation.expires_at > timezone.now():
        if invitation.status != Invitation.Status.EXPIRED:
            services.invitation_expire(invitation_id=invitation.pk)
        return render(request, "surveys/expired.html", context, status=410)
    form = SurveyAnswerForm(request.POST or None, survey=invitation.survey)
    if request.method == "POST" and form.is_valid():
        try:
            response = services.response_submit(invitation=invitation, answers=form.cleaned_data)
        except services.SurveyAlreadyAnswered:
            return render(request, "surveys/answered.html", context)
        except services.SurveyExpired:
            return render(request, "surveys/expired.html", context, status=410)
        except ValidationFailed as exc:
            for key, errors in exc.extra.get("fields", {}).items():
                for error in errors:
                    form.add_error(key if key in form.fields else None, error)
        else:
            return render(request, "surveys/thanks.html", {**context, "response": response})
    return render(request, "surveys/answer.html", {**context, "form": form},
                  status=400 if request.method == "POST" else 200)
