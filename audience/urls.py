"""The public pages of the owned audience (DESIGN.md, "Owned audience")."""

urlpatterns = []
