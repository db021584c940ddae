"""Réglages, Utilisateurs: each account's role, chosen in plain words; the roles' groups.

Only an owner (an administrator or a member of « Propriétaire ») sees these pages. Nobody
but an administrator changes an administrator's account: an owner could otherwise set its
password and become one.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from crm import roles

NO_ACCESS = "none"


def _choices() -> list[tuple[str, str]]:
    shown = [(role.code, f"{role.label} — {role.description}") for role in roles.ROLES]
    return [*shown, (NO_ACCESS, _("No access — cannot log in to Carnet."))]


class RoleFields(forms.Form):
    """The role of the account, and whether Marketing may send."""

    role = forms.ChoiceField(label=_("Role"), choices=_choices, widget=forms.RadioSelect)
    may_send = forms.BooleanField(
        label=_("May send campaigns"),
        required=False,
        help_text=_(
            "For Marketing: without it, they prepare campaigns and send themselves a test; "
            "an owner sends or schedules them."
        ),
    )

    def show_role_of(self, user) -> None:
        """Fill the fields from the account's groups; an administrator's stay as they are."""
        role = roles.role_of(user) if user.pk else roles.VIEWER
        self.initial["role"] = role.code if role else NO_ACCESS
        self.initial["may_send"] = bool(user.pk) and user.has_perm(roles.SEND_CAMPAIGN)
        if user.is_superuser:
            for name in ("role", "may_send"):
                self.fields[name].disabled = True
            self.fields["role"].help_text = _(
                "The administrator's account, made when Carnet was installed: always an owner."
            )

    def apply_role(self, user) -> None:
        if not user.is_superuser:
            role = roles.by_code(self.cleaned_data["role"])
            roles.set_role(user, role, may_send=self.cleaned_data.get("may_send", False))


class ChangeForm(UserChangeForm, RoleFields):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.show_role_of(self.instance)


class AddForm(AdminUserCreationForm, RoleFields):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.show_role_of(self.instance)


class _OwnersOnly:
    """Users and groups are an owner's business only."""

    def has_module_permission(self, request):
        return roles.is_owner(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return roles.is_owner(request.user) and super().has_view_permission(request, obj)


class UserAdmin(_OwnersOnly, auth_admin.UserAdmin):
    form = ChangeForm
    add_form = AddForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Role"), {"fields": ("is_active", "role", "may_send")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "usable_password", "password1", "password2")}),
        (_("Role"), {"fields": ("role", "may_send")}),
    )
    readonly_fields = ("last_login", "date_joined")  # facts, not settings
    list_display = ("username", "first_name", "last_name", "email", "role", "is_active")
    list_filter = ("is_active", "groups")
    filter_horizontal = ()

    class Media:
        css = {"all": ("carnet/users.css",)}

    @admin.display(description=_("role"))
    def role(self, user) -> str:
        role = roles.role_of(user)
        return str(role.label) if role else _("No access")

    def has_add_permission(self, request):
        return roles.is_owner(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return roles.is_owner(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (obj.is_superuser and not request.user.is_superuser):
            return False
        return roles.is_owner(request.user) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        form.apply_role(obj)


class GroupAdmin(_OwnersOnly, auth_admin.GroupAdmin):
    """The roles' groups, to read: Carnet keeps their permissions (crm.roles)."""

    list_display = ("name", "description")

    @admin.display(description=_("what it may do"))
    def description(self, group) -> str:
        role = next((r for r in roles.ROLES if r.group == group.name), None)
        return str(role.description) if role else ""

    def _never(self, request, obj=None) -> bool:
        return False

    has_add_permission = has_change_permission = has_delete_permission = _never
