"""The campaign form: the body written in the editor or as HTML, the audience by search."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import AdminProseEditorWidget

from campaigns import editor
from campaigns.choices import BodyFormat
from campaigns.models import Campaign

AUDIENCE = ("tags", "segments", "exclude_tags", "exclude_segments")


class CampaignForm(forms.ModelForm):
    html_source = forms.CharField(
        label=_("HTML"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 18, "class": "vLargeTextField", "spellcheck": "false"}
        ),
        help_text=_(
            "For those who write HTML. Merge fields: {{ first_name }}, {{ last_name }}, "
            "{{ email }}, {{ company }}, {{ unsubscribe_url }}. A whole document (with "
            "<body>) is sent as written; anything else goes into your brand's layout."
        ),
    )

    class Meta:
        model = Campaign
        fields = ("name", "subject", "preheader", "from_name", "from_email", "reply_to",
                  "body_format", "html_body", "text_body", *AUDIENCE,
                  "track_clicks", "track_opens", "public")  # fmt: skip
        widgets = {
            "body_format": forms.RadioSelect(attrs={"class": "body-format"}),
            "text_body": forms.Textarea(attrs={"rows": 8, "class": "vLargeTextField"}),
        }
        labels = {"html_body": _("Message"), "body_format": _("Write with")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "html_body" not in self.fields:
            return  # a campaign that can no longer change: every field is read-only
        self.fields["html_body"] = ProseEditorFormField(
            label=_("Message"),
            required=False,
            config={"extensions": editor.extensions()},
            sanitize=True,
            widget=AdminProseEditorWidget,
        )
        if self.instance.pk is None:
            self.initial.setdefault("body_format", BodyFormat.EDITOR)
        elif self.instance.body_format == BodyFormat.HTML:
            self.initial["html_source"] = self.instance.html_body
            self.initial["html_body"] = ""  # the editor would drop what its schema lacks

    def add_error(self, field, error):
        # In HTML mode the owner sees the HTML box: the model's refusals of the body go there.
        by_field = getattr(error, "error_dict", None)
        writes_html = getattr(self, "cleaned_data", {}).get("body_format") == BodyFormat.HTML
        if field is None and by_field and "html_body" in by_field and writes_html:
            by_field["html_source"] = by_field.pop("html_body")
        super().add_error(field, error)

    def clean(self):
        data = super().clean()
        if "html_body" not in self.fields:
            return data
        if data.get("body_format") == BodyFormat.HTML:
            data["html_body"] = data.get("html_source", "")
        if not data.get("html_body", "").strip():
            self.add_error(
                "html_source" if data.get("body_format") == BodyFormat.HTML else "html_body",
                _("Write the message."),
            )
        return data
