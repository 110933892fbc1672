"""The 省/市/区 picker as form fields, shared by the customer's /submit/ form and the admin forms.

Three selects (province, city, district) filled by ``static/js/division-picker.js`` from
``/address/divisions/``; the server renders the options of the values already chosen, so a form shown
again after an error keeps them. The most precise picked code wins over the typed names.
"""

from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from .address import address_resolve, division_children, place_fields


class DivisionSelect(forms.Select):
    def __init__(self, level: str, attrs=None):
        super().__init__(attrs={"data-division-level": level, "data-division-url": reverse_lazy("intake:divisions"),
                                "class": "division-picker", **(attrs or {})})


def _options(level: str = "", code: str = "") -> list[tuple[str, str]]:
    return [(d.code, d.name) for d in division_children(level=level, code=code)] if (code or not level) else []


class DivisionPickerForm(forms.Form):
    """Adds ``pick_province``, ``pick_city`` and ``pick_district``; ``picked_code()`` is the most
    precise one chosen ("" when none)."""

    pick_province = forms.ChoiceField(label=_("省份"), required=False, widget=DivisionSelect("province"))
    pick_city = forms.ChoiceField(label=_("城市"), required=False, widget=DivisionSelect("city"))
    pick_district = forms.ChoiceField(label=_("区县"), required=False, widget=DivisionSelect("district"))

    class Media:
        js = ("js/division-picker.js",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_picker_choices()

    def initial_division_codes(self) -> tuple[str, str, str]:
        return "", "", ""

    def _set_picker_choices(self) -> None:
        initial = self.initial_division_codes()
        for name, code in zip(("pick_province", "pick_city", "pick_district"), initial, strict=True):
            if code:
                self.initial.setdefault(name, code)

        def bound(name: str, default: str) -> str:
            return (self.data.get(self.add_prefix(name)) if self.is_bound else None) or default

        province, city = bound("pick_province", initial[0]), bound("pick_city", initial[1])
        self.fields["pick_province"].choices = [("", _("请选择省份")), *_options()]
        self.fields["pick_city"].choices = [("", _("请选择城市")), *_options("province", province)]
        self.fields["pick_district"].choices = [("", _("请选择区县")), *_options("city", city)]

    def picked_code(self) -> str:
        data = getattr(self, "cleaned_data", {})
        return data.get("pick_district") or data.get("pick_city") or data.get("pick_province") or ""


class PlaceModelForm(DivisionPickerForm, forms.ModelForm):
    """Admin form of a model with an address (customer, ticket, centre): the picked division or the
    typed names are placed on save, filling names, codes and, without coordinates, the district's
    centre. A typed region that cannot be placed is refused with a localized error."""

    PLACE_NAME_FIELDS = ("province", "city", "district")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.PLACE_NAME_FIELDS:  # a picked division fills them
            if name in self.fields:
                self.fields[name].required = False

    def initial_division_codes(self) -> tuple[str, str, str]:
        instance = self.instance
        if instance is None or not getattr(instance, "province_code", ""):
            return "", "", ""
        district = instance.district_code
        return instance.province_code, instance.city_code, district

    def clean(self):
        data = super().clean()
        code = self.picked_code()
        typed = {f: (data.get(f) if f in self.fields else getattr(self.instance, f, "")) or ""
                 for f in self.PLACE_NAME_FIELDS if hasattr(self.instance, f)}
        if not (code or any(typed.values())):
            self._place = None
            return data
        place = address_resolve(code=code, address=data.get("address") or getattr(self.instance, "address", ""),
                                **typed)
        if not place.is_placed:
            self.add_error("city" if "city" in self.fields else None,
                           _("无法识别“%(text)s”所在的省/市/区，请从列表中选择。") % {"text": "".join(typed.values())})
        else:
            for name in self.PLACE_NAME_FIELDS:
                if name in self.fields:
                    data[name] = getattr(place, name) or data.get(name) or ""
        self._place = place
        return data

    def _post_clean(self):
        super()._post_clean()
        place = getattr(self, "_place", None)
        if place is None or not place.is_placed:
            return
        lat_field = getattr(self.instance, "latitude", None)
        for key, value in place_fields(place, keep_position=lat_field is not None).items():
            if hasattr(self.instance, key):
                setattr(self.instance, key, value)
