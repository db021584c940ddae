"""XSS: what contacts and visitors write is shown as text on every page, email and preview.

Every text field of one of everything (tests/faults/pages.py: contacts, companies, tags,
notes, consent proofs, segments, campaigns, the business, the sign-up page and its sign-ups,
imports' file names and reasons, outage notice texts, users…) holds an attack numbered
after its field: a <script>, a tag breaking out of an attribute, template syntax for the
fields that reach a campaign's templates, javascript: in the link fields. Then every page
the URL walk reaches is loaded in Chromium as the owner, with the page's
Content-Security-Policy bypassed (the text must be escaped, not merely blocked), and so are
the public pages' forms, the campaign email as the loopback SMTP server received it, and
the previews' frames. A dialog, an attack's element or handler in the document, or an
attack written unescaped in the HTML fails the test.

The bodies of campaigns and notices are the owner's own HTML: their email carries it as
written. They are checked where someone else may read them: the public news page (nh3)
and the previews, which are sandboxed frames.
"""

import re

import pytest
from django.test import Client
from django.utils.html import escape

from campaigns import services
from campaigns.models import Business, Campaign
from tests.campaigns import conftest as campaign_fixtures
from tests.faults import pages

pytestmark = pytest.mark.browser
smtp = campaign_fixtures.smtp  # the loopback SMTP server

# One attack per field, numbered n; the longest that fits the field is used.
ATTACKS = (
    '<script>alert({n})</script>"><img src=x onerror=alert({n}) class=xss{n}>'
    "'><svg onload=alert({n}) class=xss{n}>{{{{ email }}}}{{% debug %}}",
    '"><img src=x onerror=alert({n}) class=xss{n}>{{{{ email }}}}',
    '"><i class=xss{n}>',
)
# For the fields that are campaign templates: an attack a template may hold.
IN_A_TEMPLATE = (
    '<script>alert({n})</script>"><img src=x onerror=alert({n}) class=xss{n}>{{{{ first_name }}}}'
)
# For the bodies, the owner's own HTML: scripts, handlers and a javascript: link.
OWN_HTML = ('<p class="own{n}">Bonjour {{{{ first_name }}}} {{{{ last_name }}}} de '
            '{{{{ company }}}}</p><script>alert({n})</script><img src=x onerror=alert({n})>'
            '<a href="javascript:alert({n})">lien</a>')  # fmt: skip
# For the link fields: an address the form accepts (no space), breaking out of href="…".
IN_A_LINK = 'https://exemple.fr/"><svg/class=xss{n}/onload=alert({n})>'
TEMPLATES = re.compile(r"^(campaign|notice|noticetemplate_\w+)\.(subject|preheader|text_body)$")
# Written unescaped, any of these is an attack that reached the HTML.
RAW = ("<script>alert(", "<img src=x onerror", "<svg onload", "<svg/class=xss", "<i class=xss")


class Attacks:
    """Write each field with its own numbered attack; remember which field got which."""

    def __init__(self):
        self.fields: dict[int, str] = {}

    def __call__(self, where: str, size: int) -> str:
        n = len(self.fields) + 1
        self.fields[n] = where
        if where.endswith("html_body"):
            return OWN_HTML.format(n=n)
        if pages.is_link(where):
            return IN_A_LINK.format(n=n)
        if TEMPLATES.match(where):
            return IN_A_TEMPLATE.format(n=n)
        attack = next(a.format(n=n) for a in ATTACKS if len(a.format(n=n)) <= size)
        if where.startswith("business."):  # its fields refuse template syntax at input
            attack = attack.replace("{{ email }}", "").replace("{% debug %}", "")
        return attack


# Run in the page and in each of its frames: what of the attacks is in the document.
FOUND = """(frame) => {
  const found = [];
  for (const e of document.querySelectorAll("*")) {
    const cls = [...e.classList].find(c => /^xss\\d+/.test(c));
    if (cls) found.push(`element <${e.tagName.toLowerCase()} class=${cls}>`);
    if (frame) continue;  // a preview frame shows the owner's own HTML, sandboxed
    for (const a of e.attributes) {
      if (/^on/i.test(a.name) && /alert\\(/.test(a.value))
        found.push(`handler ${a.name}=${a.value}`);
      if (/^(href|src|action|formaction)$/i.test(a.name) && /^\\s*javascript:/i.test(a.value))
        found.push(`link ${e.tagName.toLowerCase()} ${a.name}=${a.value}`);
    }
    if (e.tagName === "SCRIPT" && (!e.type || /javascript|module/.test(e.type))
        && /alert\\(/.test(e.textContent)) found.push(`script ${e.textContent.slice(0, 80)}`);
  }
  return found;
}"""


