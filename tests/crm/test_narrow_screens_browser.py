"""Pages the owner walked through on a phone (390 px) and a laptop (1366 px): nothing sticks
out of the window, nothing covers anything else."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audience.models import Signup
from campaigns.models import Delivery
from tests.campaigns.conftest import make_campaign
from tests.conftest import log_in
from tests.contacts.factories import make_contact

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}


def _page_width(page) -> tuple[int, int]:
    return page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")


def _assert_no_sideways_scroll(page) -> None:
    width, window = _page_width(page)
    assert width <= window, f"the page is {width} px wide in a {window} px window"


def _overlap(page, first: str, second: str) -> bool:
    """Whether the first element matching `first` and the one matching `second` overlap."""
    a, b = page.locator(first).first.bounding_box(), page.locator(second).first.bounding_box()
    assert a and b, f"{first} or {second} is not shown"
    return (
        a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]
    )  # fmt: skip


def _inside(page, inner: str, outer: str) -> bool:
    a, b = page.locator(inner).first.bounding_box(), page.locator(outer).first.bounding_box()
    return b["x"] - 0.5 <= a["x"] and a["x"] + a["width"] <= b["x"] + b["width"] + 0.5


def test_the_campaign_report_chart_fits_a_phone(transactional_db, live_server, page, alice):
    campaign = make_campaign(status="sent")
    start = timezone.now() - timedelta(hours=3)
    for i in range(6):
        contact = make_contact(first_name=f"C{i}", email=f"c{i}@exemple.fr")
        sent = start + timedelta(minutes=20 * i)
        opened = sent + timedelta(minutes=5) if i % 2 else None
        Delivery.objects.create(
            campaign=campaign, contact=contact, email=contact.email, status="sent",
            sent_at=sent, opened_at=opened,
        )  # fmt: skip
    log_in(page, live_server.url, "alice")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/admin/campaigns/campaign/{campaign.pk}/report/")
    chart = page.locator("#campaign-chart")
    expect(chart.locator("polyline")).to_have_count(3)
    _assert_no_sideways_scroll(page)
    assert chart.bounding_box()["width"] <= PHONE["width"] - 20
    page.set_viewport_size(LAPTOP)
    assert chart.bounding_box()["width"] >= 600  # still readable on a computer


def test_the_latest_sign_ups_fit_a_phone(transactional_db, live_server, page, alice):
    Signup.objects.create(
        email="marie-charlotte.delaunay-bertin@boulangerie-exemple.fr",
        first_name="Marie-Charlotte", last_name="Delaunay-Bertin",
        form_version=1, consent_text="Oui", language="fr",
    )  # fmt: skip
    log_in(page, live_server.url, "alice")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/admin/audience/signuppage/")
    expect(page.locator("#latest-signups tbody tr")).to_have_count(1)
    _assert_no_sideways_scroll(page)
    assert _inside(page, "#latest-signups table", "#content")


def test_the_two_step_button_fits_a_phone(transactional_db, live_server, page, alice):
    log_in(page, live_server.url, "alice")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/admin/reglages/connexion-en-deux-etapes/")
    button = "#two-step input[type=submit]"
    expect(page.locator(button)).to_have_value("Activer la connexion en deux étapes")
    _assert_no_sideways_scroll(page)
    assert _inside(page, button, "#two-step")


def test_the_contact_buttons_leave_the_title_alone(transactional_db, live_server, page, alice):
    elodie = make_contact(first_name="Élodie", last_name="Lefèvre", email="elodie@exemple.fr")
    log_in(page, live_server.url, "alice")
    for size in (LAPTOP, PHONE):
        page.set_viewport_size(size)
        page.goto(f"{live_server.url}/admin/contacts/contact/{elodie.pk}/change/")
        expect(page.locator(".object-tools li")).to_have_count(4)
        for i in range(4):
            tool = f".object-tools li >> nth={i}"
            assert not _overlap(page, "#content h1", tool), f"button {i} covers the title"
        _assert_no_sideways_scroll(page)


def test_the_contacts_list_tools_are_whole(transactional_db, live_server, page, alice):
    make_contact(first_name="Élodie", email="elodie@exemple.fr")
    log_in(page, live_server.url, "alice")
    for size in (LAPTOP, PHONE):
        page.set_viewport_size(size)
        page.goto(f"{live_server.url}/admin/contacts/contact/")
        add = page.locator(".object-tools a.addlink")
        expect(add).to_contain_text("Ajouter contact")
        # The "+" is a background image at the link's right, beside the words.
        text_right, icon_left = add.evaluate(
            """async a => {
                 const r = document.createRange(); r.selectNodeContents(a);
                 const s = getComputedStyle(a), image = new Image();
                 image.src = s.backgroundImage.slice(5, -2); await image.decode();
                 const offset = s.backgroundPositionX.match(/(\\d+(\\.\\d+)?)px/)[1];
                 return [r.getBoundingClientRect().right,
                         a.getBoundingClientRect().right - parseFloat(offset) - image.width];
               }"""
        )
        assert text_right <= icon_left, "the + icon covers the last letter"
        box = add.bounding_box()
        assert box["x"] + box["width"] <= size["width"]
        action = page.locator("#changelist-form .actions select[name=action]")
        width = action.evaluate("s => s.getBoundingClientRect().width")
        needed = action.evaluate(
            """s => { const c = document.createElement('canvas').getContext('2d');
                      c.font = getComputedStyle(s).font;
                      return c.measureText(s.options[s.selectedIndex].text).width; }"""
        )
        assert width >= needed + 20, "the action menu is too narrow to read its choice"
        _assert_no_sideways_scroll(page)


def test_the_import_preview_scrolls_in_its_own_box(live_server, page, alice, worker, tmp_path):
    upload = tmp_path / "salon.csv"
    upload.write_text(
        "Prénom;Nom;Courriel;Portable;Société;Instagram\r\n"
        "Marie-Charlotte;Delaunay-Bertin;marie-charlotte.delaunay@exemple.fr;06 12 34 56 78;"
        "Boulangerie-Pâtisserie du Vieux Moulin;https://www.instagram.com/boulangerie.moulin\r\n",
        encoding="utf-8",
    )
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/admin/contacts/importjob/upload/")
    page.set_input_files("#id_file", str(upload))
    page.check("input[name=basis][value=customer]")
    with page.expect_navigation():
        page.click("input[type=submit]")
    expect(page.locator("table.preview-rows tbody tr")).to_have_count(1, timeout=60_000)
    hint = page.locator(".import-table-scroll .scroll-hint")
    expect(hint).to_be_hidden()  # a computer shows the whole table
    page.set_viewport_size(PHONE)
    expect(hint).to_be_visible()
    expect(hint).to_have_text("Faites défiler le tableau →")
    _assert_no_sideways_scroll(page)
    box = page.locator(".import-table-scroll").first
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")  # the table scrolls in its box


def test_the_dashboard_says_once_that_the_workers_run(transactional_db, live_server, page, alice):
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/admin/")
    expect(page.locator("#workers")).to_be_visible()  # the dashboard's own card says it
    assert page.locator("#workers-status").count() == 0
    page.goto(f"{live_server.url}/admin/contacts/contact/")
    expect(page.locator("#workers-status")).to_be_visible()  # other pages keep the footer
