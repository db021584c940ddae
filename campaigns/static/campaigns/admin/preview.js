// The preview: choosing another contact shows the message as that contact at once.
"use strict";
window.addEventListener("load", () => {
  const form = document.getElementById("preview-as");
  const select = document.getElementById("id_contact");
  const $ = window.django && window.django.jQuery;
  if (!form || !select || !$) return;
  $(select).on("change", () => form.submit());
});
