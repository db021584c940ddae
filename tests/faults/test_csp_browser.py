"""Content-Security-Policy: every page of Carnet works in Chromium under its policy.

The walk takes every URL pattern of the resolver (tests/faults/pages.py: the admin's
models, its custom views, the public pages), so a new page is covered the day it is added.
Each page that answers HTML is loaded as the owner, then as a reader and as a visitor; a
violation reported in the console or by a `securitypolicyviolation` event, or a script
error, fails the test. The header itself
is checked on every answer: present, scripts from 'self' or the page's nonce only, never
'unsafe-inline' nor 'unsafe-eval'. The editor is typed in, and the emails shown in the
admin stay in sandboxed frames with a policy of their own.
"""

import base64
import contextlib
import hashlib
import re
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import Error, expect

from audience import share
from audience.models import Signup
from contacts.models import Tag
from crm import roles
from tests.campaigns.editor_steps import write_the_sales_message
from tests.conftest import PASSWORD, log_in
from tests.faults import pages

# Watches every frame from its first line (an init script is not subject to the policy).
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} in ${e.sourceFile}`
  );
});
"""
# What a page's script-src may hold: the site itself and the page's nonce, nothing wider.
UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "http:", "https:", "data:")


def directives(header: str) -> dict[str, list[str]]:
    """Return a Content-Security-Policy header's directives, by name."""
    parsed = {}
    for part in filter(str.strip, header.split(";")):
        name, *values = part.split()
        parsed.setdefault(name, values)
    return parsed


def policy_problems(header: str | None, html: str) -> list[str]:
    """Return what is wrong with a page's policy (none, unsafe scripts, a wrong nonce)."""
    if not header:
        return ["no Content-Security-Policy header"]
    policy = directives(header)
    scripts = policy.get("script-src", policy.get("default-src"))
    problems = [f"script-src allows {value}" for value in scripts or [] if value in UNSAFE]
    if scripts is None:
        problems.append("no script-src nor default-src")
    if "'none'" not in policy.get("object-src", policy.get("default-src", [])):
        problems.append("object-src is not 'none'")
    if "base-uri" not in policy or "frame-ancestors" not in policy:
        problems.append("no base-uri or frame-ancestors")
    for nonce in set(re.findall(r'\snonce="([^"]*)"', html)):
        if f"'nonce-{nonce}'" not in scripts:
            problems.append(f"the page's nonce {nonce!r} is not in script-src")
    if "<script" in html and not any(value.startswith("'nonce-") for value in scripts):
        problems.append("a page with scripts and no nonce in script-src")
    return problems


class Watcher:
    """Collect the CSP violations and script errors of a page, its frames included."""

    def __init__(self, page):
        self.page, self.seen = page, []
        page.context.add_init_script(WATCH)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.seen.append(f"script error: {error}"))

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.seen.append(f"console: {message.text}")

    def collect(self) -> list[str]:
        """Return and forget what was seen since the last call, events of every frame too."""
        for frame in self.page.frames:
            # A sandboxed frame runs no script, not even this one: its console tells.
            with contextlib.suppress(Error):
                self.seen += frame.evaluate("window.__cspViolations || []")
        seen, self.seen = self.seen, []
        return seen


@pytest.fixture
def walked(transactional_db, alice):
    seeded = pages.seed(owner=alice)
    yield seeded, pages.every_url(seeded)
    pages.discard(seeded)


def _html_pages(walked_urls, user) -> tuple[list[str], list[str]]:
    """Return the addresses that answer HTML to `user` (None: a visitor), and the problems
    of every header answered."""
    client = Client()
    if user is not None:
        client.force_login(user)
    html, problems = [], []
    for route, _pattern, url in walked_urls:
        response = client.get(url)
        if response.status_code in (301, 302, 405) or not response.has_header("Content-Type"):
            continue
        if not response["Content-Type"].startswith("text/html"):
            continue
        body = response.content.decode()
        for problem in policy_problems(response.headers.get("Content-Security-Policy"), body):
            problems.append(f"{route} ({url}): {problem}")
        html.append(url)
    return html, problems


def _walk(page, base_url: str, urls: list[str]) -> None:
    """Load every address in Chromium: its policy sound, nothing refused, no script error."""
    watcher = Watcher(page)
    for url in urls:
        response = page.goto(base_url + url)
        header = response.header_value("content-security-policy")
        assert policy_problems(header, response.text()) == [], url
        assert watcher.collect() == [], url


@pytest.mark.browser
def test_every_page_loads_without_a_violation(walked, live_server, page, alice):
    _seeded, walked_urls = walked
    urls, problems = _html_pages(walked_urls, alice)
    assert problems == []
    assert len(urls) > 80  # changelists, change and add forms, custom views, public pages
    visited = "\n".join(urls)
    for expected in ("/admin/campaigns/campaign/add/", "/preview/", "/report/", "/inscription/",
                     "/nouvelles/", "/desinscription/", "/inscription/confirmer/"):  # fmt: skip
        assert expected in visited
    log_in(page, live_server.url, "alice")
    _walk(page, live_server.url, urls)


@pytest.mark.browser
def test_a_reader_and_a_visitor_see_theirs_without_a_violation(walked, live_server, page, alice):
    """A reader has read-only forms and lists without actions (Django's own inline style);
    a visitor, the login page and the public pages."""
    _seeded, walked_urls = walked
    reader = User.objects.create_user("rose", "rose@exemple.fr", PASSWORD, is_staff=True)
    roles.set_role(reader, roles.VIEWER)
    visitor_urls, problems = _html_pages(walked_urls, None)
    reader_urls, more = _html_pages(walked_urls, reader)
    assert problems + more == []
    assert "/admin/login/" in visitor_urls and "/inscription/" in visitor_urls
    assert "/admin/contacts/contact/" in reader_urls
    _walk(page, live_server.url, visitor_urls)
    _see_the_lockout_page(page, live_server.url)
    log_in(page, live_server.url, "rose")
    # Lists, forms and custom views; an object's history is the owner's walk's template.
    shown = [url for url in reader_urls if url.startswith("/admin/")]
    _walk(page, live_server.url, [url for url in shown if not url.endswith("/history/")])
    page.goto(f"{live_server.url}/admin/contacts/contact/")
    assert page.locator("#changelist-form .actions").count() == 0  # the inline style's case


def _see_the_lockout_page(page, base_url: str) -> None:
    watcher = Watcher(page)
    for _try in range(settings.LOGIN_FAILURE_LIMIT):
        Client().post("/admin/login/", {"username": "nobody", "password": "faux"})
    page.goto(f"{base_url}/admin/login/")
    page.fill("#id_username", "nobody")
    page.fill("#id_password", "faux")
    with page.expect_response(lambda r: r.status == 429) as locked:
        page.click("input[type=submit]")
    expect(page.locator("body.carnet-lockout")).to_be_visible()
    assert policy_problems(locked.value.header_value("content-security-policy"), "") == []
    assert watcher.collect() == []


@pytest.mark.browser
def test_the_sign_up_snippet_posts_from_another_site(
    transactional_db, live_server, page, settings
):
    """The snippet lives under the business's site's policy; Carnet only answers it."""
    settings.SITE_URL = live_server.url
    shop = "https://boulangerie-lefevre.fr/newsletter"
    # Their site must let its forms post to Carnet; its other rules are its own business.
    policy = f"form-action 'self' {live_server.url}"
    snippet = share.snippet("fr")
    page.route(shop, lambda route: route.fulfill(
        body=f"<!doctype html><html><body>{snippet}</body></html>",
        content_type="text/html", headers={"Content-Security-Policy": policy},
    ))  # fmt: skip
    watcher = Watcher(page)
    page.goto(shop)
    page.fill("input[name=email]", "lea@exemple.fr")
    page.fill("input[name=first_name]", "Léa")
    page.check("input[name=consent]")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url.startswith(f"{live_server.url}/inscription/merci/")
    assert watcher.collect() == []
    assert Signup.objects.filter(email="lea@exemple.fr").exists()


@pytest.mark.browser
def test_the_watcher_sees_what_the_policy_refuses(transactional_db, live_server, page, alice):
    watcher = Watcher(page)
    log_in(page, live_server.url, "alice")
    assert watcher.collect() == []
    page.evaluate("""() => {
      document.body.insertAdjacentHTML("beforeend", '<p style="color: red">rouge</p>');
      const script = document.createElement("script");
      script.textContent = "window.ran = true";
      document.body.append(script);
    }""")
    page.wait_for_timeout(200)  # the events are queued as tasks
    seen = "\n".join(watcher.collect())
    assert "style-src-attr" in seen and "script-src-elem" in seen
    assert page.evaluate("window.ran") is None


@pytest.mark.browser
def test_the_editor_is_typed_in_without_a_violation(transactional_db, live_server, page, alice):
    Tag.objects.create(name="Fidèles")
    watcher = Watcher(page)
    log_in(page, live_server.url, "alice")
    response = page.goto(f"{live_server.url}/admin/campaigns/campaign/add/")
    styles = directives(response.header_value("content-security-policy"))["style-src"]
    assert any(value.startswith("'nonce-") for value in styles)
    write_the_sales_message(page, "Les soldes", "https://boulangerie-lefevre.fr")
    # The audience's chooser (Django's autocomplete, Select2) opens, searches, picks.
    page.click(".field-tags .select2-selection")
    page.keyboard.type("Fid")
    page.click(".select2-results__option >> text=Fidèles")
    expect(page.locator(".field-tags .select2-selection__choice")).to_contain_text("Fidèles")
    # TipTap's own stylesheet is in the page, allowed by the page's nonce.
    tiptap_nonce = page.locator("style[data-tiptap-style]").evaluate("style => style.nonce")
    assert tiptap_nonce and tiptap_nonce == page.locator("script[nonce]").first.evaluate(
        "script => script.nonce"
    )
    assert watcher.collect() == []


@pytest.mark.browser
def test_the_preview_stays_a_sandboxed_frame_with_a_policy_of_its_own(
    walked, live_server, page, alice
):
    seeded, _urls = walked
    watcher = Watcher(page)
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/admin/campaigns/campaign/{seeded['draft'].pk}/preview/")
    frames = page.locator("iframe.preview-frame")
    expect(frames).to_have_count(2)
    for i in range(2):
        assert frames.nth(i).get_attribute("sandbox") == ""  # no script, an opaque origin
        assert frames.nth(i).get_attribute("srcdoc") is None
    body = page.frame_locator("#preview-frame").locator("body")
    expect(body).to_contain_text(seeded.texts["draft.html_body"])
    assert watcher.collect() == []  # the email's own styles, in the frame, violate nothing
    src = frames.first.get_attribute("src")
    framed = page.request.get(live_server.url + src)
    policy = directives(framed.headers["content-security-policy"])
    assert policy["default-src"] == ["'none'"] and "sandbox" in policy
    assert policy["style-src"] == ["'unsafe-inline'"] and "script-src" not in policy
    assert policy["frame-ancestors"] == ["'self'"]
    assert framed.headers["x-frame-options"] == "SAMEORIGIN"


def test_a_kept_message_is_shown_to_its_user_only(transactional_db, alice, bob):
    from campaigns.admin.views import message_frame_url

    url = message_frame_url(alice, "<p>Bonjour Marie</p>")
    owner, teammate = Client(), Client()
    owner.force_login(alice)
    teammate.force_login(bob)
    assert owner.get(url).content == b"<p>Bonjour Marie</p>"
    assert teammate.get(url).status_code == 404
    assert owner.get(url.split("=")[0] + "=" + "0" * 64).status_code == 404  # nobody's key
    assert Client().get(url).status_code == 302  # to the login page


def test_the_hash_allowed_for_django_s_change_list_style_is_that_style():
    """A Django upgrade that changes the inline <style> of its change list fails here."""
    template = Path(django.__file__).parent / "contrib/admin/templates/admin/change_list.html"
    style = re.search(r"<style>(.*?)</style>", template.read_text(), re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    styles = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"]
    assert f"'sha256-{digest}'" in styles
