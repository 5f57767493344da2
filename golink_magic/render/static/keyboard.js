// Keyboard use of golink_magic's views (roving tabindex): each pane is one Tab stop; inside it the
// arrow keys move between source lines or assembly rows, Home/End jump to the first/last.  Focusing
// a row lights what hovering lights (CSS :focus rules in the view); this script only moves focus.
// Shared by the JupyterLab extension and the self-contained pages.  No dependencies.
(function () {
  "use strict";
  if (window.__golinkKeyboard) { return; }
  window.__golinkKeyboard = true;
  var ITEM = '.glm [role="listitem"][tabindex]';
  function pane(el) { return el.closest(".glm-scroll, .glm-cell, .glm-pane") || el.parentElement; }
  function visible(el) { return el.getClientRects().length > 0; }
  document.addEventListener("keydown", function (event) {
    var here = event.target;
    if (!(here instanceof Element) || !here.matches(ITEM)) { return; }
    var keys = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10, Home: -Infinity, End: Infinity };
    if (!(event.key in keys) || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    var items = Array.prototype.filter.call(pane(here).querySelectorAll(ITEM), visible);
    var at = items.indexOf(here);
    var step = keys[event.key];
    var next = items[Math.max(0, Math.min(items.length - 1, isFinite(step) ? at + step : (step < 0 ? 0 : items.length - 1)))];
    if (!next || next === here) { return; }
    event.preventDefault();
    here.setAttribute("tabindex", "-1");
    next.setAttribute("tabindex", "0");
    next.focus();
  });
})();
