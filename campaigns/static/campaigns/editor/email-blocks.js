// The campaign editor's email blocks: merge fields and a button, inserted from the menu.
// Labels come from the server (translated) through the extension's options.
import { Extension, updateAttrsDialog } from "django-prose-editor/editor"

function textButton(label, title) {
  const button = document.createElement("button")
  button.type = "button"
  button.className = "prose-menubar__button email-blocks__button"
  button.textContent = label
  button.title = title || label
  return button
}

function insertField(editor, field) {
  const tag = `{{ ${field.name} }}`
  if (field.name === "unsubscribe_url") {
    // A merge field that is an address reads best as a link.
    return editor.chain().focus().insertContent({
      type: "text", text: field.text, marks: [{ type: "link", attrs: { href: tag } }],
    }).insertContent(" ").run()
  }
  return editor.chain().focus().insertContent(tag).run()
}

async function insertButton(editor, labels) {
  const fields = {
    text: { type: "string", title: labels.text, required: true },
    href: { type: "string", title: labels.href, required: true },
  }
  const dialog = updateAttrsDialog(fields, { title: labels.dialog, submitText: labels.submit })
  const answer = await dialog(editor, { text: "", href: "https://" })
  if (!answer || !answer.text || !answer.href) return
  // At the end of the document, after the current block: the button stands on its own line.
  const end = editor.state.selection.$to.after(1)
  editor.chain().focus().insertContentAt(end, {
    type: "paragraph",
    content: [{
      type: "text", text: answer.text,
      marks: [{ type: "link", attrs: { href: answer.href, class: "button" } }],
    }],
  }).run()
}

export const EmailBlocks = Extension.create({
  name: "EmailBlocks",

  addOptions() {
    return { fields: [], button: {} }
  },

  // Carnet's pages allow a <style> element only with the page's nonce (crm/settings.py):
  // the stylesheet TipTap adds to the page carries the nonce of the page's scripts.
  onBeforeCreate() {
    const script = document.querySelector("script[nonce]")
    if (script && script.nonce) this.editor.setOptions({ injectNonce: script.nonce })
  },

  addMenuItems({ menu }) {
    for (const field of this.options.fields) {
      menu.defineItem({
        name: `mergeField:${field.name}`,
        groups: "mergeFields",
        command: (editor) => insertField(editor, field),
        button: textButton(field.label, field.title),
      })
    }
    const labels = this.options.button
    menu.defineItem({
      name: "emailButton",
      groups: "emailBlocks",
      command: (editor) => insertButton(editor, labels),
      button: textButton(labels.label, labels.title),
    })
  },
})
