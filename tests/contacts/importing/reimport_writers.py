"""People with any combination of identifiers, and a writer per format that renders them
as that program's export would (tests of re-import: test_import_reimport_property.py).

A writer keeps the identifiers its format can carry and drops the others; a person left
with no name and no identifier is left out of the file.
"""

import csv
import io
import json
import zlib
from dataclasses import dataclass, replace

from hypothesis import strategies as st
from openpyxl import Workbook

FIRST = ["Zoé", "Hélène", "François", "Noël", "Loïc", "Anaïs", "Jérôme", "Gaëlle", "Maëlys",
         "Benoît", "Chloé", "Inès", "Raphaël", "Aurélie", "Cécile", "Ольга", "José"]  # fmt: skip
LAST = ["Brûlé", "Lefèvre", "Gaëtan", "Œuvray", "Ménard", "Lévêque", "Béranger", "Du Pré",
        "Chênevière", "Müller", "Núñez", "Faÿ", "Ndiaye", "Nguyễn", "O'Brien",
        "Lacôte"]  # fmt: skip
SLUG = str.maketrans("éèêëàâäîïôöûüùçñœÿ' ", "eeeeaaaiioouuucnoy--")
KINDS = ("email", "phone", "linkedin", "instagram", "facebook", "website")


@dataclass(frozen=True)
class Person:
    first: str = ""
    last: str = ""
    email: str = ""
    phone: str = ""  # E.164, French
    linkedin: str = ""  # https://www.linkedin.com/in/…
    instagram: str = ""  # user name
    facebook: str = ""  # https://www.facebook.com/…
    website: str = ""  # https://…
    company: str = ""

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}".strip()

    @property
    def slug(self) -> str:
        return (self.name or "anonyme").casefold().translate(SLUG)

    def national(self) -> str:
        """The phone as people type it in France: "06 12 34 56 78"."""
        digits = "0" + self.phone.removeprefix("+33")
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))


@st.composite
def people(draw) -> list[Person]:
    """1 to 8 people, each with a random combination of identifiers (none: a name only),
    identifiers unique to each, except a phone two named people sometimes share."""
    count = draw(st.integers(1, 8))
    names = draw(
        st.lists(
            st.one_of(st.just(("", "")), st.tuples(st.sampled_from(FIRST), st.sampled_from(LAST))),
            min_size=count,
            max_size=count,
            unique_by=lambda n: n if n != ("", "") else object(),
        )
    )
    block = draw(st.integers(10, 89))  # varies the numbers from one example to the next
    result: list[Person] = []
    for i, (first, last) in enumerate(names):
        kinds = draw(st.sets(st.sampled_from(KINDS)))
        person = Person(first=first, last=last)
        slug = f"{person.slug}-{i}"
        values = {
            "email": f"{slug.replace('-', '.')}@exemple.fr",
            "phone": f"+336{block}{i:02d}{block:02d}{i:02d}",
            "linkedin": f"https://www.linkedin.com/in/{slug}",
            "instagram": f"{slug.replace('-', '_')}",
            "facebook": f"https://www.facebook.com/{slug.replace('-', '.')}",
            "website": f"https://{slug}.exemple.fr",
        }
        person = replace(person, **{k: values[k] for k in kinds})
        if draw(st.booleans()):
            person = replace(person, company=f"Société {LAST[i % len(LAST)]} {block}")
        # A couple's landline: two people, two names, one number.
        named = [p for p in result if p.phone and p.name]
        if person.name and named and draw(st.integers(0, 4)) == 0:
            person = replace(person, phone=draw(st.sampled_from(named)).phone)
        result.append(person)
    return result


def keep(people_: list[Person], *carried: str, name=True) -> list[Person]:
    """The people as a format carrying these identifiers holds them (others dropped)."""
    kept = []
    for p in people_:
        p = replace(p, **{k: "" for k in (*KINDS, "company") if k not in carried})
        if not name:
            p = replace(p, first="", last="")
        if p.name or any(getattr(p, k) for k in KINDS):
            kept.append(p)
    return kept


def _csv(header: list[str], rows: list[list[str]], delimiter=",", quote_all=False) -> str:
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=delimiter,
        lineterminator="\r\n",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def generic_csv(ps):
    ps = keep(ps, "email", "phone", "company")
    if not ps:
        return None  # nobody this format can hold
    rows = [[p.first, p.last, p.email, p.national() if p.phone else "", p.company] for p in ps]
    return "contacts.csv", _csv(["Prénom", "Nom", "E-mail", "Téléphone", "Société"], rows, ";")


def xlsx(ps):
    ps = keep(ps, "email", "phone", "company")
    if not ps:
        return None  # nobody this format can hold
    book = Workbook()
    sheet = book.active
    sheet.append(["Prénom", "Nom", "Courriel", "Portable", "Entreprise"])
    for p in ps:
        # Excel turns a typed 0612345678 into the number 612345678.
        phone = int(p.phone.removeprefix("+33")) if p.phone else None
        sheet.append([p.first or None, p.last or None, p.email or None, phone, p.company or None])
    out = io.BytesIO()
    book.save(out)
    return "contacts.xlsx", out.getvalue()


