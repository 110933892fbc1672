from __future__ import annotations

from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("s/<str:token>/", views.survey_answer, name="answer"),
]
