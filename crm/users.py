"""Réglages, Utilisateurs: each account's role, chosen in plain words; the roles' groups.

Only an owner (an administrator or a member of « Propriétaire ») sees these pages. Nobody
but an administrator changes an administrator's account: an owner could otherwise set its
password and become one.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from crm import roles

NO_ACCESS = "none"
PARTICULAR = "particular"  # an account's groups and permissions, kept as they are
ACTIONS = {
    "view": pgettext_lazy("permission", "view"),
    "add": pgettext_lazy("permission", "add"),
    "change": pgettext_lazy("permission", "change"),
    "delete": pgettext_lazy("permission", "delete"),
}


def _choices() -> list[tuple[str, str]]:
    shown = [(role.code, f"{role.label} — {role.description}") for role in roles.ROLES]
    return [*shown, (NO_ACCESS, _("No access — cannot log in to Carnet."))]


def _particular_choice(rights: roles.Rights) -> str:
    """Say what an account holds beyond the roles, and that another line replaces it."""
    label, description = (
        _("Particular rights (unchanged)"),
        _("Saving keeps them exactly as they are; choosing another line replaces them all."),
    )
    return " ".join([f"{label} — {description}", *_held(rights)])


def _held(rights: roles.Rights) -> list[str]:
    in_roles = [str(role.label) for role in roles.ROLES if role.group in rights.groups]
    others = [name for name in rights.groups if name not in {r.group for r in roles.ROLES}]
    held = []
    if in_roles:
        sentence = ngettext("Role: %(names)s.", "Roles: %(names)s.", len(in_roles))
        held.append(sentence % {"names": ", ".join(in_roles)})
    if others:
        sentence = ngettext("Group: %(names)s.", "Groups: %(names)s.", len(others))
        held.append(sentence % {"names": ", ".join(others)})
    if rights.permissions:
        words = _permission_words(rights.permissions)
        held.append(gettext("Given one by one: %(permissions)s.") % {"permissions": words})
    return held


def _permission_words(permissions) -> str:
    """Name permissions in words: "contact (view, change), the right to send…"."""
    by_model, own = {}, []
    for permission in permissions:
        kind = ContentType.objects.get_for_id(permission.content_type_id)  # cached
        action, _sep, model = permission.codename.partition("_")
        if action in ACTIONS and model == kind.model and kind.model_class():
            name = str(kind.model_class()._meta.verbose_name)
            by_model.setdefault(name, []).append(str(ACTIONS[action]))
        else:
            own.append(gettext(permission.name).lower())
    words = [f"{name} ({', '.join(actions)})" for name, actions in by_model.items()]
    return ", ".join(words + own)


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
        """Fill the fields from the account's groups; an administrator's stay as they are.

        An account holding more than one role gives (a permission of its own, another group,
        two roles) is shown as it is, and saved unchanged keeps it all.
        """
        rights = roles.rights_of(user)
        if rights.particular:
            particular = (PARTICULAR, _particular_choice(rights))
            self.fields["role"].choices = [particular, *_choices()]
            self.initial["role"] = PARTICULAR
        else:
            role = rights.role if user.pk else roles.VIEWER
            self.initial["role"] = role.code if role else NO_ACCESS
        self.initial["may_send"] = roles.holds_send_right(user)
        if user.is_superuser:
            for name in ("role", "may_send"):
                self.fields[name].disabled = True
            self.fields["role"].help_text = _(
                "The administrator's account, made when Carnet was installed: always an owner."
            )

    def clean_may_send(self) -> bool:
        """Refuse a change of the right to send that particular rights would not apply.

        (`role`, declared first, is cleaned before this field.)
        """
        may_send = self.cleaned_data.get("may_send", False)
        kept = self.cleaned_data.get("role") == PARTICULAR
        if kept and may_send != self.initial.get("may_send"):
            raise forms.ValidationError(
                _("To change the right to send, choose a role: these rights stay as they are.")
            )
        return may_send

    def apply_role(self, user) -> None:
        if not user.is_superuser and self.cleaned_data["role"] != PARTICULAR:
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

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups", "user_permissions")

    @admin.display(description=_("role"))
    def role(self, user) -> str:
        rights = roles.rights_of(user)
        if rights.particular:
            return _("Particular rights")
        return str(rights.role.label) if rights.role else _("No access")

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
