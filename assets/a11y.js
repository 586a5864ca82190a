// Accessibility fixes for third-party markup that no Python prop reaches (Dash 4.4 dcc,
// AG Grid 33). Checked by tests/browser/test_accessibility.py (axe-core); what each fixes:
// - dcc.Dropdown: a hidden "focus target" input (aria-hidden, tabindex 0) takes Tab and hands
//   focus to the real button (tabindex -1). Make the button the tab stop, take the input out
//   of the tab order, and name the button by its field label plus its value.
// - dcc.RadioItems: a role=listbox of label[role=option] with no name, around native radios.
//   Expose it as a named radiogroup of plain labels; the radios carry the semantics (the CSS
//   keeps them focusable: sala.css "Segmented control").
// - AG Grid: the header viewport (role=presentation, tabindex -1) is not presentational to
//   assistive technology, which breaks the grid's role structure; and the scrolling body has
//   no element in the tab order. Drop that tabindex; give the first rendered header cell and
//   body cell tabindex 0 (the ARIA grid pattern's roving tab stop; AG Grid's own keyboard
//   navigation takes over from there).
// A label comes from the element with id "<id>-label", else the field's ".flt-label", else
// the enclosing panel's title; a label element found that way gets that id.
(function () {
  "use strict";

  function setAttr(el, name, value) {
    if (el.getAttribute(name) !== value) { el.setAttribute(name, value); }
  }
  function dropAttr(el, name) {
    if (el.hasAttribute(name)) { el.removeAttribute(name); }
  }

  function labelId(control, key) {
    const wanted = key + "-label";
    if (document.getElementById(wanted)) { return wanted; }
    const field = control.closest(".flt-field, label");
    let label = field ? field.querySelector(".flt-label") : null;
    if (!label) {
      const panel = control.closest(".panel");
      label = panel ? panel.querySelector(".panel-title") : null;
    }
    if (!label) { return null; }
    if (!label.id) { label.id = wanted; }
    return label.id;
  }

  function fixDropdowns(root) {
    root.querySelectorAll(".dash-dropdown-wrapper").forEach(function (wrap) {
      const button = wrap.querySelector("button.dash-dropdown");
      const trampoline = wrap.querySelector(".dash-dropdown-focus-target");
      if (!button) { return; }
      if (trampoline) { setAttr(trampoline, "tabindex", "-1"); }
      if (!button.disabled) { setAttr(button, "tabindex", "0"); }
      const key = button.id;
      const own = (button.getAttribute("aria-labelledby") || "").split(" ")
        .filter(function (t) { return t && !t.endsWith("-label"); });
      const label = key ? labelId(button, key) : null;
      if (label) { setAttr(button, "aria-labelledby", [label].concat(own).join(" ")); }
    });
  }

  function fixRadios(root) {
    root.querySelectorAll(".dash-radioitems").forEach(function (group) {
      setAttr(group, "role", "radiogroup");
      const label = group.id ? labelId(group, group.id) : null;
      if (label) { setAttr(group, "aria-labelledby", label); }
      group.querySelectorAll(".dash-options-list-option").forEach(function (option) {
        dropAttr(option, "role");
        dropAttr(option, "aria-selected");
      });
    });
  }

  function fixGrids(root) {
    root.querySelectorAll(".ag-root-wrapper").forEach(function (grid) {
      grid.querySelectorAll(".ag-header-viewport[tabindex]").forEach(function (el) {
        dropAttr(el, "tabindex");
      });
      const header = grid.querySelector(".ag-header-cell");
      if (header) { setAttr(header, "tabindex", "0"); }
      const cell = grid.querySelector(".ag-center-cols-container .ag-cell");
      if (cell && !grid.querySelector('.ag-center-cols-container .ag-cell[tabindex="0"]')) {
        setAttr(cell, "tabindex", "0");
      }
    });
  }

  let pending = false;
  function fixAll() {
    pending = false;
    fixDropdowns(document);
    fixRadios(document);
    fixGrids(document);
  }
  function schedule() {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(fixAll);
    }
  }

  function start() {
    new MutationObserver(schedule).observe(document.body, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["tabindex", "role", "aria-selected", "aria-labelledby"],
    });
    schedule();
  }
  if (document.body) { start(); } else { document.addEventListener("DOMContentLoaded", start); }
})();
