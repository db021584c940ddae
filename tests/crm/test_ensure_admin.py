from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation


@pytest.mark.django_db
def test_it_creates_the_first_admin_with_a_generated_password_shown_once(capsys, monkeypatch):
    monkeypatch.chdir(Path(__file__).parents[2])  # where make run types it
    monkeypatch.delenv("ADMIN_EMAIL", raising=False)
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    call_command("ensure_admin")
    out = capsys.readouterr().out
    assert out.startswith("Administrateur créé. Identifiant : admin\n")
    password = out.split("Mot de passe (affiché une seule fois, notez-le) : ")[1].strip()
    admin = User.objects.get()
    assert (admin.username, admin.is_superuser) == ("admin", True)
    assert admin.check_password(password)

    call_command("ensure_admin")
    assert capsys.readouterr().out == (
        "Un administrateur existe (identifiant : admin). Un mot de passe oublié se remplace "
        "par : .venv/bin/python manage.py changepassword admin\n"
    )
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_it_takes_the_login_and_password_from_the_environment(capsys, monkeypatch):
    monkeypatch.setenv("ADMIN_EMAIL", "owner@boulangerie.example")
    monkeypatch.setenv("ADMIN_PASSWORD", "pain-au-chocolat-42")
    call_command("ensure_admin")
    admin = User.objects.get()
    assert admin.username == "owner@boulangerie.example"
    assert admin.check_password("pain-au-chocolat-42")
    assert "pain-au-chocolat-42" not in capsys.readouterr().out


@pytest.mark.django_db
def test_it_refuses_an_admin_email_that_is_not_one(monkeypatch):
    monkeypatch.setenv("ADMIN_EMAIL", "not-an-address")
    with pytest.raises(CommandError, match="ADMIN_EMAIL n’est pas une adresse e-mail"):
        call_command("ensure_admin")
    with translation.override("en"), pytest.raises(CommandError, match="is not an email"):
        call_command("ensure_admin")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_refuses_a_weak_admin_password(monkeypatch):
    monkeypatch.delenv("ADMIN_EMAIL", raising=False)
    monkeypatch.setenv("ADMIN_PASSWORD", "1234")
    with pytest.raises(CommandError, match="ADMIN_PASSWORD est trop faible : "):
        call_command("ensure_admin")
    assert not User.objects.exists()