def raw_attacks(html: str) -> list[str]:
    """Return the attacks written unescaped in `html`."""
    return [piece for piece in RAW if piece in html]


class Browser:
    """A Chromium page with the owner's session, that ignores Content-Security-Policy."""

    def __init__(self, browser, base_url: str, session: str | None):
        self.context = browser.new_context(locale="fr-FR", bypass_csp=True)
        if session:
            self.context.add_cookies([{"name": "sessionid", "value": session, "url": base_url}])
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.dialogs: list[str] = []
        self.page.on("dialog", self._dialog)
        self.base_url = base_url

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def problems(self, url: str, html: str | None = None) -> list[str]:
        """Load `url` (or show `html`), and return what of the attacks it shows."""
        if html is None:
            html = self.page.goto(self.base_url + url, wait_until="load").text()
        else:
            self.page.set_content(html, wait_until="load")
        return self._found(html)

    def submit(self) -> list[str]:
        """Send the page's form; return what of the attacks the answer shows."""
        with self.page.expect_navigation(wait_until="load") as answer:
            self.page.locator("form [type=submit]").first.click()
        return self._found(answer.value.text())

    def _found(self, html: str) -> list[str]:
        found = [f"raw {piece}" for piece in raw_attacks(html)]
        found += self.page.main_frame.evaluate(FOUND, False)
        for frame in self.page.frames[1:]:
            found += [f"frame {p}" for p in frame.evaluate(FOUND, True)]
        found += [f"dialog {d}" for d in self.dialogs]
        self.dialogs.clear()
        return found

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def attacked(transactional_db, alice):
    attacks = Attacks()
    seeded = pages.seed(attacks, owner=alice)
    _editor_draft(seeded)
    yield attacks, seeded
    pages.discard(seeded)


def test_the_detector_sees_each_attack_written_unescaped(browser):
    """What the walk looks for is found when it is there (so that its silence means it)."""
    reader = Browser(browser, "", None)
    try:
        for attack in (*ATTACKS, IN_A_TEMPLATE, IN_A_LINK):
            html = f'<p>{attack.format(n=7)}</p><a href="{IN_A_LINK.format(n=8)}">x</a>'
            found = " ".join(reader.problems("", html=html))
            assert "raw" in found and "element" in found, attack
        found = " ".join(reader.problems("", html=OWN_HTML.format(n=9)))
        assert all(kind in found for kind in ("raw", "handler", "link", "script", "dialog"))
    finally:
        reader.close()


def test_a_link_field_refuses_a_javascript_address_in_french(db, client, alice):
    client.force_login(alice)
    Business.objects.get_or_create(pk=1)
    fields = {"name": "Boulangerie", "postal_address": "12 rue", "brand_colour": "#2f6f8f"}
    for name in ("website", "telegram_url", "signal_url", "whatsapp_url"):
        response = client.post("/admin/campaigns/business/1/change/",
                               {**fields, name: "javascript:alert(1)//"})  # fmt: skip
        assert "Saisissez une URL valide." in response.content.decode(), name
    response = client.post(
        "/admin/contacts/company/add/", {"name": "Fournil", "website": "javascript:alert(1)//"}
    )
    assert "Saisissez une URL valide." in response.content.decode()


def test_the_link_attacks_are_addresses_the_forms_accept():
    from django.core.validators import URLValidator

    URLValidator()(IN_A_LINK.format(n=1))


def _editor_draft(seeded) -> None:
    """The draft is written in the editor: its body is loaded into the page's editor."""
    Campaign.objects.filter(pk=seeded["draft"].pk).update(body_format="editor")


@pytest.fixture
def owner(browser, live_server, alice):
    client = Client()
    client.force_login(alice)
    chromium = Browser(browser, live_server.url, client.cookies["sessionid"].value)
    yield chromium
    chromium.close()


def _html_pages(walked: list, alice) -> list[str]:
    client = Client()
    client.force_login(alice)
    found = []
    for _route, _pattern, url in walked:
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            found.append(url)
    return found


