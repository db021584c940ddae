from django.conf import settings
from django.utils import translation


def chosen_language(get_response):
    """Speak the language the user chose (language cookie), else the site's language.

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language: a French
    business keeps a French interface even on a laptop set up in English.
    """

    def middleware(request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # For this request only: the thread serves others after it (and tests run on).
        with translation.override(language):
            response = get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response

    return middleware
