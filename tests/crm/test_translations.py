"""The French catalogue is complete and compiled: every string of ours speaks French."""

import ast
import os
import shutil
import subprocess
import sys

import polib
import pytest

from tests.helpers import ROOT

CATALOGUE = ROOT / "locale" / "fr" / "LC_MESSAGES"
SOURCES = ["crm", "contacts", "campaigns", "audience", "news", "templates", "locale"]
SOURCES += ["manage.py", "pyproject.toml"]


@pytest.fixture
def fresh_catalogue(tmp_path):
    """Extract the strings of today's code into a copy of the catalogue."""
    if not shutil.which("xgettext"):
        pytest.fail("GNU gettext is needed to extract strings: apt-get install gettext")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "fr", "--no-obsolete", "-v0"],
        cwd=tmp_path,
        check=True,
        env={**os.environ, "VAR_DIR": str(tmp_path / "var")},
    )
    return polib.pofile(str(tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po"))


def test_every_string_in_the_code_has_a_french_translation(fresh_catalogue):
    untranslated = [e.msgid for e in fresh_catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in fresh_catalogue.fuzzy_entries()]
    assert untranslated == [], "run `make messages` and translate these"
    assert fuzzy == [], "review these fuzzy translations"


def test_the_compiled_catalogue_matches_its_source():
    source = polib.pofile(str(CATALOGUE / "django.po"))
    compiled = {(e.msgid, e.msgctxt): e for e in polib.mofile(str(CATALOGUE / "django.mo"))}
    stale = [
        e.msgid
        for e in source.translated_entries()
        if (e.msgid, e.msgctxt) not in compiled
        or (compiled[(e.msgid, e.msgctxt)].msgstr or compiled[(e.msgid, e.msgctxt)].msgstr_plural)
        != (e.msgstr or e.msgstr_plural)
    ]
    assert stale == [], "run `make messages` to compile django.mo"


def test_a_delivery_and_a_campaign_agree_with_their_own_french_nouns():
    from django.utils import translation

    from campaigns.choices import CampaignStatus, DeliveryStatus

    with translation.override("fr"):
        # "une campagne envoyée", "un envoi envoyé, écarté": one English word, two French.
        assert (CampaignStatus.SENT.label, DeliveryStatus.SENT.label) == ("Envoyée", "Envoyé")
        assert DeliveryStatus.SKIPPED.label == "Écarté"


# The names makemessages (xgettext) finds a string under, as Django calls it for Python.
EXTRACTED = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy",
             "pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}  # fmt: skip
# Translate at once, in the language active then: wrong at import time (no user's language).
EAGER = {"gettext", "ngettext", "pgettext", "npgettext"}


def _translation_names(tree: ast.Module) -> dict[str, str]:
    """Map each name imported from django.utils.translation to the function it is."""
    return {
        alias.asname or alias.name: alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
    }


def _run_at_import(node: ast.AST):
    """Yield the calls run when the module is imported: outside any function's body."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue  # its decorators and defaults run at import, but hold no message here
        if isinstance(child, ast.Call):
            yield child
        yield from _run_at_import(child)


def _translation_mistakes(source: str) -> list[str]:
    tree = ast.parse(source)
    names = _translation_names(tree)
    wrong = [
        f"{original} imported as {name}: makemessages does not extract it"
        for name, original in names.items()
        if original in EXTRACTED and name not in (original, "_")  # activate(), etc. aside
    ]
    for call in _run_at_import(tree):
        if isinstance(call.func, ast.Name) and names.get(call.func.id) in EAGER:
            wrong.append(f"line {call.lineno}: {call.func.id}() at import time, use a lazy one")
    return wrong


def test_every_translated_string_is_extracted_and_translated_when_shown():
    """A string marked under another name (`gettext_lazy as _lazy`) never reaches the
    catalogue, and `gettext` run at import translates once, before any user: both showed
    English to the owner (« Montrer sur la page de nouvelles »). The catalogue test above
    cannot see either: the first is not in it, the second is, translated."""
    wrong = {}
    for name in SOURCES:
        for path in sorted((ROOT / name).rglob("*.py")) if (ROOT / name).is_dir() else []:
            mistakes = _translation_mistakes(path.read_text(encoding="utf-8"))
            if mistakes:
                wrong[str(path.relative_to(ROOT))] = mistakes
    assert wrong == {}


def test_the_check_finds_both_mistakes():
    source = (
        "from django.utils.translation import gettext as _, gettext_lazy as _lazy\n"
        "A = _lazy('x')\n"
        "class B:\n    title = _('y')\n"
        "def c():\n    return _('z')\n"
    )
    assert _translation_mistakes(source) == [
        "gettext_lazy imported as _lazy: makemessages does not extract it",
        "line 4: _() at import time, use a lazy one",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "published", "paused"),
    [
        ("fr", "La campagne est sur votre page de nouvelles.", "La campagne est en pause."),
        ("en", "The campaign is on your news page.", "The campaign is paused."),
    ],
)
def test_a_campaign_move_is_told_in_the_users_language(alice, client, language, published,
                                                       paused):  # fmt: skip
    from django.urls import reverse
    from django.utils import timezone

    from campaigns import services
    from tests.campaigns.conftest import make_campaign

    client.force_login(alice)
    client.cookies["django_language"] = language
    sent = make_campaign(status="sent")
    act = "admin:campaigns_campaign_act"
    page = client.post(reverse(act, args=[sent.pk, "publish"]), follow=True).text
    assert published in page
    scheduled = make_campaign(name="Rentrée")
    services.schedule(scheduled, timezone.now() + timezone.timedelta(days=1))
    page = client.post(reverse(act, args=[scheduled.pk, "pause"]), follow=True).text
    assert paused in page
