"""Merge fields run in a sandbox: every other construct is refused, naming the offending part."""

import pytest
from django.core.exceptions import ValidationError

from campaigns.templating import compile_template, html_to_text, render
from tests.campaigns.conftest import make_campaign

FIELDS = {"first_name": "Élodie", "last_name": "Lefèvre", "email": "e@exemple.fr",
          "company": "Boulangerie", "unsubscribe_url": "https://x.fr/d/a?b=1&c=2"}  # fmt: skip


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("{% load static %}", "{% load static %}"),
        ("{% include 'admin/base.html' %}", "{% include 'admin/base.html' %}"),
        ("{% extends 'admin/base.html' %}", "{% extends 'admin/base.html' %}"),
        ("{% debug %}", "{% debug %}"),
        ("{% url 'admin:index' %}", "{% url 'admin:index' %}"),
        ("{% if first_name %}x{% endif %}", "{% if first_name %}"),
        ("{% csrf_token %}", "{% csrf_token %}"),
        ("{{ first_name|safe }}", "{{ first_name|safe }}"),
        ("{{ first_name|escape }}", "{{ first_name|escape }}"),
        ("{{ contact.email }}", "{{ contact.email }}"),
        ("{{ first_name.upper }}", "{{ first_name.upper }}"),
        ("{{ settings.SECRET_KEY }}", "{{ settings.SECRET_KEY }}"),
        ("{{ request }}", "{{ request }}"),
        ("{{ secret }}", "{{ secret }}"),
        ("{{ first_name|default:secret }}", "{{ first_name|default:secret }}"),
        ("{{ first_name </p>", "{{ first_name </p>"),
        ("{% comment", "{% comment"),
    ],
)
def test_it_refuses_everything_but_merge_fields_naming_the_part(source, named):
    with pytest.raises(ValidationError) as refused:
        compile_template(f"<p>Bonjour</p>{source}")
    assert named in refused.value.messages[0]


def test_it_refuses_them_when_the_campaign_is_saved_field_by_field(db):
    with pytest.raises(ValidationError) as refused:
        make_campaign(subject="{{ contact.email }}", html_body="{% load static %}")
    assert set(refused.value.message_dict) == {"subject", "html_body"}


def test_it_renders_merge_fields_and_the_allowed_filters():
    template = compile_template("{{ first_name|upper }} {{ last_name|default:'?' }} {{ email }}")
    assert render(template, FIELDS, html=False) == "ÉLODIE Lefèvre e@exemple.fr"
    blank = {**FIELDS, "last_name": ""}
    assert render(template, blank, html=False) == "ÉLODIE ? e@exemple.fr"


def test_it_escapes_contact_data_in_html_and_not_in_text():
    fields = {**FIELDS, "first_name": '<script>alert("x")</script>', "company": "A & B"}
    template = compile_template("<p>{{ first_name }} — {{ company }}</p>")
    html = render(template, fields, html=True)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "A &amp; B" in html
    assert render(template, fields, html=False) == '<p><script>alert("x")</script> — A & B</p>'


def test_it_escapes_the_unsubscribe_url_inside_an_attribute():
    template = compile_template('<a href="{{ unsubscribe_url }}">x</a>')
    assert render(template, FIELDS, html=True) == '<a href="https://x.fr/d/a?b=1&amp;c=2">x</a>'


def test_it_derives_readable_text_from_html():
    html = (
        "<html><head><style>p {color: red}</style></head><body><h1>Soldes</h1>"
        "<p>Bonjour {{ first_name }},<br>venez voir <a href='https://b.fr/x'>nos prix</a>.</p>"
        "<ul><li>Pain</li><li>Brioche</li></ul></body></html>"
    )
    assert html_to_text(html) == (
        "Soldes\n\nBonjour {{ first_name }},\nvenez voir nos prix (https://b.fr/x).\n\n"
        "- Pain\n- Brioche\n"
    )
