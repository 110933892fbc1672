"""Customer survey page: /s/<signed token>/ (no login; the signed token is the credential)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tickets.exceptions import DomainError, NotFoundError, ValidationFailed
from tickets.masking import mask_phone
from tickets.models import OneTimeCode
from tickets.otp import otp_send, otp_verify

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
    context["masked_phone"] = mask_phone(invitation.ticket.customer.phone)
    if request.method == "POST" and request.POST.get("action") == "send_code":
        form = SurveyAnswerForm(survey=invitation.survey)
        try:
            otp_send(ticket=invitation.ticket, purpose=OneTimeCode.Purpose.SURVEY_ANSWER)
        except DomainError as exc:
            context["otp_error"] = str(exc)
        else:
            context["notice"] = _("验证码已发送至 %(phone)s，10 分钟内有效。") % {"phone": context["masked_phone"]}
        return render(request, "surveys/answer.html", {**context, "form": form})
    form = SurveyAnswerForm(request.POST or None, survey=invitation.survey)
    if request.method == "POST" and form.is_valid():
        otp_code = request.POST.get("otp_code", "")[:12]
        try:
            # The survey link can travel beyond the customer: answering in their name needs the code
            # sent to the ticket's phone.
            otp_verify(ticket=invitation.ticket, purpose=OneTimeCode.Purpose.SURVEY_ANSWER, code=otp_code)
            response = services.response_submit(invitation=invitation, answers=form.cleaned_data,
                                                otp_code=otp_code)
        except services.SurveyAlreadyAnswered:
            return render(request, "surveys/answered.html", context)
        except services.SurveyExpired:
            return render(request, "surveys/expired.html", context, status=410)
        except ValidationFailed as exc:
            if exc.extra.get("field") == "otp_code":
                context["otp_error"] = str(exc)
            for key, errors in exc.extra.get("fields", {}).items():
                for error in errors:
                    form.add_error(key if key in form.fields else None, error)
        else:
            return render(request, "surveys/thanks.html", {**context, "response": response})
    return render(request, "surveys/answer.html", {**context, "form": form},
                  status=400 if request.method == "POST" else 200)
