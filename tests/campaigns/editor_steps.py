"""The owner's keystrokes in the campaign editor, shared by the browser tests."""

from playwright.sync_api import Page, expect


def link_the_last_word(page: Page, editor, word: str) -> None:
    """Select the last word typed in the editor, once the editor holds it, and ask for a
    link (the dialog opens): keys sent before ProseMirror applied the typing select less."""
    expect(editor).to_contain_text(word)
    for count in range(1, len(word) + 1):
        page.keyboard.press("Shift+ArrowLeft")
        page.wait_for_function("n => window.getSelection().toString().length === n", arg=count)
    assert page.evaluate("() => window.getSelection().toString()") == word
    page.locator(".prose-menubar__button[title*='link' i]").first.click()
