"""Carnet's roles: three ready-made groups, what each may do, and who is an owner.

A role is a Django group holding a chosen set of permissions. The groups are created by a
migration (campaigns 0006) and brought back in line with this module after every
`migrate` (CrmConfig.ready), so that the permissions of a model added later go to the roles
that should have them. Their names are French, as the owner reads them in Réglages; code
knows a role by its `code`.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

# The apps of the business itself; users, sessions, login attempts and keys are the owner's.
BUSINESS_APPS = frozenset({"contacts", "campaigns", "audience", "news"})

# Permissions of their own, apart from Django's view/add/change/delete of each model.
EXPORT_CONTACTS = "contacts.export_contacts"  # download a list of contacts (CSV, JSON, vCard)
EXPORT_PERSONAL_DATA = "contacts.export_personal_data"  # one person's data, on request
# Send, schedule; pause, resume, cancel or resend a campaign set to leave; outage, invitation.
SEND_CAMPAIGN = "campaigns.send_campaign"

# What Marketing may not do although it works on the business's apps: download lists of
# contacts, send, change the business's legal identity, delete a sign-up (a proof of consent).
MARKETING_REFUSED = frozenset(
    {EXPORT_CONTACTS, SEND_CAMPAIGN, "audience.delete_signup"}
    | {"campaigns.add_business", "campaigns.change_business", "campaigns.delete_business"}
)


@dataclass(frozen=True)
class Role:
    """A ready-made group: its code for code, its name in Réglages, what it may do."""

    code: str
    group: str  # the group's name, stored as it is
    label: Promise
    description: Promise

    def grants(self, permission: str) -> bool:
        """Tell whether the role holds `permission` ("app_label.codename")."""
        app_label, codename = permission.split(".", 1)
        if self.code == "owner":
            return True
        if app_label not in BUSINESS_APPS:
            return False
        if self.code == "marketer":
            return permission not in MARKETING_REFUSED
        return codename.startswith("view_")


OWNER = Role(
    "owner",
    "Propriétaire",
    pgettext_lazy("role", "Owner"),
    pgettext_lazy(
        "role",
        "Everything: contacts, campaigns, sending, exports of whole lists, deleting several "
        "at once, users and settings.",
    ),
)
MARKETER = Role(
    "marketer",
    "Marketing",
    pgettext_lazy("role", "Marketing"),
    pgettext_lazy(
        "role",
        "Contacts, imports and campaigns: writes, imports, tidies, sends a test. Sends to your "
        "clients only if you allow it below. No users, no exports of lists, no deleting "
        "several at once.",
    ),
)
VIEWER = Role(
    "viewer",
    "Lecture seule",
    pgettext_lazy("role", "Read only"),
    pgettext_lazy(
        "role", "Sees contacts, campaigns and their reports; changes, sends and exports nothing."
    ),
)
ROLES = (OWNER, MARKETER, VIEWER)


def sync(group_model, permission_model, using: str = "default") -> None:
    """Create the roles' groups where missing and give each exactly its permissions.

    Works with the real models and with a migration's historical ones.
    """
    permissions = list(permission_model.objects.using(using).select_related("content_type"))
    for role in ROLES:
        group, _created = group_model.objects.using(using).get_or_create(name=role.group)
        group.permissions.set(
            [p for p in permissions if role.grants(f"{p.content_type.app_label}.{p.codename}")]
        )


def sync_after_migrate(sender, using="default", apps=None, **kwargs) -> None:
    """Bring the groups in line once every app's permissions exist (post_migrate)."""
    from django.apps import apps as global_apps

    apps = apps or global_apps  # `flush` sends the signal without a migration's state
    last = [config for config in global_apps.get_app_configs() if config.models_module][-1]
    if sender.label != last.label:
        return  # Django creates each app's permissions on that app's signal
    sync(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), using)


def is_owner(user) -> bool:
    """Tell whether the user is an owner: an administrator or in the owner's group."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return role_of(user) == OWNER


def role_of(user) -> Role | None:
    """Return the user's role (an administrator's is the owner's), or None."""
    if user.is_superuser:
        return OWNER
    if not hasattr(user, "_carnet_groups"):  # asked several times a page
        user._carnet_groups = set(user.groups.values_list("name", flat=True))
    return next((role for role in ROLES if role.group in user._carnet_groups), None)


def by_code(code: str) -> Role | None:
    return next((role for role in ROLES if role.code == code), None)


def set_role(user, role: Role | None, may_send: bool = False) -> None:
    """Give the user `role` alone (None: no access to the admin), and the right to send or not.

    Every group and permission the account held before is replaced. The right to send
    matters for Marketing only: the owner has it, a reader never.
    """
    from django.contrib.auth.models import Group, Permission

    user.groups.set([Group.objects.get(name=role.group)] if role else [])
    app_label, codename = SEND_CAMPAIGN.split(".")
    send = Permission.objects.get(content_type__app_label=app_label, codename=codename)
    user.user_permissions.set([send] if role == MARKETER and may_send else [])
    user.is_staff = role is not None
    user.save(update_fields=["is_staff"])
    for cached in ("_carnet_groups", "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cached, None)


@dataclass(frozen=True)
class Rights:
    """What an account holds: its role, its groups, the permissions given to it one by one."""

    role: Role | None  # the first of ROLES it is in: the others give no more
    groups: tuple[str, ...]
    permissions: tuple  # of Permission, in Django's order (app, model, codename)
    administrator: bool = False  # holds everything whatever its groups; no role changes that

    @property
    def particular(self) -> bool:
        """Tell whether the account holds more than `set_role` gives: a second role, another
        group, a permission of its own (Marketing's right to send aside), or no role at all
        but some permission."""
        if self.administrator:
            return False
        expected = {self.role.group} if self.role else set()
        own = [p for p in self.permissions if not (self.role == MARKETER and _is_send(p))]
        return set(self.groups) != expected or bool(own)


def rights_of(user) -> Rights:
    """Return what the account holds (an administrator's: the owner's, nothing particular)."""
    if user.is_superuser:
        return Rights(OWNER, (), (), administrator=True)
    if not user.pk:
        return Rights(None, (), ())
    groups = tuple(sorted(group.name for group in user.groups.all()))
    role = next((role for role in ROLES if role.group in groups), None)
    return Rights(role, groups, tuple(user.user_permissions.all()))


def holds_send_right(user) -> bool:
    """Tell whether the account holds the right to send, active or not (`has_perm` says no
    for an account switched off, whose right must survive being switched on again)."""
    from django.contrib.auth.models import Permission

    if user.is_superuser or not user.pk:
        return user.is_superuser
    app_label, codename = SEND_CAMPAIGN.split(".")
    held = Permission.objects.filter(Q(user=user) | Q(group__user=user))
    return held.filter(content_type__app_label=app_label, codename=codename).exists()


def _is_send(permission) -> bool:
    from django.contrib.contenttypes.models import ContentType

    kind = ContentType.objects.get_for_id(permission.content_type_id)  # cached
    return f"{kind.app_label}.{permission.codename}" == SEND_CAMPAIGN