def _reflecting(seeded, attacks: Attacks) -> list[str]:
    """Addresses that write back what they are given: searches, the preview's contact…"""
    attack = attacks("query", 200).replace("{{", "").replace("{%", "")
    q = f"?q={attack}"
    return [
        f"/admin/contacts/contact/{q}", f"/admin/campaigns/campaign/{q}",
        f"/admin/contacts/company/{q}", f"/admin/audience/signup/{q}",
        f"/admin/campaigns/campaign/{seeded['campaign'].pk}/preview/?contact={attack}",
        f"/admin/campaigns/campaign/{seeded['draft'].pk}/preview/?contact={seeded['contact'].pk}",
        f"/inscription/?lang={attack}", f"/nouvelles/?lang={attack}",
    ]  # fmt: skip


def test_every_page_shows_the_attacks_as_text(attacked, owner, alice):
    attacks, seeded = attacked
    urls = _html_pages(pages.every_url(seeded), alice) + _reflecting(seeded, attacks)
    assert len(urls) > 80 and len(attacks.fields) > 60
    problems = {url: found for url in urls if (found := owner.problems(url))}
    assert problems == {}


def test_the_seeded_attacks_are_shown_on_the_pages(attacked, owner):
    """The walk sees the attacks: each is on its page, as text (a test that can fail)."""
    _attacks, seeded = attacked
    contact = seeded["contact"]
    owner.page.goto(f"{owner.base_url}/admin/contacts/contact/{contact.pk}/change/")
    assert owner.page.locator("[name=notes]").input_value() == contact.notes
    assert contact.first_name in owner.page.locator("#content").inner_text()
    owner.page.goto(f"{owner.base_url}/nouvelles/")
    assert seeded["contact"].first_name not in owner.page.content()  # nobody's data there
    articles = owner.page.locator("main").inner_text()
    subject = seeded.texts["campaign.subject"].replace("{{ first_name }}", "")
    assert subject in articles  # the subject, as text; the body's scripts are gone (nh3)


def test_the_public_forms_write_back_the_attacks_as_text(attacked, browser, live_server):
    attacks, seeded = attacked
    visitor = Browser(browser, live_server.url, None)
    try:
        page = visitor.page
        page.goto(f"{live_server.url}/inscription/?lang=fr")
        written = {
            name: attacks(f"signup_form.{name}", 150)
            for name in ("first_name", "last_name", "phone")
        }
        for name, attack in written.items():
            page.fill(f"[name={name}]", attack)
        page.fill("[name=email]", "pas-une-adresse")
        assert visitor.submit() == []  # refused: the form again, with what was written
        assert page.locator("[name=first_name]").input_value() == written["first_name"]
        token = seeded.tokens["signup_confirm"]
        assert visitor.problems(f"/inscription/confirmer/{token}/") == []
        assert visitor.submit() == []  # confirmed: the page names the contact
        assert visitor.problems(f"/desinscription/{seeded.tokens['unsubscribe']}/") == []
        assert visitor.submit() == []  # unsubscribed
    finally:
        visitor.close()


def test_the_campaign_email_shows_the_contacts_attacks_as_text(attacked, smtp, browser):
    _attacks, seeded = attacked
    sent = seeded["campaign"]
    campaign = Campaign.objects.create(
        **{name: getattr(sent, name) for name in ("name", "subject", "preheader", "html_body",
                                                  "text_body", "from_name", "from_email")}
    )  # fmt: skip
    services.schedule(campaign)
    services.start(campaign)
    _send_all(campaign)
    (received,) = smtp.to(seeded["contact"].email)
    html = received.message.get_body(("html",)).get_content()
    contact = seeded["contact"]
    for value in (contact.first_name, contact.last_name, contact.company.name):
        assert escape(value) in html and value not in html
    assert "{% debug %}" in html  # a merge field's value is never a template
    reader = Browser(browser, "", None)
    try:
        found = reader.problems("", html=html)
    finally:
        reader.close()
    # The owner's body is sent as written (its <script>, its handlers): mail programs run
    # none. Only what others wrote must not become markup: no attack's element.
    assert [f for f in found if f.startswith(("element", "raw <i class", "frame"))] == []


def _send_all(campaign) -> None:
    from campaigns.sending.batch import send_batch

    while send_batch(campaign.pk):
        pass


def test_the_sign_up_confirmation_shows_the_attacks_as_text(attacked, browser):
    """Carnet's own email to a visitor: the visitor's name and the business's words."""
    from audience.signups import confirmation_email

    _attacks, seeded = attacked
    html = confirmation_email(seeded["signup"]).html
    assert escape(seeded["signup"].first_name) in html
    reader = Browser(browser, "", None)
    try:
        assert reader.problems("", html=html) == []
    finally:
        reader.close()
