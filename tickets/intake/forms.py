"""HTML forms of the intake feature: the customer's /submit/ form and the admin phone/store entry."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.address_forms import DivisionPickerForm
from tickets.models import Channel, FaultCategory, ProductModel, ServiceMode

from .services import IntakeFile


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def uploaded_to_intake_files(uploads) -> list[IntakeFile]:
    return [IntakeFile(name=f.name, data=f.read(), content_type=getattr(f, "content_type", "") or "")
            for f in uploads or []]


class IntakeBaseForm(DivisionPickerForm):
    name = forms.CharField(label=_("姓名"), max_length=80, required=False)
    phone = forms.CharField(label=_("手机号"), max_length=30,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    email = forms.EmailField(label=_("邮箱（选填）"), required=False)
    product_model = forms.ModelChoiceField(label=_("产品型号"), queryset=ProductModel.objects.none(), required=False,
                                           empty_label=_("请选择（不确定可不选）"))
    serial = forms.CharField(label=_("序列号 / IMEI"), max_length=40, required=False,
                             help_text=_("手机可在拨号界面输入 *#06# 查看 IMEI"))
    purchase_date = forms.DateField(label=_("购买日期"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("故障描述"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
                                  help_text=_("例如：摔了一下屏幕花屏、充不进电、冰箱不制冷"))
    service_mode = forms.ChoiceField(label=_("服务方式"), required=False,
                                     choices=[("", _("由我们推荐")),
                                              *[(m.value, m.label) for m in ServiceMode if m != ServiceMode.REMOTE]])
    city = forms.CharField(label=_("城市"), max_length=30, required=False,
                           help_text=_("也可直接填写，如“上海”或“上海徐汇”"))
    district = forms.CharField(label=_("区县"), max_length=30, required=False)
    address = forms.CharField(label=_("详细地址（上门服务必填）"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product_model"].queryset = ProductModel.objects.filter(is_active=True).order_by("brand", "name")

    def clean(self):
        data = super().clean()
        if data.get("service_mode") == ServiceMode.ON_SITE and not (data.get("address") or "").strip():
            self.add_error("address", _("上门服务请填写详细地址。"))
        return data

    def add_domain_errors(self, fields: dict[str, list[str]]) -> None:
        """Show a service's ValidationFailed field errors on the form."""
        for field, messages in fields.items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message)


class CustomerIntakeForm(IntakeBaseForm):
    files = MultipleFileField(label=_("照片或短视频（选填，最多 9 个）"), required=False,
                              widget=MultipleFileInput(attrs={"accept": "image/*,video/mp4,video/quicktime,video/webm",
                                                              "multiple": True}))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)
    otp_code = forms.CharField(
        label=_("短信验证码（选填）"), max_length=12, required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        help_text=_("同一设备已在报修中？验证手机号后，本次报修会并入您处理中的工单。"))


class StaffIntakeForm(IntakeBaseForm):
    channel = forms.ChoiceField(label=_("来源"), choices=[(Channel.PHONE.value, Channel.PHONE.label),
                                                          (Channel.STORE.value, Channel.STORE.label),
                                                          (Channel.WECHAT.value, Channel.WECHAT.label)])
    device = forms.IntegerField(required=False, widget=forms.HiddenInput)
    fault_category = forms.ModelChoiceField(label=_("故障分类（不选则自动分类）"), required=False,
                                            queryset=FaultCategory.objects.none())
    files = MultipleFileField(label=_("照片或视频"), required=False,
                              widget=MultipleFileInput(attrs={"multiple": True}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .selectors import leaf_categories

        self.fields["fault_category"].queryset = leaf_categories()
        self.fields["service_mode"].choices = [("", _("按分类默认")), *[(m.value, m.label) for m in ServiceMode]]
