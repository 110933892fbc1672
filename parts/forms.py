"""Admin forms of the parts app (input validation only; the admin calls services with the cleaned data)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Location, Part, Transfer


class StockOperationForm(forms.Form):
    OPERATIONS = [
        ("receive", _("入库")),
        ("adjust", _("盘点调整（可为负数）")),
        ("scrap", _("报废")),
        ("serials", _("序列号件入库")),
    ]

    operation = forms.ChoiceField(label=_("操作"), choices=OPERATIONS)
    part = forms.ModelChoiceField(label=_("备件"), queryset=Part.objects.filter(is_active=True))
    location = forms.ModelChoiceField(label=_("库位"), queryset=Location.objects.filter(is_active=True))
    quantity = forms.IntegerField(label=_("数量"), required=False)
    serials = forms.CharField(label=_("序列号（每行一个）"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)
    reference = forms.CharField(label=_("关联单据"), max_length=60, required=False)

    def clean(self):
        data = super().clean()
        op = data.get("operation")
        if op == "serials":
            serials = [s for s in (data.get("serials") or "").split() if s.strip()]
            if not serials:
                self.add_error("serials", _("请填写序列号。"))
            data["serial_list"] = serials
        elif data.get("quantity") in (None, 0):
            self.add_error("quantity", _("请填写非零数量。"))
        if op in ("adjust", "scrap") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("盘点调整和报废必须填写原因。"))
        return data


class EmergencyTransferForm(forms.Form):
    part = forms.ModelChoiceField(label=_("备件"), queryset=Part.objects.filter(is_active=True))
    destination = forms.ModelChoiceField(label=_("调入库位"), queryset=Location.objects.filter(is_active=True))
    quantity = forms.IntegerField(label=_("数量"), min_value=1, initial=1)


class TransferRequestForm(forms.ModelForm):
    """The admin's new-transfer form; the admin then calls ``transfer_request`` with the cleaned data."""

    class Meta:
        model = Transfer
        fields = ("part", "source", "destination", "quantity", "is_emergency", "note")

    def clean(self):
        data = super().clean()
        source, destination = data.get("source"), data.get("destination")
        if source and destination:
            if source.pk == destination.pk:
                self.add_error("destination", _("调出和调入库位不能相同。"))
            for field, loc in (("source", source), ("destination", destination)):
                if not loc.is_active:
                    self.add_error(field, _("库位已停用。"))
        if data.get("quantity") is not None and data["quantity"] < 1:
            self.add_error("quantity", _("数量必须是正整数。"))
        return data


class LabelCheckForm(forms.Form):
    payload = forms.CharField(label=_("扫码内容"), widget=forms.Textarea(attrs={"rows": 3}))
    product_model = forms.ModelChoiceField(label=_("待修机型（可选）"), required=False,
                                           queryset=None)
    location = forms.ModelChoiceField(label=_("所在库位（可选）"), queryset=Location.objects.filter(is_active=True),
                                      required=False)

    def __init__(self, *args, **kwargs):
        from tickets.models import ProductModel

        super().__init__(*args, **kwargs)
        self.fields["product_model"].queryset = ProductModel.objects.all()