def _vcard_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")


def vcard(ps):
    ps = keep(ps, "email", "phone", "linkedin", "instagram", "facebook", "website", "company")
    if not ps:
        return None  # nobody this format can hold
    cards = []
    for p in ps:
        lines = ["BEGIN:VCARD", "VERSION:3.0"]
        lines.append(f"N:{_vcard_text(p.last)};{_vcard_text(p.first)};;;")
        lines.append(f"FN:{_vcard_text(p.name)}")
        if p.company:
            lines.append(f"ORG:{_vcard_text(p.company)};")
        if p.email:
            lines.append(f"EMAIL;type=INTERNET;type=pref:{p.email}")
        if p.phone:
            lines.append(f"TEL;type=CELL;type=VOICE;type=pref:{p.national()}")
        for n, url in enumerate(u for u in (p.linkedin, p.website, p.facebook) if u):
            escaped = url.replace(":", "\\:", 1)  # as Apple writes it: http\://…
            lines.append(f"item{n + 1}.URL;type=pref:{escaped}")
            lines.append(f"item{n + 1}.X-ABLabel:_$!<HomePage>!$_")
        if p.instagram:
            lines.append(
                f"X-SOCIALPROFILE;type=instagram;x-user={p.instagram}:"
                f"https://www.instagram.com/{p.instagram}"
            )
        lines.append("END:VCARD")
        cards.append("\r\n".join(lines))
    return "contacts.vcf", "\r\n".join(cards) + "\r\n"


GOOGLE = ["First Name", "Middle Name", "Last Name", "Organization Name", "Labels",
          "E-mail 1 - Label", "E-mail 1 - Value", "Phone 1 - Label", "Phone 1 - Value",
          "Website 1 - Label", "Website 1 - Value", "Website 2 - Label", "Website 2 - Value",
          "Website 3 - Label", "Website 3 - Value"]  # fmt: skip
GOOGLE_LEGACY = ["Name", "Given Name", "Additional Name", "Family Name", "Group Membership",
                 "E-mail 1 - Type", "E-mail 1 - Value", "Phone 1 - Type", "Phone 1 - Value",
                 "Organization 1 - Name", "Website 1 - Type", "Website 1 - Value",
                 "Website 2 - Type", "Website 2 - Value", "Website 3 - Type",
                 "Website 3 - Value"]  # fmt: skip


def _websites(p: Person) -> list[str]:
    return [u for u in (p.linkedin, p.website, p.facebook) if u]


def google(ps):
    ps = keep(ps, "email", "phone", "linkedin", "facebook", "website", "company")
    if not ps:
        return None  # nobody this format can hold
    rows = []
    for p in ps:
        sites = [*_websites(p), "", "", ""]
        rows.append(
            [p.first, "", p.last, p.company, "* myContacts ::: Clients",
             "* Work" if p.email else "", p.email, "Mobile" if p.phone else "",
             p.national() if p.phone else "",
             "Profile" if sites[0] else "", sites[0], "Profile" if sites[1] else "", sites[1],
             "Profile" if sites[2] else "", sites[2]]
        )  # fmt: skip
    return "contacts.csv", _csv(GOOGLE, rows)


def google_legacy(ps):
    ps = keep(ps, "email", "phone", "linkedin", "facebook", "website", "company")
    if not ps:
        return None  # nobody this format can hold
    rows = []
    for p in ps:
        # The old export wrote a Google profile where the person had one.
        sites = [u.replace("https://", "").replace(".exemple.fr", "") for u in _websites(p)]
        sites = [
            f"google.com/profiles/1150{zlib.crc32(s.encode()):017d}" if "." not in s else s
            for s in sites
        ] + ["", "", ""]
        rows.append(
            [p.name, p.first, "", p.last, "* My Contacts", "* Home" if p.email else "", p.email,
             "Mobile" if p.phone else "", p.phone, p.company, "Profile" if sites[0] else "",
             sites[0], "Profile" if sites[1] else "", sites[1], "Profile" if sites[2] else "",
             sites[2]]
        )  # fmt: skip
    return "google.csv", _csv(GOOGLE_LEGACY, rows)


OUTLOOK = ["Title", "First Name", "Middle Name", "Last Name", "Company", "Mobile Phone",
           "E-mail Address", "E-mail Type", "E-mail Display Name", "Web Page", "Priority",
           "Private", "Sensitivity"]  # fmt: skip


