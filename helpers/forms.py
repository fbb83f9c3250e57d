"""Forms of the helper's workbench and the home-visit request page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from halls.availability import matters_taken_in_at
from matters.models import Matter


class HelperFilingForm(forms.Form):
    """A resident who asks: their identity, phone and the matter (those the helper's hall may
    take in); the signed 委托书 now or later (or the resident confirms online)."""

    name = forms.CharField(label=_("申请人姓名"), max_length=100)
    id_number = forms.CharField(label=_("申请人身份证号码"), max_length=18)
    phone = forms.CharField(label=_("申请人手机号码"), max_length=11)
    matter = forms.ModelChoiceField(label=_("办理事项"), queryset=Matter.objects.none())
    pickup_hall = forms.ChoiceField(
        label=_("领取网点"),
        required=False,
        help_text=_("办理结果在所选网点的窗口领取（异地能办）；不选则在受理网点领取"),
    )
    power_of_attorney = forms.FileField(
        label=_("授权委托书"),
        required=False,
        help_text=_(
            "申请人签署的授权委托书（PDF、JPEG 或 PNG）。"
            "没有的，可请申请人登录本人账户在线确认代办授权。"
        ),
    )
    home_visit = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, hall=None, **kwargs):
        super().__init__(*args, **kwargs)
        matters = Matter.published.order_by("code")
        if hall is not None:
            matters = matters.filter(matters_taken_in_at(hall))
        self.fields["matter"].queryset = matters
        # Only a hall with windows hands results over (a village point has none): the nearest
        # one above the helper's hall is offered first.
        from halls.models import Hall

        halls = list(Hall.objects.filter(active=True, has_windows=True).order_by("order", "code"))
        self.fields["pickup_hall"].choices = [("", _("受理网点（默认）"))] + [
            (h.code, h.name) for h in halls
        ]
        if hall is not None and not hall.has_windows:
            from cases.services.halls import hall_with_windows

            self.fields["pickup_hall"].initial = hall_with_windows(hall).code


class HomeVisitForm(forms.Form):
    name = forms.CharField(label=_("需上门服务的群众姓名"), max_length=100)
    phone = forms.CharField(label=_("联系电话"), max_length=11)
    address = forms.CharField(label=_("上门地址"), max_length=200)
    reason = forms.CharField(
        label=_("需要上门的原因"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如年老行动不便、患病、残疾、孕期等。"),
    )
    matter = forms.ModelChoiceField(
        label=_("拟办事项"), queryset=Matter.published.order_by("code"), required=False
    )
    hall = forms.ModelChoiceField(
        label=_("就近网点"), queryset=None, required=False, empty_label=_("不确定，由大厅安排")
    )

    def __init__(self, *args, **kwargs):
        from halls.models import Hall

        super().__init__(*args, **kwargs)
        self.fields["hall"].queryset = Hall.objects.filter(active=True).order_by("order", "code")


class AssignForm(forms.Form):
    helper = forms.CharField(label=_("代办员用户名"), max_length=150)
