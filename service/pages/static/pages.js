// OnRecord pages: optional comforts only; every page works without this script.
"use strict";

// "Copy" buttons for the cite-this block.
document.querySelectorAll("button[data-copy]").forEach((button) => {
  const source = document.getElementById(button.dataset.copy);
  if (!source || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    navigator.clipboard.writeText(source.value).then(() => { button.textContent = "Copied"; });
  });
});

// The write key of /extract: kept in this tab's session storage once entered.
const keyField = document.getElementById("write-key");
if (keyField) {
  const stored = sessionStorage.getItem("onrecord-write-key");
  if (stored && !keyField.value) keyField.value = stored;
  keyField.form.addEventListener("submit", () => {
    if (keyField.value) sessionStorage.setItem("onrecord-write-key", keyField.value);
  });
  const forget = document.getElementById("forget-key");
  if (forget) {
    forget.hidden = false;
    forget.addEventListener("click", () => { sessionStorage.removeItem("onrecord-write-key"); keyField.value = ""; });
  }
}