def outlook(ps):
    ps = keep(ps, "email", "phone", "website", "company")
    if not ps:
        return None  # nobody this format can hold
    rows = [
        ["", p.first, "", p.last, p.company, p.phone, p.email, "SMTP" if p.email else "",
         f"{p.name} ({p.email})" if p.email else "", p.website, "Normal", "False", "Normal"]
        for p in ps
    ]  # fmt: skip
    return "contacts.csv", _csv(OUTLOOK, rows, quote_all=True)


def linkedin(ps):
    ps = keep(ps, "email", "linkedin", "company")
    if not ps:
        return None  # nobody this format can hold
    preamble = (
        "Notes:\n"
        '"When exporting your connection data, you may notice that some of the email '
        'addresses are missing."\n\n'
    )
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov"]
    rows = [
        [p.first, p.last, p.linkedin, p.email, p.company, "Gérant·e" if p.company else "",
         f"{(i % 27) + 1:02d} {months[i % 11]} 2025"]
        for i, p in enumerate(ps)
    ]  # fmt: skip
    header = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position",
              "Connected On"]  # fmt: skip
    return "Connections.csv", preamble + _csv(header, rows).replace("\r\n", "\n")


def _mojibake(value: str) -> str:
    return value.encode("utf-8").decode("latin-1")


def facebook(ps):
    ps = [p for p in keep(ps, "email") if p.name]
    if not ps:
        return None  # nobody this format can hold
    friends = []
    for i, p in enumerate(ps):
        friend = {"name": _mojibake(p.name), "timestamp": 1600000000 + 86400 * i}
        if p.email:
            friend["contact_info"] = p.email
        friends.append(friend)
    return "your_friends.json", json.dumps({"friends_v2": friends}, ensure_ascii=True)


def instagram(ps):
    ps = keep(ps, "instagram", name=False)
    if not ps:
        return None  # nobody this format can hold
    entries = [
        {
            "title": "",
            "media_list_data": [],
            "string_list_data": [
                {
                    "href": f"https://www.instagram.com/{p.instagram}",
                    "value": p.instagram,
                    "timestamp": 1700000000 + i,
                }
            ],
        }
        for i, p in enumerate(ps)
    ]
    return "followers_1.json", json.dumps(entries, ensure_ascii=True)


def telegram(ps):
    ps = keep(ps, "phone")
    if not ps:
        return None  # nobody this format can hold
    contacts = [
        {"user_id": 700000 + i, "first_name": p.first, "last_name": p.last,
         "phone_number": p.phone[:3] + " " + p.national()[1:] if p.phone else "",
         "date": "2024-01-01T10:00:00", "date_unixtime": str(1704099600 + i)}
        for i, p in enumerate(ps)
    ]  # fmt: skip
    export = {
        "about": "Here is the data you requested.",
        "contacts": {"about": "", "list": contacts},
    }
    return "result.json", json.dumps(export, ensure_ascii=False)


MAILCHIMP = ["Email Address", "First Name", "Last Name", "Phone Number", "MEMBER_RATING",
             "OPTIN_TIME", "OPTIN_IP", "CONFIRM_TIME", "CONFIRM_IP", "LATITUDE", "LONGITUDE",
             "GMTOFF", "DSTOFF", "TIMEZONE", "CC", "REGION", "LAST_CHANGED", "LEID", "EUID",
             "NOTES", "TAGS"]  # fmt: skip


def mailchimp(ps):
    ps = [p for p in keep(ps, "email", "phone") if p.email]
    if not ps:
        return None  # nobody this format can hold
    rows = [
        [p.email, p.first, p.last, p.national() if p.phone else "", "2",
         "2016-04-18 13:51:14", "82.64.12.34", "2016-04-18 13:52:01", "82.64.12.34", "", "", "",
         "", "", "FR", "", "2024-01-05 09:00:00", str(100 + i), f"e{i:09d}", "", '"Clients"']
        for i, p in enumerate(ps)
    ]  # fmt: skip
    return "subscribed_members_export_3f2a1b.csv", _csv(MAILCHIMP, rows)


def brevo(ps):
    ps = [p for p in keep(ps, "email", "phone") if p.email or p.phone]
    if not ps:
        return None  # nobody this format can hold
    rows = [
        [
            p.email,
            p.first,
            p.last,
            p.phone.removeprefix("+"),
            "2023-01-15 10:22:31",
            "2024-02-01 08:00:00",
            "0",
        ]
        for p in ps
    ]
    header = ["EMAIL", "PRENOM", "NOM", "SMS", "ADDED_TIME", "MODIFIED_TIME", "EMAIL_BLACKLISTED"]
    return "brevo.csv", _csv(header, rows, ";")


WRITERS = {
    "csv": generic_csv,
    "xlsx": xlsx,
    "vcard": vcard,
    "google": google,
    "google legacy": google_legacy,
    "outlook": outlook,
    "linkedin": linkedin,
    "facebook": facebook,
    "instagram": instagram,
    "telegram": telegram,
    "mailchimp": mailchimp,
    "brevo": brevo,
}
