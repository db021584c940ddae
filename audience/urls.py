"""The public pages of the owned audience (DESIGN.md, "Owned audience")."""

from django.urls import path

from audience import views

urlpatterns = [
    path("inscription/", views.signup, name="signup"),
    path("inscription/merci/", views.signup_thanks, name="signup_thanks"),
    path("inscription/confirmer/<str:token>/", views.signup_confirm, name="signup_confirm"),
    path("inscription/qr.png", views.signup_qr, {"kind": "png"}, name="signup_qr_png"),
    path("inscription/qr.svg", views.signup_qr, {"kind": "svg"}, name="signup_qr_svg"),
]
