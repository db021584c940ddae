"""The business's public news page and its Atom feed: the current notice, then the news."""

from dataclasses import dataclass

from csp.decorators import csp
from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.text import capfirst
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from campaigns.models import Business
from news import channels, outage, page

SHOWN = 30  # the latest campaigns on the page and in the feed


def language(request: HttpRequest) -> str:
    """Return ?lang= when it names a language of the site, else the visitor's."""
    wanted = request.GET.get("lang", "")
    return wanted if wanted in dict(settings.LANGUAGES) else request.LANGUAGE_CODE


@csp(settings.NEWS_PAGE_POLICY)
def news(request: HttpRequest) -> HttpResponse:
    """Show the news page, in French or English (?lang=en)."""
    chosen = language(request)
    with translation.override(chosen):
        response = render(request, "news/page.html", _context(chosen))
    response.headers["Content-Language"] = chosen
    return response


def theme(request: HttpRequest) -> HttpResponse:
    """Serve the brand's colour as CSS: the page allows no inline style."""
    colour = Business.load().brand_colour  # validated: "#" and six hex digits
    response = HttpResponse(f":root {{ --brand: {colour}; }}\n", content_type="text/css")
    response.headers["Cache-Control"] = "max-age=300"
    return response


def _context(chosen: str) -> dict:
    business = Business.load()
    return {
        "business": business,
        "reach": channels.reach(business),
        "notices": [page.article(notice) for notice in outage.current()],
        "articles": [page.article(campaign) for campaign in page.published()[:SHOWN]],
        "language": chosen,
        "languages": [
            # Each language in its own words: "English" for a French reader, as everywhere.
            (
                code,
                capfirst(get_language_info(code)["name_local"]),
                _with_language(reverse("news"), code),
            )
            for code, _name in settings.LANGUAGES
        ],
        "feed_url": _with_language(reverse("news_feed"), chosen),
    }


def _with_language(path: str, code: str) -> str:
    return path if code == settings.LANGUAGE_CODE else f"{path}?lang={code}"


@dataclass(frozen=True)
class _Entry:
    article: page.Article
    link: str


class NewsFeed(Feed):
    """The news page as an Atom feed: the current notices first, then the public campaigns.

    The feed's object is the language asked for (one Feed serves every request).
    """

    feed_type = Atom1Feed

    def get_object(self, request, *args, **kwargs) -> str:
        return language(request)

    def __call__(self, request, *args, **kwargs):
        with translation.override(language(request)):
            return super().__call__(request, *args, **kwargs)

    def title(self, obj: str):
        name = Business.load().name
        return _("%(business)s: news") % {"business": name} if name else _("News")

    def subtitle(self, obj: str):
        return _("Our news, on our own page: no social network needed.")

    def link(self, obj: str):
        return _with_language(reverse("news"), obj)

    def items(self, obj: str):
        shown = outage.current() + list(page.published()[:SHOWN])
        return [_Entry(page.article(c), f"{self.link(obj)}#n{c.pk}") for c in shown]

    def item_title(self, item: _Entry):
        return item.article.title

    def item_description(self, item: _Entry):
        return item.article.html

    def item_link(self, item: _Entry):
        return item.link

    def item_guid(self, item: _Entry):
        return f"{settings.SITE_URL}{reverse('news')}#{item.article.anchor}"

    def item_pubdate(self, item: _Entry):
        return item.article.published_at

    def item_updateddate(self, item: _Entry):
        return item.article.published_at
