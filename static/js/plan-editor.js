/*
 * The plan editor (plans/templates/plans/editor/editor.html): drag and drop, and htmx answers
 * that are not 2xx.
 *
 * Dragging uses SortableJS on every list of the tree (`ol.pe-list`): sections move among section
 * lists (top level or under another section), items among item lists. On drop we POST the node,
 * its new parent and its index among its new siblings to plans:node_move with the page's revision
 * (#plan-revision), and htmx swaps in the re-rendered tree, so the numbering (一、（一）1、) is the
 * server's. The 活动安排 rows are sortable the same way. Loaded with the page's CSP nonce; no
 * inline code anywhere.
 */
(function () {
  "use strict";

  if (typeof window.htmx === "undefined") {
    return;
  }
  var htmx = window.htmx;

  // 409 (someone else saved first, or the plan left the draft state), 422 (a form with errors)
  // and 400 (a refused move) carry a partial to show: let htmx swap them like a 200.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
    // A drag leaves style attributes behind (SortableJS works through element.style, and touches
    // even the form inputs); htmx's settle step copies an old element's attributes onto its
    // replacement with setAttribute, which our CSP refuses (no inline styles). Nothing in the
    // editor needs them once the drag is over.
    var root = document.getElementById("plan-editor");
    if (root && !document.body.classList.contains("pe-dragging")) {
      root.querySelectorAll("[style]").forEach(function (el) {
        el.removeAttribute("style");
      });
    }
  });

  function revision() {
    var input = document.getElementById("plan-revision");
    return input ? input.value : "";
  }

  function post(url, values, target) {
    values.revision = revision();
    document.body.classList.add("pe-busy");
    htmx
      .ajax("POST", url, { source: target, target: target, swap: "outerHTML", values: values })
      .finally(function () {
        document.body.classList.remove("pe-busy");
      });
  }

  function dragging(on) {
    document.body.classList.toggle("pe-dragging", on);
  }

  function initTree(tree) {
    var url = tree.getAttribute("data-move-url");
    tree.querySelectorAll("ol.pe-list").forEach(function (list) {
      if (window.Sortable.get(list)) {
        return;
      }
      var kind = list.getAttribute("data-kind");
      window.Sortable.create(list, {
        group: kind === "section" ? "pe-sections" : "pe-items",
        handle: ".pe-handle",
        draggable: kind === "section" ? "li.pe-section" : "li.pe-item",
        animation: 150,
        // Pointer events rather than native HTML5 drag: the same on mouse, touch and pen, and the
        // dragged node does not leave the page (no stray drop into a text field).
        forceFallback: true,
        fallbackTolerance: 3,
        fallbackOnBody: true,
        swapThreshold: 0.65,
        emptyInsertThreshold: 12,
        onStart: function () {
          dragging(true);
        },
        onEnd: function (event) {
          dragging(false);
          if (event.from === event.to && event.oldDraggableIndex === event.newDraggableIndex) {
            return;
          }
          post(
            url,
            {
              kind: kind,
              node_id: event.item.getAttribute("data-id"),
              parent_id: event.to.getAttribute("data-parent") || "",
              index: event.newDraggableIndex,
            },
            "#plan-tree"
          );
        },
      });
    });
  }

  function initSchedule(body) {
    if (window.Sortable.get(body)) {
      return;
    }
    window.Sortable.create(body, {
      handle: ".pe-handle",
      draggable: "tr[data-id]",
      animation: 150,
      forceFallback: true,
      fallbackTolerance: 3,
      onEnd: function (event) {
        if (event.oldDraggableIndex === event.newDraggableIndex) {
          return;
        }
        post(
          body.getAttribute("data-move-url"),
          { entry_id: event.item.getAttribute("data-id"), index: event.newDraggableIndex },
          "#plan-schedule"
        );
      },
    });
  }

  htmx.onLoad(function (element) {
    if (typeof window.Sortable === "undefined") {
      return;
    }
    var root = element.nodeType === 1 ? element : document.body;
    var trees = root.matches && root.matches(".pe-tree.pe-editable") ? [root] : [];
    trees = trees.concat(Array.prototype.slice.call(root.querySelectorAll(".pe-tree.pe-editable")));
    trees.forEach(initTree);
    var bodies = root.matches && root.matches("tbody.pe-schedule-rows") ? [root] : [];
    bodies = bodies.concat(Array.prototype.slice.call(root.querySelectorAll("tbody.pe-schedule-rows")));
    bodies.forEach(function (body) {
      if (body.closest(".pe-editor") && document.querySelector(".pe-tree.pe-editable")) {
        initSchedule(body);
      }
    });
  });
})();
