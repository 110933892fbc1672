from __future__ import annotations

from django.urls import path

from . import views

app_name = "knowledge"

urlpatterns = [
    path("help/", views.help_home, name="help"),
    path("help/a/<slug:slug>/", views.article_detail, name="article"),
    path("help/d/<slug:slug>/", views.tree_start, name="tree"),
    path("help/w/<uuid:uuid>/", views.walk_step, name="walk"),
    path("help/w/<uuid:uuid>/restart/", views.walk_restart, name="walk_restart"),
]
