"""The owner's keystrokes in the campaign editor, shared by the browser tests."""

import re

from playwright.sync_api import Page, expect


def write_the_sales_message(page: Page, heading: str, shop: str):
    """Write, with the editor alone, a heading, a first-name merge field, a bold word, a
    link to `shop` and a button to its sales; return the editor."""
    editor = page.locator(".field-html_body .tiptap.ProseMirror")
    editor.click()
    page.keyboard.type(f"# {heading}")  # the editor makes a heading of it
    page.keyboard.press("Enter")
    page.keyboard.type("Bonjour ")
    page.get_by_role("button", name="Prénom").click()  # the merge fields' menu
    page.keyboard.type(", tout est à ")
    page.keyboard.press("Control+b")
    page.keyboard.type("moitié prix")
    page.keyboard.press("Control+b")
    page.keyboard.type(" sur notre site")
    _link_the_last_word(page, editor, "site")
    fill_dialog(page, href=shop)
    expect(editor.locator(f"a[href='{shop}']")).to_have_text("site")
    paragraph = editor.locator("p").first
    box = paragraph.bounding_box()
    paragraph.click(position={"x": box["width"] - 4, "y": box["height"] / 2})  # its end
    page.get_by_role("button", name="Bouton", exact=True).click()
    fill_dialog(page, text="Voir les soldes", href=f"{shop}/soldes")
    expect(editor.locator("a.button")).to_have_text("Voir les soldes")
    return editor


def fill_dialog(page: Page, **fields: str) -> None:
    """Fill the editor's open dialog (fields by input name) and submit it."""
    dialog = page.locator("dialog[open]")
    for name, value in fields.items():
        dialog.locator(f"input[name={name}]").fill(value)
    dialog.locator("button[type=submit]").click()


def _link_the_last_word(page: Page, editor, word: str) -> None:
    """Select the last word typed in the editor, once the editor holds it, and ask for a
    link (the dialog opens): keys sent before ProseMirror applied the typing select less."""
    expect(editor).to_contain_text(word)
    for count in range(1, len(word) + 1):
        page.keyboard.press("Shift+ArrowLeft")
        page.wait_for_function("n => window.getSelection().toString().length === n", arg=count)
    assert page.evaluate("() => window.getSelection().toString()") == word
    # The browser's selection reaches the editor's state a moment later (on selectionchange);
    # until then the link button is disabled and a click on it does nothing.
    button = page.locator(".prose-menubar__button[title*='link' i]").first
    expect(button).not_to_have_class(re.compile(r"\bdisabled\b"))
    button.click()
    expect(page.locator("dialog[open]")).to_be_visible()
    # django-prose-editor's dialogs speak the owner's language (its JavaScript catalogue).
    expect(page.locator("dialog[open]")).to_contain_text("Modifier le lien")
