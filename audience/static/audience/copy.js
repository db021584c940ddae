// "Copy the message" on the social-only page: puts the text of the element named by the
// button's data-copy into the clipboard, and says so. A static file, as a strict CSP wants.
"use strict"

function copyText(button) {
  const source = document.getElementById(button.dataset.copy)
  const status = document.getElementById("copy-status")
  const say = (text) => { if (status) status.textContent = text }
  const byHand = () => {
    source.focus()
    source.select()
    say(button.dataset.failed)
  }
  if (!navigator.clipboard) {
    byHand()
    return
  }
  navigator.clipboard.writeText(source.value).then(() => say(button.dataset.copied), byHand)
}

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.addEventListener("click", () => copyText(button))
  }
})
