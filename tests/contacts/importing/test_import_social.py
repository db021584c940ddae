import pytest

from contacts.importing import jobs
from contacts.models import Contact
from tests.contacts.importing.conftest import as_json, counts, run_import, zipped

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("either_reader")]

LINKEDIN = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses '
    'are missing. You will only see email addresses for connections who allowed it."\n'
    "\n"
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    "Élodie,Lefèvre,https://www.linkedin.com/in/elodie-lef%C3%A8vre,,Boulangerie,Gérante,"
    "05 Jan 2026\n"
    'Sam,"Lefèvre, PhD",https://www.linkedin.com/in/sam,sam@exemple.fr,,,12 Feb 2025\n'
    ",,,,,,03 Mar 2024\n"
)
LINKEDIN_2018 = (
    "First Name,Last Name,Email Address,Company,Position,Connected On\r\n"
    'Ana,Lima,,Studio,Designer,"1/8/18, 6:14 PM"\r\n'
)


def test_it_reads_linkedin_connections_below_their_notes(tmp_path):
    summary = run_import(tmp_path, "Connections.csv", LINKEDIN)
    assert counts(summary) == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "skipped": 1,
        "errors": 0,
    }
    elodie = Contact.objects.get(first_name="Élodie")
    assert elodie.email == "" and elodie.job_title == "Gérante"
    assert elodie.handles.get().value == "https://linkedin.com/in/elodie-lefèvre"
    assert Contact.objects.get(email="sam@exemple.fr").last_name == "Lefèvre, PhD"
    assert counts(run_import(tmp_path, "Connections.csv", LINKEDIN))["unchanged"] == 2


def test_a_profile_address_that_cannot_be_read_is_left_out_and_said(tmp_path):
    # urlsplit() refuses a lone "[" (an IPv6 host left open): the person still comes in.
    rows = (
        "First Name,Last Name,URL,Email Address,Connected On\n"
        "Léa,Roux,https://[,lea@exemple.fr,05 Jan 2026\n"
    )
    path = tmp_path / "Connections.csv"
    path.write_text(rows)
    job = jobs.run_files([path])
    assert (job.created, job.errors) == (1, 0)
    assert not Contact.objects.get(email="lea@exemple.fr").handles.exists()
    reason = "https://[ n’est pas une adresse web lisible : non enregistrée."
    assert job.report["problems"] == [{"file": "Connections.csv", "line": 2, "reason": reason}]


def test_a_2018_linkedin_export_without_urls_imports_once(tmp_path):
    run_import(tmp_path, "Connections.csv", LINKEDIN_2018)
    assert counts(run_import(tmp_path, "Connections.csv", LINKEDIN_2018))["created"] == 0
    assert Contact.objects.get().company.name == "Studio"


FRIENDS = {
    "friends_v2": [
        {"name": "Jos\u00c3\u00a9 Mu\u00c3\u00b1oz", "timestamp": 1600000000},
        {"name": "José Correct", "timestamp": 1600000001},
        {"name": "Marie Martin", "timestamp": 1600000002},
        {"name": "Marie Martin", "timestamp": 1600000003},
    ]
}


def test_it_reads_facebook_friends_repairing_mojibake_and_imports_them_once(tmp_path):
    data = as_json(FRIENDS)
    assert counts(run_import(tmp_path, "your_friends.json", data))["created"] == 4
    assert Contact.objects.filter(first_name="José", last_name="Muñoz").exists()
    assert Contact.objects.filter(first_name="José", last_name="Correct").exists()
    assert Contact.objects.filter(first_name="Marie", last_name="Martin").count() == 2
    assert counts(run_import(tmp_path, "your_friends.json", data))["created"] == 0
    assert Contact.objects.count() == 4


