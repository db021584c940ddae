"""The outage notice's first texts, in each language: what the owner finds, ready to send.

Business fields in braces ({{ channels }}, {{ news_url }}…) are filled in when the notice
is sent (news.channels); {{ first_name }} is the campaign's own merge field.
"""

TEXTS = {
    "fr": {
        "subject": "Important : comment nous joindre en ce moment",
        "html_body": """<p>Bonjour {{ first_name|default:"à vous" }},</p>
<p>Les réseaux sociaux et les messageries par lesquels vous avez l’habitude de nous suivre \
sont en panne en ce moment. Nous restons joignables, directement :</p>
{{ channels }}
<p>Nous donnerons des nouvelles au fur et à mesure sur notre page : \
<a href="{{ news_url }}">{{ news_url }}</a></p>
<p>Merci de votre confiance, à très bientôt,<br>{{ business_name }}</p>
""",
    },
    "en": {
        "subject": "Important: how to reach us right now",
        "html_body": """<p>Hello {{ first_name|default:"there" }},</p>
<p>The social networks and messaging apps you usually follow us on are down right now. \
You can still reach us directly:</p>
{{ channels }}
<p>We will post updates as they come on our news page: \
<a href="{{ news_url }}">{{ news_url }}</a></p>
<p>Thank you for your trust, see you soon,<br>{{ business_name }}</p>
""",
    },
}
