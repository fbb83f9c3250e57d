"""Forms of the notices pages (input only)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class EmailAddressForm(forms.Form):
    email = forms.EmailField(
        label=_("电子邮箱"),
        max_length=254,
        help_text=_("我们会向该邮箱发送一封确认邮件，点击其中的链接后即可接收办件通知邮件。"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
