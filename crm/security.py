"""Logging in safely: throttling with django-axes, and two-step login with django-otp.

django-axes counts wrong passwords per username and address (settings, "Login throttling");
this module tells it the address, keeps it out of logins made without a request (tests'
Client.login, management commands), and draws the page a locked-out visitor sees. An
administrator may also turn on two-step login: a code from an authenticator app (TOTP).
"""

import base64
import datetime
import ipaddress

import django_otp
import segno
from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from crm import roles


class LoginThrottle(AxesStandaloneBackend):
    """Refuse every login of a locked-out username and address, the right password too.

    A login made in code, without a request, has no address to count against: it is let
    through to the next backend. Every login over HTTP (the admin's form) has one.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def client_ip(request: HttpRequest) -> str:
    """The address that the throttle counts against: the client's, as far as it is known.

    With no trusted proxy, the connection's own address: X-Forwarded-For is ignored, since
    anyone can send it. Behind TRUSTED_PROXY_COUNT proxies, each of which appends the address
    it was reached from, the client is that many places from the header's end; whatever a
    client wrote into the header itself lies further left and is never read.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < proxies:  # the request did not come through every proxy
        return remote
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return remote


def locked_until(request: HttpRequest, username: str) -> datetime.datetime:
    """When the username may log in again from this request's address."""
    last = AccessAttempt.objects.filter(
        username=username, ip_address=request.axes_ip_address
    ).aggregate(last=Max("attempt_time"))["last"]
    return (last or timezone.now()) + get_cool_off(request)


def lockout_page(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The admin's page saying that logging in is paused, and until when (HTTP 429)."""
    username = get_client_username(request, credentials) or ""
    context = {
        **admin.site.each_context(request),
        "title": _("Logging in is paused"),
        "username": username,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "until": locked_until(request, username),
    }
    return render(request, "admin/carnet/lockout.html", context, status=429)


# Two-step login (django-otp): an administrator who turned it on types the code of an
# authenticator app after the password. Codes are counted by the throttle like passwords.


def confirmed_device(user) -> TOTPDevice | None:
    """The user's authenticator app, once its first code has been checked."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def refusal(device: TOTPDevice, token: str) -> str | None:
    """Why the app's code is refused ("code_invalid", "code_wait"), None when it is right.

    django-otp waits longer after each wrong code (1 s, 2 s, 4 s…) before it checks another.
    """
    if not device.verify_is_allowed()[0]:
        return "code_wait"
    return None if device.verify_token(token) else "code_invalid"


class LoginForm(AdminAuthenticationForm):
    """The admin's login form: username and password, then the app's code if turned on."""

    otp_token = forms.CharField(
        label=_("Code from your authenticator app"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "code_required": _(
            "Two-step login is on for this account: type the 6-digit code that your "
            "authenticator app shows now."
        ),
        "code_invalid": _(
            "This code is not the one your authenticator app shows now. Type the current "
            "code (it changes every 30 seconds)."
        ),
        "code_wait": _("Several wrong codes in a row: wait a little, then type the current code."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.asks_code = False

    def clean(self):
        cleaned = super().clean()  # the password, behind the throttle
        user = self.get_user()
        device = confirmed_device(user)
        if device is None:
            return cleaned
        token = "".join(cleaned.get("otp_token", "").split())
        refused = refusal(device, token) if token else "code_required"
        if not refused:
            user.otp_device = device  # django-otp marks the session verified at login
            return cleaned
        # The password was right: ask for the code without making the password typed again.
        self.asks_code = True
        self.fields["password"].widget.render_value = True
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["otp_token"].widget.attrs["autofocus"] = True
        if token:  # a wrong code counts as a failed login: six digits cannot be tried freely
            user_login_failed.send(
                sender=__name__,
                credentials={"username": user.get_username()},
                request=self.request,
            )
        raise ValidationError(self.error_messages[refused], code=refused)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code shown by the app"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, device: TOTPDevice, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        refused = refusal(self.device, code)
        if refused:
            raise ValidationError(LoginForm.error_messages[refused], code=refused)
        return code


def _secret(device: TOTPDevice) -> str:
    """The key as the app asks for it when typed by hand: base 32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def two_step_page(request: HttpRequest) -> HttpResponse:
    """Réglages, "Two-step login": an owner turns it on with a QR code, or off."""
    if not roles.is_owner(request.user):
        raise PermissionDenied
    if request.method == "POST" and "turn_off_for" in request.POST:
        return _turn_off_for(request, request.POST["turn_off_for"])
    device = confirmed_device(request.user)
    turning_on = device is None
    if turning_on:
        device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
        device = device or TOTPDevice.objects.create(
            user=request.user, name="Carnet", confirmed=False
        )
    form = CodeForm(device, request.POST or None)
    if form.is_valid():
        if turning_on:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            django_otp.login(request, device)
            messages.success(request, _("Two-step login is on: Carnet will ask for the code."))
        else:
            TOTPDevice.objects.filter(user=request.user).delete()
            messages.success(request, _("Two-step login is off: the password is enough again."))
        return redirect("admin:two_step")
    context = {
        **admin.site.each_context(request),
        "title": _("Two-step login"),
        "form": form,
        "turning_on": turning_on,
        "others": _others(request)
        .filter(totpdevice__confirmed=True)
        .order_by("username")
        .distinct(),
    }
    if turning_on:
        qr = segno.make(device.config_url, error="m")
        context.update(qr=mark_safe(qr.svg_inline(scale=5, title=str(_("QR code")))))
        context.update(secret=_secret(device))
    return TemplateResponse(request, "admin/carnet/two_step.html", context)


def _others(request: HttpRequest):
    """Return the accounts whose two-step login this owner may turn off: not their own, and
    an administrator's only for an administrator (crm.users: nobody else changes theirs)."""
    others = User.objects.exclude(pk=request.user.pk)
    return others if request.user.is_superuser else others.filter(is_superuser=False)


def _turn_off_for(request: HttpRequest, user_id: str) -> HttpResponse:
    """Turn off another account's two-step login: its owner lost the phone with the app."""
    user = _others(request).filter(pk=user_id if user_id.isdigit() else None).first()
    if user is not None:
        TOTPDevice.objects.filter(user=user).delete()
        messages.success(
            request,
            _("Two-step login is off for %(name)s: the password is enough again.")
            % {"name": user.get_username()},
        )
    return redirect("admin:two_step")


class DeviceAdmin(admin.ModelAdmin):
    """Keeps django-otp's own admin of TOTP keys out of sight: two-step login has its page."""

    def has_module_permission(self, request) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