def test_it_reads_the_facebook_address_book(tmp_path):
    book = {
        "address_book_v2": {
            "address_book": [
                {
                    "name": "L\u00c3\u00a9a",
                    "details": [
                        {"contact_point": "06 12 34 56 78"},
                        {"contact_point": "lea@exemple.fr"},
                    ],
                    "created_timestamp": 1500000000,
                }
            ]
        }
    }
    run_import(tmp_path, "your_address_books.json", as_json(book))
    lea = Contact.objects.get()
    assert (lea.first_name, lea.phone, lea.email) == ("Léa", "+33612345678", "lea@exemple.fr")


def test_it_reads_instagram_followers_and_both_following_shapes(tmp_path):
    followers = [
        {
            "title": "",
            "media_list_data": [],
            "string_list_data": [
                {
                    "href": "https://www.instagram.com/la_fleuriste",
                    "value": "la_fleuriste",
                    "timestamp": 1,
                }
            ],
        }
    ]
    following = {
        "relationships_following": [
            {
                "title": "atelier.z",
                "string_list_data": [
                    {"href": "https://www.instagram.com/_u/atelier.z", "timestamp": 2}
                ],
            },
            {
                "string_list_data": [
                    {"href": "https://www.instagram.com/_u/Le.Garage", "timestamp": 3}
                ]
            },
            {
                "string_list_data": [
                    {
                        "href": "https://www.instagram.com/la_fleuriste",
                        "value": "La_Fleuriste",
                        "timestamp": 4,
                    }
                ]
            },
        ]
    }
    archive = zipped(
        {
            "connections/followers_and_following/followers_1.json": as_json(followers),
            "connections/followers_and_following/following.json": as_json(following),
            "media/photo.jpg": b"\xff\xd8\xff",
        }
    )
    run_import(tmp_path, "instagram.zip", archive)
    handles = set(Contact.objects.values_list("handles__value", flat=True))
    assert handles == {"la_fleuriste", "atelier.z", "le.garage"}
    assert counts(run_import(tmp_path, "instagram.zip", archive))["created"] == 0


def test_it_reads_a_telegram_export(tmp_path):
    export = {
        "contacts": {
            "about": "…",
            "list": [
                {
                    "user_id": 42,
                    "first_name": "Nina",
                    "last_name": "Roy",
                    "phone_number": "+33 6 12 34 56 78",
                    "date": "2024-01-01T10:00:00",
                },
                {"date": "2023-01-01T10:00:00", "date_unixtime": "1672567200"},
            ],
        }
    }
    summary = run_import(tmp_path, "result.json", as_json(export))
    assert counts(summary)["created"] == 1 and counts(summary)["skipped"] == 1
    assert Contact.objects.get().phone == "+33612345678"


def test_a_facebook_archive_imports_friends_and_ignores_the_rest(tmp_path):
    archive = zipped(
        {
            "connections/friends/your_friends.json": as_json(FRIENDS),
            "your_facebook_activity/messages/inbox/ana_1/message_1.json": as_json(
                {"participants": [{"name": "Ana"}], "messages": [{"content": "Salut"}]}
            ),
            "your_facebook_activity/posts/your_posts_1.json": as_json([{"data": [{"post": "x"}]}]),
            "media/photo.jpg": b"\xff\xd8\xff",
        }
    )
    assert counts(run_import(tmp_path, "facebook-jean.zip", archive))["created"] == 4


def test_a_linkedin_archive_imports_connections_with_any_script(tmp_path):
    connections = LINKEDIN.replace("Sam,", "Сергей 🚀,")
    archive = zipped(
        {
            "Connections.csv": connections,
            "messages.csv": "CONVERSATION ID,FROM,TO,DATE,CONTENT\n1,a,b,2024-01-01,hello\n",
            "Profile.csv": "First Name,Last Name,Headline\nJean,Martin,Boulanger\n",
        }
    )
    run_import(tmp_path, "Basic_LinkedInDataExport.zip", archive)
    assert Contact.objects.filter(first_name="Сергей 🚀").exists()
    assert Contact.objects.count() == 2
