"""The French catalogue is complete and compiled: every string of ours speaks French."""

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
