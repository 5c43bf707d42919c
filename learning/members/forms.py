from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    """The login form in Chinese; axes needs the request, which the view passes."""

    username = forms.CharField(
        label="账号", widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    password = forms.CharField(
        label="密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    error_messages = {
        "invalid_login": "账号或密码不正确，请重新输入。",
        "inactive": "该账号已停用。",
    }


class MemberImportForm(forms.Form):
    file = forms.FileField(
        label="名册文件", help_text="支持 .xlsx 和 .csv，表头：姓名、账号、手机、所在组织、角色、入党日期、党员类别"
    )
    create_missing_orgs = forms.BooleanField(label="自动创建不存在的组织", required=False)
